import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { apiProcessSignals } from '../../../src/platform/api-cluster';

/*
 * An API process of the cluster acts on the primary's first SIGTERM only, and must not miss one
 * that arrives while it is still starting (before its drain listens): `docker stop` right after
 * `docker start` would otherwise leave it running until the primary's deadline kills it.
 */

describe('apiProcessSignals', () => {
  it('passes the first SIGTERM on to a listener that is already there', () => {
    const source = new EventEmitter();
    const drain = vi.fn();
    apiProcessSignals(source).on('SIGTERM', drain);
    source.emit('SIGTERM');
    expect(drain).toHaveBeenCalledTimes(1);
  });

  it('keeps a SIGTERM that came during start-up and hands it to the drain once it listens', async () => {
    const source = new EventEmitter();
    const signals = apiProcessSignals(source);
    source.emit('SIGTERM');
    const drain = vi.fn();
    signals.on('SIGTERM', drain);
    await vi.waitFor(() => expect(drain).toHaveBeenCalledTimes(1));
  });

  it('ignores later SIGTERMs and every SIGINT: the primary bounds the drain', async () => {
    const source = new EventEmitter();
    const drain = vi.fn();
    apiProcessSignals(source).on('SIGTERM', drain);
    source.emit('SIGINT');
    source.emit('SIGTERM');
    source.emit('SIGTERM');
    source.emit('SIGINT');
    await Promise.resolve();
    expect(drain).toHaveBeenCalledTimes(1);
  });
});
