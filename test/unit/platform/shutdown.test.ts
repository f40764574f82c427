import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitOnSignal } from '../../../src/platform/shutdown';

const log = pino({ level: 'silent' });

function setUp(stop: () => Promise<void>, timeoutMs = 1000) {
  const signals = new EventEmitter();
  const exits: number[] = [];
  exitOnSignal({ timeoutMs, log, stop, signals, exit: (code) => exits.push(code) });
  return { signals, exits };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('exitOnSignal (SHUTDOWN_TIMEOUT_MS)', () => {
  it('exits 0 once stop has finished', async () => {
    let finish!: () => void;
    const { signals, exits } = setUp(() => new Promise<void>((resolve) => (finish = resolve)));
    signals.emit('SIGTERM');
    await Promise.resolve();
    expect(exits).toEqual([]);
    finish();
    await vi.waitFor(() => expect(exits).toEqual([0]));
  });

  it('exits 1 at the deadline when stop never returns (Redis away)', async () => {
    vi.useFakeTimers();
    const stop = vi.fn(() => new Promise<void>(() => {}));
    const { signals, exits } = setUp(stop, 5000);
    signals.emit('SIGTERM');
    vi.advanceTimersByTime(4999);
    expect(exits).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(exits).toEqual([1]);
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it('exits 1 when stop fails', async () => {
    const { signals, exits } = setUp(() => Promise.reject(new Error('redis gone')));
    signals.emit('SIGINT');
    await vi.waitFor(() => expect(exits).toEqual([1]));
  });

  it('stops once, and a second signal exits at once', async () => {
    const stop = vi.fn(() => new Promise<void>(() => {}));
    const { signals, exits } = setUp(stop, 60_000);
    signals.emit('SIGTERM');
    signals.emit('SIGINT');
    expect(stop).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([1]);
  });
});
