/**
 * SPEC §7: a recipient's answer ("in school today", a note) goes to the police contact the feed
 * named only when that address is at a police domain (POLICE_CONTACT_DOMAINS, or a subdomain of
 * one); anything else, or no address, goes to the MASH team. A feed cannot make the service
 * mail a school's words to an arbitrary address.
 */
export function answerRecipient(policeEmail: string | undefined, policeDomains: readonly string[], mashEmail: string | undefined): string | undefined {
  const domain = policeEmail?.slice(policeEmail.lastIndexOf('@') + 1).toLowerCase().replace(/\.$/, '');
  const atPolice = !!domain && policeEmail!.includes('@') && policeDomains.some((d) => domain === d || domain.endsWith(`.${d}`));
  return atPolice ? policeEmail : mashEmail;
}
