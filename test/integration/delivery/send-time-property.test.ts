import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bounceTargetOf } from '../../../src/delivery/bounce-address';
import { LOAD_FOR_SEND } from '../../../src/delivery/send-load';
import type { Contact, Organisation } from '../../../src/directory/organisation';
import { signIn, startTestApp, type TestApp } from '../../helpers/app';
import { asUser, type AsUser } from '../../helpers/dashboard';
import { school } from '../../helpers/directory';
import { foundEvent, reportedEvent, updatedEvent } from '../../helpers/factories';
import { escalateAt, remindAt } from '../../helpers/maintenance';
import { startTestSmtp, type SmtpReply, type TestSmtp } from '../../helpers/smtp-server';
import { until } from '../../helpers/until';

/*
 * SPEC §6 and §11, as a property: whatever mix of directory changes (deactivations,
 * reactivations, new addresses, new contacts, a closed organisation), SMTP answers (250, 451,
 * 550), automatic retries coming due, explicit retries, new messages, reminders coming due and
 * escalation deadlines passing, with some directory changes made while sends are in flight,
 * every address the real SMTP server is asked to take (RCPT TO, accepted or not) other than
 * MASH_EMAIL is an active contact of an active organisation in the directory as it was at some
 * moment of its send's window, which ends at that RCPT TO and starts:
 * - for a delivery, at its claim (the `sending` line of its history for the attempt its VERP
 *   envelope sender names), where the directory is checked in the same Lua step: the window is
 *   the documented in-flight window (README, "Send-time recipients and answers");
 * - for a staff notice (escalations go to deputies), when its notice job started (BullMQ's
 *   processedOn), before which it cannot have read the directory; a notice that cannot be
 *   matched to a job (none running at its RCPT TO) starts at its step's start.
 * Every directory write is timestamped before and after; a version counts as current from the
 * start of its write until the next write has finished, so the check never depends on which of
 * two near-simultaneous things Redis saw first (a tie to the millisecond counts both ways).
 * Steps are separated by draining the queues (automatic retries wait, delayed, for a "time
 * passes" step). A "during" step makes its directory change while its action's sends are under
 * way: right after a send path's read of a delivery to the contact (or organisation) it changes,
 * before that delivery is claimed; at the first MAIL FROM the SMTP server sees in the step (the
 * server answers it once the change is written); or at once, racing the action.
 */

const MASH = 'mash-team@endeavor.test';
const BOUNCE_DOMAIN = 'bounces.endeavor.test';
const SLOTS = 3;
const DEADLINE_SECONDS = 3600;

type Change = { do: 'deactivate' | 'reactivate' | 'change-address' | 'add'; slot: number } | { do: 'close-organisation' | 'reopen-organisation' };
type Action = { do: 'smtp'; slot: number; reply: SmtpReply } | { do: 'retry-failed' | 'update' | 'time-passes' | 'reminder-due' | 'escalation-due' };
type During = { do: 'during'; change: Change; action: Action; at: 'after-read' | 'mail-from' | 'at-once' };
type Step = Change | Action | During;

const slot = fc.integer({ min: 0, max: SLOTS - 1 });
const reply = fc.constantFrom<SmtpReply>(250, 451, 550);
const change: fc.Arbitrary<Change> = fc.oneof(
  { arbitrary: fc.record({ do: fc.constantFrom('deactivate' as const, 'reactivate' as const, 'change-address' as const, 'add' as const), slot }), weight: 4 },
  { arbitrary: fc.record({ do: fc.constantFrom('close-organisation' as const, 'reopen-organisation' as const) }), weight: 1 },
);
const sending: fc.Arbitrary<Action> = fc.record({
  do: fc.constantFrom('retry-failed' as const, 'update' as const, 'time-passes' as const, 'reminder-due' as const, 'escalation-due' as const),
});
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: change, weight: 4 },
  { arbitrary: fc.record({ do: fc.constant('smtp' as const), slot, reply }), weight: 2 },
  { arbitrary: sending, weight: 5 },
  {
    arbitrary: fc.record({ do: fc.constant('during' as const), change, action: sending, at: fc.constantFrom('after-read' as const, 'mail-from' as const, 'at-once' as const) }),
    weight: 4,
  },
);

/** One school of one run, as the test last wrote it to the directory. */
type School = { urn: string; active: boolean; slots: { present: boolean; active: boolean; variant: number }[] };
/** A directory version: the addresses it lets mail go to, from the start of its write until the next write finished. */
type Version = { sendable: Set<string>; writeStartedAt: number; nextWrittenAt: number };
type Rcpt = { to: string; from: string; at: number };

