import { describe, expect, it } from 'vitest';
import { onlineReplicas, replicasRequired } from '../../../src/platform/replica-wait';

const INFO = [
  '# Replication',
  'role:master',
  'connected_slaves:3',
  'slave0:ip=127.0.0.1,port=7001,state=online,offset=1200,lag=0',
  'slave1:ip=127.0.0.1,port=7002,state=wait_bgsave,offset=0,lag=0',
  'slave2:ip=127.0.0.1,port=7003,state=online,offset=1180,lag=1',
  'master_failover_state:no-failover',
  '',
].join('\r\n');

describe('replicas a write must reach', () => {
  it('counts only the replicas that are streaming, not one still loading its first copy', () => {
    expect(onlineReplicas(INFO)).toBe(2);
    expect(onlineReplicas('# Replication\r\nrole:master\r\nconnected_slaves:0\r\n')).toBe(0);
    expect(onlineReplicas('')).toBe(0);
  });

  it('asks for every online replica, and never fewer than REDIS_WAIT_REPLICAS', () => {
    expect(replicasRequired(1, 2)).toBe(2);
    expect(replicasRequired(1, 0)).toBe(1);
    expect(replicasRequired(2, 1)).toBe(2);
  });

  it('waits for none when REDIS_WAIT_REPLICAS is 0, whatever is online', () => {
    expect(replicasRequired(0, 3)).toBe(0);
  });
});
