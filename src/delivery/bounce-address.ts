/**
 * VERP (SPEC §6, Bounces): every delivery goes out with its own envelope sender,
 * `bounces+<deliveryId>@<BOUNCE_DOMAIN>`, so a delivery status notification names the delivery
 * by the address it is sent to. That address is the only thing in a DSN we trust.
 */

const DELIVERY_ID = /^dl_[0-9a-f]{24}$/;
const LOCAL_PREFIX = 'bounces+';

/** The envelope sender of one delivery. */
export function bounceAddress(deliveryId: string, domain: string): string {
  return `${LOCAL_PREFIX}${deliveryId}@${domain.toLowerCase()}`;
}

/**
 * The delivery id a bounce address names, or undefined when the address is not one of ours:
 * another domain, another local part, or an id that is not well formed. Domains compare
 * without case; the local part too, since some relays fold it (the id is lower-case hex).
 */
export function deliveryIdOfBounceAddress(address: string, domain: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 1) return undefined;
  const local = address.slice(0, at).toLowerCase();
  if (address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return undefined;
  if (!local.startsWith(LOCAL_PREFIX)) return undefined;
  const deliveryId = local.slice(LOCAL_PREFIX.length);
  return DELIVERY_ID.test(deliveryId) ? deliveryId : undefined;
}