let smtp: TestSmtp;
let app: TestApp;
let mash: AsUser;
/** What the SMTP server answers deliveries at RCPT TO, by address (staff notices are always taken). */
const replies = new Map<string, SmtpReply>();
let rcpts: Rcpt[] = [];
const schools: School[] = [];
const versions: Version[] = [{ sendable: new Set(), writeStartedAt: 0, nextWrittenAt: Infinity }];
/** Directory writes, one at a time, so that versions follow each other. */
let writing: Promise<void> = Promise.resolve();
/** The clock reminders are due by: moved on an interval and a minute by each "reminder due" step. */
let reminderClock = Date.now();
/** What was checked, so that a run that checks nothing cannot pass unseen. */
const checked = { deliveries: 0, deputies: 0, afterRead: 0 };

/*
 * "After the read": the send path's read is the load script (LOAD_FOR_SEND) on the workers'
 * connection. Every connection's commands pass Redis.prototype.sendCommand; while a hook is
 * armed, the load's answer is held there until the hook has run, so the delivery goes on to its
 * claim only after it. Only that script's answers are held, and only in this file's process.
 */
const LOAD_SHA = createHash('sha1').update(LOAD_FOR_SEND).digest('hex');
type SendCommand = (this: Redis, command: { name: string; args: unknown[] }, stream?: unknown) => unknown;
const sendCommand = Redis.prototype.sendCommand as unknown as SendCommand;
/** Run once, after the read of the first delivery that `about` accepts, before that delivery's claim. */
let afterRead: { about: (deliveryId: string) => Promise<boolean>; run: () => Promise<void> } | undefined;

beforeAll(async () => {
  (Redis.prototype as unknown as { sendCommand: SendCommand }).sendCommand = function (command, stream) {
    const answer = sendCommand.call(this, command, stream);
    const hook = afterRead;
    if (!hook || command.name !== 'evalsha' || command.args[0] !== LOAD_SHA) return answer;
    const deliveryId = String(command.args[2]).split(':delivery:')[1] ?? '';
    return (answer as Promise<unknown>).then(async (read) => {
      if (afterRead === hook && (await hook.about(deliveryId)) && afterRead === hook) {
        afterRead = undefined;
        checked.afterRead++;
        await hook.run();
      }
      return read;
    });
  };
  smtp = await startTestSmtp();
  smtp.respondToRcptWith((to, from) => {
    rcpts.push({ to, from, at: Date.now() });
    return bounceTargetOf(from, BOUNCE_DOMAIN) ? (replies.get(to) ?? 250) : 250;
  });
  app = await startTestApp({
    workers: true,
    smtpUrl: `${smtp.url}?requireTLS=false`,
    env: {
      NODE_ENV: 'development',
      MASH_EMAIL: MASH,
      BOUNCE_DOMAIN,
      RETRY_ATTEMPTS: '3',
      RETRY_BASE_MS: '600000',
      RETRY_MAX_DELAY_MS: '600000',
      SCHOOL_HOURS: 'always',
      REMINDER_INTERVAL_HOURS: '1',
      ACK_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
    },
  });
  mash = asUser(app, await signIn(app, 'mash'));
});
afterAll(async () => {
  (Redis.prototype as unknown as { sendCommand: SendCommand }).sendCommand = sendCommand;
  await app?.close();
  await smtp?.close();
});

const contactOf = (s: School, i: number): Contact => ({
  contactId: `slot-${i}`,
  name: `Fictional Contact ${i}`,
  email: `c${i}-v${s.slots[i]!.variant}@school-${s.urn}.endeavor.test`,
  role: i === 0 ? 'dsl' : 'deputy',
  active: s.slots[i]!.active,
});

const organisationOf = (s: School): Organisation =>
  school(s.urn, {
    locality: 'Hexham',
    postcode: 'NE46 1AA',
    receivesAreaAlerts: false,
    active: s.active,
    ...(s.active ? {} : { deactivatedBy: 'admin' as const }),
    contacts: s.slots.flatMap((slotted, i) => (slotted.present ? [contactOf(s, i)] : [])),
  });

/** What the test's directory lets mail go to: active contacts of active organisations. */
const sendable = () =>
  new Set(schools.filter((s) => s.active).flatMap((s) => s.slots.flatMap((slotted, i) => (slotted.present && slotted.active ? [contactOf(s, i).email] : []))));

function applyChange(s: School, c: Change): void {
  if (!('slot' in c)) s.active = c.do === 'reopen-organisation';
  else if (c.do === 'change-address') s.slots[c.slot]!.variant += 1;
  else if (c.do === 'add') s.slots[c.slot] = { ...s.slots[c.slot]!, present: true, active: true };
  else s.slots[c.slot]!.active = c.do === 'reactivate';
}

