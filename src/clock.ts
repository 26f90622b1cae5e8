/** Time as epoch milliseconds; injected so tests can move it. All stored times are UTC ms. */
export type Clock = { now(): number };

export const systemClock: Clock = { now: () => Date.now() };
