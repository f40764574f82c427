import express, { Router, type Request } from 'express';
import { LOCALITIES, localityByName } from '../../config/localities';
import { ImportFormatError } from '../directory/csv-records';
import { auditDetail, listingDetail, type OrganisationChange } from '../directory/directory-changes';
import { importContacts } from '../directory/directory-import';
import type { DataQualityStore } from '../directory/data-quality.store';
import type { DirectoryStore } from '../directory/directory.store';
import { ORGANISATION_TYPES, type OrganisationType } from '../domain/organisation-ref';
import { withRedis } from '../platform/redis';
import { auditBeforeAnswer, type AuditLog } from '../access/audit.store';
import { directoryListing } from './directory.queries';
import { checkCsrf } from '../access/page-auth';
import { queryString, type PageKit } from './page-kit';
import { sendDashboardPage } from './views/common';
import { directoryView, type DirectoryPage } from './views/directory';

export type DirectoryPagesDeps = { stores: { directory: DirectoryStore; dataQuality: DataQualityStore; audit: AuditLog }; now: () => Date };

/** A county's contacts file is a few hundred kilobytes. */
const csvForm = express.urlencoded({ extended: false, limit: '2mb', parameterLimit: 5 });

/** SPEC §8: the directory, filtered by type and locality, with the contacts CSV import (admin). */
export function directoryPages(kit: PageKit, deps: DirectoryPagesDeps): Router {
  const router = Router();
  const { stores, now } = deps;

  const audit = (req: Request, entry: { action: string; subject: string; detail: string }) => auditBeforeAnswer(stores.audit, { at: now().toISOString(), actor: kit.actor(req), ...entry });

  /** The page names the contacts to correct: each showing of it is audited before it is sent. */
  async function directoryPage(req: Request, extra: Partial<DirectoryPage> = {}): Promise<DirectoryPage> {
    const type = (ORGANISATION_TYPES as readonly string[]).includes(queryString(req, 'type')) ? (queryString(req, 'type') as OrganisationType) : undefined;
    const locality = localityByName(queryString(req, 'locality'));
    const listing = await withRedis(() => directoryListing(stores, { ...(type ? { type } : {}), ...(locality ? { locality } : {}) }));
    await audit(req, { action: 'directory.view', subject: 'organisations', detail: listingDetail({ type, locality }, listing.organisations.length) });
    return { ...listing, filter: { type, locality }, localities: LOCALITIES.map((l) => l.name), user: req.user!, ...extra };
  }

  router.get('/dashboard/directory', ...kit.staff, async (req, res) => {
    sendDashboardPage(res, kit.context(req), 'Directory', directoryView(await directoryPage(req)));
  });

  router.post('/dashboard/directory/import', ...kit.signedIn('admin'), csvForm, async (req, res) => {
    checkCsrf(req);
    const csv = typeof req.body?.csv === 'string' ? (req.body.csv as string) : '';
    const fail = async (importError: string) =>
      sendDashboardPage(res, kit.context(req), 'Directory', directoryView(await directoryPage(req, { importError, csv })), 422);
    if (csv.trim() === '') return fail('Paste the CSV into the box, or choose a file.');
    try {
      // Recorded before anything is written: an import that cannot be audited changes nothing.
      const beforeWrite = (changes: OrganisationChange[], counts: Record<string, string | number>) =>
        audit(req, { action: 'directory.import', subject: 'contacts', detail: auditDetail(changes, counts) });
      const result = await withRedis(() => importContacts(stores.directory, csv, now(), { beforeWrite }), 30_000);
      sendDashboardPage(res, kit.context(req), 'Directory', directoryView(await directoryPage(req, { result })));
    } catch (err) {
      if (err instanceof ImportFormatError) return fail(`The file cannot be imported: ${err.message}.`);
      throw err;
    }
  });
  return router;
}