/** Writes a change to the directory after those already under way, recording the version it makes. */
function write(s: School, c?: Change): Promise<void> {
  const done = writing.then(async () => {
    if (c) applyChange(s, c);
    const version: Version = { sendable: sendable(), writeStartedAt: Date.now(), nextWrittenAt: Infinity };
    const previous = versions.at(-1)!;
    versions.push(version);
    await app.directory.put(organisationOf(s));
    previous.nextWrittenAt = Date.now();
    // Whatever waits on this write (a held read, a held MAIL FROM) reads the clock after this
    // millisecond, so the old version is not taken for current at a claim that came after.
    while (Date.now() <= previous.nextWrittenAt) await new Promise((r) => setImmediate(r));
  });
  writing = done.catch(() => undefined);
  return done;
}

/** Until nothing is waiting or running on the send path; automatic retries stay delayed until time passes. */
async function drained() {
  await until(
    () =>
      Promise.all([
        app.queues.fanout.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
        app.queues.deliver.getJobCounts('waiting', 'active', 'prioritized'),
        app.queues.notify.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
      ]),
    (counts) => counts.every((c) => Object.values(c).every((n) => n === 0)),
    'the send path drained',
    15_000,
  );
  await writing;
}

/** When the send behind an RCPT TO could first have read the directory; undefined for a delivery never claimed. */
async function windowStart(rcpt: Rcpt, stepStartedAt: number): Promise<number | undefined> {
  const target = bounceTargetOf(rcpt.from, BOUNCE_DOMAIN);
  if (target) {
    checked.deliveries++;
    const delivery = await app.stores.deliveries.get(target.deliveryId);
    // The claim of the attempt the envelope sender names: its history line reads `attempt <n>[ …]`.
    const claims = (delivery?.history ?? []).filter((h) => h.status === 'sending' && /^attempt (\d+)\b/.exec(h.detail)?.[1] === String(target.attempt));
    return claims.map((h) => Date.parse(h.at)).filter((at) => at <= rcpt.at).at(-1);
  }
  checked.deputies++;
  const jobs = await app.queues.notify.getJobs(['completed', 'failed']);
  const running = jobs.filter((j) => j.processedOn !== undefined && j.processedOn <= rcpt.at && (j.finishedOn ?? Infinity) >= rcpt.at);
  return running.length > 0 ? Math.min(...running.map((j) => j.processedOn!)) : stepStartedAt;
}

/** Whether some version current at some moment of [from, to] let mail go to `address`. */
const sendableDuring = (address: string, from: number, to: number) =>
  versions.some((v) => v.writeStartedAt <= to && v.nextWrittenAt >= from && v.sendable.has(address.toLowerCase()));

async function check(what: string, stepStartedAt: number) {
  await drained();
  const seen = rcpts;
  rcpts = [];
  const wrong: (Rcpt & { windowStart: number | undefined })[] = [];
  for (const rcpt of seen) {
    if (rcpt.to === MASH) continue;
    const start = await windowStart(rcpt, stepStartedAt);
    if (start === undefined || !sendableDuring(rcpt.to, start, rcpt.at)) wrong.push({ ...rcpt, windowStart: start });
  }
  expect(wrong, `after ${what}`).toEqual([]);
}

/** One run's school and the report about a child there. */
type Run = { school: School; policeReference: string; episodeId: string };

/** Does what an action says; the sends it causes are checked by the caller. */
async function act(run: Run, action: Action) {
  switch (action.do) {
    case 'smtp':
      replies.set(contactOf(run.school, action.slot).email, action.reply);
      return;
    case 'update':
      expect((await app.post('/api/v1/events', updatedEvent(run.policeReference, { note: `Step note ${run.school.urn} (fictional).` }))).status).toBe(202);
      return;
    case 'time-passes':
      // The backoff of every automatic retry runs out.
      for (const job of await app.queues.deliver.getDelayed()) await job.promote().catch(() => undefined);
      return;
    case 'retry-failed':
      for (const d of await app.stores.deliveries.ofEpisode(run.episodeId, false)) {
        if (d.status === 'failed') expect((await mash.post(`/api/v1/deliveries/${d.deliveryId}/retry`, { json: {} })).status).toBe(202);
      }
      return;
    case 'reminder-due':
      reminderClock += 3600_000 + 60_000;
      await remindAt(app, new Date(reminderClock));
      return;
    case 'escalation-due':
      // Every direct message sent so far is past its deadline (school hours are "always" here).
      await escalateAt(app, new Date(Math.max(reminderClock, Date.now()) + 2 * DEADLINE_SECONDS * 1000));
      return;
  }
}

/** Whether a delivery goes to whom a change is about: the slot's contact, or anyone at the organisation. */
async function concerns(run: Run, c: Change, deliveryId: string): Promise<boolean> {
  const [delivery] = await app.stores.deliveries.load([deliveryId]);
  if (delivery?.organisation.id !== run.school.urn) return false;
  return !('slot' in c) || delivery.contact.contactId === `slot-${c.slot}`;
}

