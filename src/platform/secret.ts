import { randomBytes } from 'node:crypto';
import type { RedisClient } from './redis';

/**
 * SECRET_KEY, or outside production a random one kept in Redis so that every process of
 * this prefix signs alike and links survive restarts (SPEC §2).
 */
export async function resolveSecret(redis: RedisClient, prefix: string, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const key = `${prefix}:secret-key`;
  await redis.set(key, randomBytes(32).toString('base64url'), 'NX');
  const secret = await redis.get(key);
  if (!secret) throw new Error('could not keep a secret key in Redis');
  return secret;
}

/** The right-hand side of Message-IDs: the sender's mail domain. */
export function messageDomainOf(mailFrom: string): string {
  const address = /<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom;
  const domain = address.split('@')[1]?.trim().toLowerCase();
  return domain && /^[a-z0-9.-]+$/.test(domain) ? domain : 'endeavor.invalid';
}
