import { createHmac, timingSafeEqual } from 'node:crypto';

/** SPEC §7: an acknowledgement link lives 14 days. */
export const ACK_TOKEN_TTL_SECONDS = 14 * 24 * 3600;

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(`ack\n${payload}`).digest('base64url');

/**
 * A token bound to one delivery: `<deliveryId>.<expires>.<hmac>`. The HMAC makes it
 * unguessable and untamperable; it carries no personal data, only the delivery id.
 */
export function createAckToken(secret: string, deliveryId: string, now: Date): string {
  const expires = Math.floor(now.getTime() / 1000) + ACK_TOKEN_TTL_SECONDS;
  const payload = `${deliveryId}.${expires}`;
  return `${payload}.${sign(secret, payload)}`;
}

export type AckTokenCheck = { ok: true; deliveryId: string } | { ok: false; reason: 'invalid' | 'expired' };

/** Checks a token's signature (in constant time), then its expiry. Pure: `now` is passed in. */
export function verifyAckToken(secret: string, token: string, now: Date): AckTokenCheck {
  const match = /^(dl_[0-9a-f]{24})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'invalid' };
  const [, deliveryId, expires, mac] = match as unknown as [string, string, string, string];
  const expected = Buffer.from(sign(secret, `${deliveryId}.${expires}`));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
  if (Number(expires) * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, deliveryId };
}
