/* Message-IDs and the links a message may carry: checked, so a bad value fails the render, not the mail. */

const ID_LEFT = /^[^\s<>@\p{Cc}]{1,200}$/u;
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** `<deliveryId@messageDomain>`: the same for every resend of a delivery, so nothing threads twice. */
export function messageIdFor(id: string, messageDomain: string): string {
  if (!ID_LEFT.test(id)) throw new TypeError('message id: the id must be non-empty, without spaces, < > or @');
  if (!DOMAIN.test(messageDomain)) throw new TypeError('message id: the domain must be a host name');
  return `<${id}@${messageDomain}>`;
}

export function angleId(messageId: string): string {
  const bare = messageId.trim().replace(/^<(.*)>$/, '$1');
  const at = bare.lastIndexOf('@');
  if (at < 1) throw new TypeError('threadOf must be a Message-ID such as <id@domain>');
  return messageIdFor(bare.slice(0, at), bare.slice(at + 1));
}

export function assertHttpUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('link must be an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('link must be http or https');
}
