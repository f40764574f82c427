import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { drainedOrClosed } from '../../../src/platform/streams';

describe('the CSV export waiting for a slow client (found by an outside probe)', () => {
  it('leaves no listener behind, however many pages it waits for', async () => {
    const res = new EventEmitter() as unknown as Parameters<typeof drainedOrClosed>[0];
    const emitter = res as unknown as EventEmitter;
    for (let page = 0; page < 50; page++) {
      const waiting = drainedOrClosed(res);
      emitter.emit('drain');
      await waiting;
    }
    // Before, each wait left its 'close' listener: eleven made Node warn of a leak.
    expect(emitter.listenerCount('close')).toBe(0);
    expect(emitter.listenerCount('drain')).toBe(0);
    const gone = drainedOrClosed(res);
    emitter.emit('close');
    await gone;
    expect(emitter.listenerCount('drain')).toBe(0);
  });
});
