import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env';

describe('METRICS_TOKEN (SPEC §12)', () => {
  it('is unset by default: no /metrics', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).metricsToken).toBeUndefined();
  });

  it('is taken when long enough', () => {
    expect(loadConfig({ NODE_ENV: 'development', METRICS_TOKEN: 'a-metrics-token-0123456789' }).metricsToken).toBe('a-metrics-token-0123456789');
  });

  it('stops start-up when shorter than 16 characters, naming the variable and not the value', () => {
    expect(() => loadConfig({ NODE_ENV: 'development', METRICS_TOKEN: 'short-secret' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'development', METRICS_TOKEN: 'short-secret' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ NODE_ENV: 'development', METRICS_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });
});