/** A directory change while the action's sends are under way: after a read, at the first MAIL FROM, or at once. */
async function during(run: Run, step: During) {
  let made: Promise<void> | undefined;
  const make = () => (made ??= write(run.school, step.change));
  if (step.at === 'after-read') afterRead = { about: (id) => concerns(run, step.change, id), run: make };
  else if (step.at === 'mail-from') smtp.onMailFrom(() => make());
  else void make();
  try {
    await act(run, step.action);
    await drained();
  } finally {
    afterRead = undefined;
    smtp.onMailFrom(undefined);
  }
  // Nothing was sent in the step: the change is made after it, all the same.
  await make();
}

const CHANGES: ReadonlySet<string> = new Set(['deactivate', 'reactivate', 'change-address', 'add', 'close-organisation', 'reopen-organisation']);
const isChange = (s: Step): s is Change => CHANGES.has(s.do);

async function perform(run: Run, s: Step) {
  if (s.do === 'during') await during(run, s);
  else if (isChange(s)) await write(run.school, s);
  else await act(run, s);
}

/** A new school with two of its three contacts listed, and a report about a child there. */
async function startRun(urn: string, initial: SmtpReply[]): Promise<Run> {
  const s: School = { urn, active: true, slots: Array.from({ length: SLOTS }, (_, i) => ({ present: i < 2, active: true, variant: 0 })) };
  schools.push(s);
  // How the server first answers each contact: the alert itself may be retrying or failed from the start.
  initial.forEach((r, i) => replies.set(contactOf(s, i).email, r));
  await write(s);
  const report = reportedEvent({ child: { ...reportedEvent().child, schoolUrn: urn, gpOdsCode: undefined, postcodeDistrict: 'NE46' } });
  const res = await app.post('/api/v1/events', report);
  expect(res.status).toBe(202);
  const { episodeId } = (await res.json()) as { episodeId: string };
  return { school: s, policeReference: report.policeReference, episodeId };
}

let runs = 0;

describe('send-time recipients, whatever happens in between', () => {
  it('never gives the SMTP server an address that was not an active contact in the directory during its send', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(reply, { minLength: SLOTS, maxLength: SLOTS }), fc.array(step, { minLength: 4, maxLength: 8 }), async (initial, steps) => {
        let startedAt = Date.now();
        rcpts = [];
        const run = await startRun(String(990500 + runs++), initial);
        await check('the report', startedAt);
        for (const s of steps) {
          startedAt = Date.now();
          await perform(run, s);
          await check(JSON.stringify(s), startedAt);
        }
        // Closed, so that later runs' reminders and escalations are about their own episode.
        startedAt = Date.now();
        expect((await app.post('/api/v1/events', foundEvent(run.policeReference))).status).toBe(202);
        await check('the child found', startedAt);
      }),
      {
        numRuns: 20,
        examples: [
          // Finding 1 of issue 8, always tried: the alert is refused, the leaver deactivated, then retried by hand and by the clock.
          [[550, 250, 250], [{ do: 'deactivate', slot: 0 }, { do: 'add', slot: 2 }, { do: 'retry-failed' }, { do: 'update' }]],
          [[451, 250, 250], [{ do: 'change-address', slot: 0 }, { do: 'time-passes' }, { do: 'deactivate', slot: 1 }, { do: 'update' }]],
          // Escalation notices go to deputies who are active, of an organisation that is.
          [[250, 250, 250], [{ do: 'deactivate', slot: 1 }, { do: 'add', slot: 2 }, { do: 'close-organisation' }, { do: 'escalation-due' }]],
          // Changes while sends are in flight: between a read and its claim, in the SMTP transaction, at once.
          [
            [250, 250, 250],
            [
              { do: 'during', change: { do: 'deactivate', slot: 0 }, action: { do: 'update' }, at: 'after-read' },
              { do: 'during', change: { do: 'change-address', slot: 1 }, action: { do: 'reminder-due' }, at: 'after-read' },
              { do: 'during', change: { do: 'deactivate', slot: 1 }, action: { do: 'update' }, at: 'mail-from' },
              { do: 'during', change: { do: 'add', slot: 2 }, action: { do: 'reminder-due' }, at: 'at-once' },
              { do: 'during', change: { do: 'deactivate', slot: 2 }, action: { do: 'escalation-due' }, at: 'mail-from' },
              { do: 'reminder-due' },
            ],
          ],
        ],
      },
    );
    // The property was about something: deliveries, escalations to deputies, changes between a read and its claim.
    expect(checked.deliveries).toBeGreaterThan(0);
    expect(checked.deputies).toBeGreaterThan(0);
    expect(checked.afterRead).toBeGreaterThan(0);
  }, 240_000);
});
