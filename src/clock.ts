/** Time as epoch milliseconds; injected so tests can move it. All stored times are UTC ms. */
export type Clock = { now(): number };

export const systemClock: Clock = { now: () => Date.now() };

/** One day in milliseconds (a UTC day: no time zone or DST in it). */
export const DAY = 86_400_000;
