import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';

/**
 * The test environment of the fault tests: it counts promises that reject with nobody handling
 * them (less those handled later), which the tests read as `unhandledRejections()`.
 * A test file's `process` is a sandboxed copy whose listeners never hear the real process's
 * 'unhandledRejection'; jest-circus does, and reports each one to its environment as an
 * `error` event that names the promise.
 */
export default class RejectionWatchEnvironment extends TestEnvironment {
  private readonly unhandled = new Map<Promise<unknown>, unknown>();

  override async setup(): Promise<void> {
    await super.setup();
    this.global.unhandledRejections = () => [...this.unhandled.values()];
  }

  handleTestEvent(event: Circus.Event): void {
    if (event.name === 'error' && event.promise) this.unhandled.set(event.promise, event.error);
    if (event.name === 'error_handled') this.unhandled.delete(event.promise);
  }
}
