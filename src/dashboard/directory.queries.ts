import type { DataQualityStore } from '../directory/data-quality.store';
import type { DirectoryStore } from '../directory/directory.store';
import { organisationKey } from '../directory/organisation';
import type { OrganisationType } from '../domain/organisation-ref';
import type { ContactToCorrect } from './views/directory';

/** How many entries of the data-quality list the directory page shows. */
const CONTACTS_TO_CORRECT = 200;

/** The directory page (SPEC §8): organisations, filtered, and the contacts to correct (SPEC §13). Reads only. */
export async function directoryListing(reads: { directory: DirectoryStore; dataQuality: DataQualityStore }, filter: { type?: OrganisationType; locality?: string }) {
  const [organisations, contactsToCorrect] = await Promise.all([reads.directory.list(filter), contactsToCorrectOf(reads)]);
  return { organisations, contactsToCorrect };
}

/** The data-quality list, with each contact's name as the directory has it now. */
async function contactsToCorrectOf(reads: { directory: DirectoryStore; dataQuality: DataQualityStore }): Promise<ContactToCorrect[]> {
  const entries = await reads.dataQuality.list(CONTACTS_TO_CORRECT);
  const organisations = await reads.directory.getMany(entries.map((e) => e.organisation));
  return entries.map((entry) => {
    const contact = organisations.get(organisationKey(entry.organisation.type, entry.organisation.id))?.contacts.find((c) => c.contactId === entry.contactId);
    return { ...entry, contactName: contact?.active ? contact.name : undefined };
  });
}
