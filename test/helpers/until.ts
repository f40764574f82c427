/**
 * Reads until `done` holds and returns what it read; after `timeoutMs` throws, naming `what`
 * and the last value read. This waits on state: the pause between reads is only how often it
 * looks, so a test never waits longer than the work takes.
 */
export async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} not as expected: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50)); // polling interval, not a wait for state
  }
}
