/**
 * VERP (SPEC §6, Bounces): every attempt of a delivery goes out with its own envelope sender,
 * `bounces+<deliveryId>.<attempt>@<BOUNCE_DOMAIN>`, so a delivery status notification names the
 * delivery and which send of it it is about by the address it is sent to. That address is the
 * only thing in a DSN we trust. `bounces+<deliveryId>@…`, as sent before attempts were named,
 * is still read: it names no attempt.
 */

const DELIVERY_ID = /^dl_[0-9a-f]{24}$/;
/** 1 to 999999, without leading zeros: one spelling per attempt. */
const ATTEMPT = /^[1-9]\d{0,5}$/;
const LOCAL_PREFIX = 'bounces+';

/** What a bounce address names: the delivery, and the attempt unless the address predates them. */
export type BounceTarget = { deliveryId: string; attempt: number | undefined };

/** The envelope sender of one attempt of a delivery. */
export function bounceAddress(deliveryId: string, attempt: number, domain: string): string {
  return `${LOCAL_PREFIX}${deliveryId}.${attempt}@${domain.toLowerCase()}`;
}

/**
 * The delivery (and attempt) a bounce address names, or undefined when the address is not one
 * of ours: another domain, another local part, an id or attempt that is not well formed. Domains
 * compare without case; the local part too, since some relays fold it (the id is lower-case hex).
 */
export function bounceTargetOf(address: string, domain: string): BounceTarget | undefined {
  const at = address.lastIndexOf('@');
  if (at < 1) return undefined;
  const local = address.slice(0, at).toLowerCase();
  if (address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return undefined;
  if (!local.startsWith(LOCAL_PREFIX)) return undefined;
  const [deliveryId = '', attempt, ...rest] = local.slice(LOCAL_PREFIX.length).split('.');
  if (!DELIVERY_ID.test(deliveryId) || rest.length > 0) return undefined;
  if (attempt === undefined) return { deliveryId, attempt: undefined };
  return ATTEMPT.test(attempt) ? { deliveryId, attempt: Number(attempt) } : undefined;
}
