import { describe, expect, it } from 'vitest';
import { localityOfDistrict } from '../../../config/localities';
import type { Contact, DirectoryView, Organisation } from '../../../src/directory/organisation';
import { routeFollowUp, routeReport, type FollowUpRecipient, type Recipient, type SentTo } from '../../../src/episodes/routing';
import type { OrganisationType } from '../../../src/domain/organisation-ref';

/* Fictional directory data only: .test emails, 99xxxx URNs, Y9xxxx ODS codes. */

const contact = (contactId: string, overrides: Partial<Contact> = {}): Contact => ({
  contactId,
  name: `Fictional Person ${contactId}`,
  email: `${contactId}@example.endeavor.test`,
  role: 'dsl',
  active: true,
  ...overrides,
});

const organisation = (type: OrganisationType, id: string, overrides: Partial<Organisation> = {}): Organisation => ({
  type,
  id,
  name: `Fictional ${type} ${id}`,
  locality: 'Morpeth',
  postcode: undefined,
  active: true,
  receivesAreaAlerts: true,
  contacts: [contact(`${id.toLowerCase()}-a`), contact(`${id.toLowerCase()}-b`)],
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...overrides,
});

/** An in-memory DirectoryView; `inLocality` answers in the order given, to prove routing sorts. */
function directoryOf(...organisations: Organisation[]): DirectoryView {
  return {
    get: (type, id) => organisations.find((o) => o.type === type && o.id === id),
    inLocality: (locality) => organisations.filter((o) => o.locality === locality),
  };
}

/** `audience org:id/contact` lines: the shape of a routing decision at a glance. */
const who = (recipients: Recipient[]) =>
  recipients.map((r) => `${r.audience} ${r.organisation.type}:${r.organisation.id}/${r.contact.contactId}`);

const sent = (recipients: Recipient[]): SentTo[] =>
  recipients.map((r) => ({ orgType: r.organisation.type, orgId: r.organisation.id, contactId: r.contact.contactId, audience: r.audience }));

const school = organisation('school', '990001');
const gp = organisation('gp', 'Y90001');
const otherSchool = organisation('school', '990002');
const otherGp = organisation('gp', 'Y90002');
const hexhamSchool = organisation('school', '990003', { locality: 'Hexham' });

describe('routeReport: direct recipients', () => {
  it("sends the full alert to every active contact of the child's school and GP practice", () => {
    const { recipients } = routeReport({ schoolUrn: '990001', gpOdsCode: 'Y90001' }, directoryOf(school, gp), () => undefined);
    expect(who(recipients)).toEqual([
      'direct gp:Y90001/y90001-a',
      'direct gp:Y90001/y90001-b',
      'direct school:990001/990001-a',
      'direct school:990001/990001-b',
    ]);
  });

  it('skips inactive contacts of a direct organisation', () => {
    const withLeaver = organisation('school', '990001', { contacts: [contact('dsl'), contact('gone', { active: false })] });
    const { recipients } = routeReport({ schoolUrn: '990001' }, directoryOf(withLeaver), () => undefined);
    expect(who(recipients)).toEqual(['direct school:990001/dsl']);
  });

  it('records a URN the directory does not know as unroutable and still routes the rest', () => {
    const result = routeReport({ schoolUrn: '999999', gpOdsCode: 'Y90001', postcodeDistrict: 'NE61' }, directoryOf(gp, otherSchool), localityOfDistrict);
    expect(result.unroutable).toEqual([{ type: 'school', id: '999999' }]);
    expect(who(result.recipients)).toEqual([
      'direct gp:Y90001/y90001-a',
      'direct gp:Y90001/y90001-b',
      'area school:990002/990002-a',
      'area school:990002/990002-b',
    ]);
  });

  it('records an ODS code the directory does not know as unroutable', () => {
    const result = routeReport({ schoolUrn: '990001', gpOdsCode: 'Y99999' }, directoryOf(school), () => undefined);
    expect(result.unroutable).toEqual([{ type: 'gp', id: 'Y99999' }]);
    expect(who(result.recipients)).toHaveLength(2);
  });

  it('sends nothing to an inactive direct organisation and lists it as inactive, not unroutable', () => {
    const closed = organisation('school', '990001', { active: false });
    const result = routeReport({ schoolUrn: '990001', gpOdsCode: 'Y90001' }, directoryOf(closed, gp), () => undefined);
    expect(result.inactive).toEqual([{ type: 'school', id: '990001' }]);
    expect(result.unroutable).toEqual([]);
    expect(who(result.recipients)).toEqual(['direct gp:Y90001/y90001-a', 'direct gp:Y90001/y90001-b']);
  });

  it('lists an active direct organisation with no active contacts so the MASH team can chase it', () => {
    const nobody = organisation('gp', 'Y90001', { contacts: [contact('left', { active: false })] });
    const result = routeReport({ gpOdsCode: 'Y90001' }, directoryOf(nobody), () => undefined);
    expect(result.noActiveContacts).toEqual([{ type: 'gp', id: 'Y90001' }]);
    expect(result.recipients).toEqual([]);
  });

  it('reports nothing missing when every direct organisation is reached', () => {
    const result = routeReport({ schoolUrn: '990001', gpOdsCode: 'Y90001' }, directoryOf(school, gp), () => undefined);
    expect(result).toMatchObject({ unroutable: [], inactive: [], noActiveContacts: [] });
  });

  it('routes nothing, and loses nothing, for a child with no school, GP or postcode', () => {
    expect(routeReport({}, directoryOf(school, gp), localityOfDistrict)).toEqual({
      recipients: [],
      unroutable: [],
      inactive: [],
      noActiveContacts: [],
      locality: undefined,
    });
  });
});

describe('routeReport: area recipients', () => {
  it('sends the reduced alert to every other active organisation of the locality', () => {
    const { recipients } = routeReport(
      { schoolUrn: '990001', postcodeDistrict: 'NE61' },
      directoryOf(school, otherSchool, otherGp, hexhamSchool),
      localityOfDistrict,
    );
    expect(who(recipients)).toEqual([
      'direct school:990001/990001-a',
      'direct school:990001/990001-b',
      'area gp:Y90002/y90002-a',
      'area gp:Y90002/y90002-b',
      'area school:990002/990002-a',
      'area school:990002/990002-b',
    ]);
  });

  it("never sends the area alert to the child's own school or GP practice as well", () => {
    // Both are in the child's locality and receive area alerts: they must get one alert, direct.
    const { recipients } = routeReport(
      { schoolUrn: '990001', gpOdsCode: 'Y90001', postcodeDistrict: 'NE61' },
      directoryOf(school, gp),
      localityOfDistrict,
    );
    expect(recipients.every((r) => r.audience === 'direct')).toBe(true);
    expect(recipients).toHaveLength(4);
  });

  it("does not send the area alert to the child's inactive school either", () => {
    const closed = organisation('school', '990001', { active: false });
    const { recipients } = routeReport({ schoolUrn: '990001', postcodeDistrict: 'NE61' }, directoryOf(closed), localityOfDistrict);
    expect(recipients).toEqual([]);
  });

  it('skips organisations that do not receive area alerts', () => {
    const optedOut = organisation('school', '990002', { receivesAreaAlerts: false });
    const { recipients } = routeReport({ postcodeDistrict: 'NE61' }, directoryOf(optedOut, otherGp), localityOfDistrict);
    expect(who(recipients)).toEqual(['area gp:Y90002/y90002-a', 'area gp:Y90002/y90002-b']);
  });

  it('skips inactive organisations and inactive contacts of the locality', () => {
    const closed = organisation('school', '990002', { active: false });
    const withLeaver = organisation('gp', 'Y90002', { contacts: [contact('stays'), contact('left', { active: false })] });
    const { recipients } = routeReport({ postcodeDistrict: 'NE61' }, directoryOf(closed, withLeaver), localityOfDistrict);
    expect(who(recipients)).toEqual(['area gp:Y90002/stays']);
  });

  it("still sends the direct alert to the child's school when it opted out of area alerts", () => {
    const optedOut = organisation('school', '990001', { receivesAreaAlerts: false });
    const { recipients } = routeReport({ schoolUrn: '990001', postcodeDistrict: 'NE61' }, directoryOf(optedOut), localityOfDistrict);
    expect(who(recipients)).toEqual(['direct school:990001/990001-a', 'direct school:990001/990001-b']);
  });

  it('sends one message per contact even if the directory view repeats an organisation or contact', () => {
    const doubled = organisation('school', '990002', { contacts: [contact('same'), contact('same')] });
    const view: DirectoryView = { get: () => undefined, inLocality: () => [doubled, doubled] };
    expect(who(routeReport({ postcodeDistrict: 'NE61' }, view, localityOfDistrict).recipients)).toEqual(['area school:990002/same']);
  });
});

describe('routeReport: locality', () => {
  it("takes the locality from the child's postcode district before the school's", () => {
    const result = routeReport(
      { schoolUrn: '990001', postcodeDistrict: 'NE46' },
      directoryOf(school, otherSchool, hexhamSchool),
      localityOfDistrict,
    );
    expect(result.locality).toBe('Hexham');
    expect(who(result.recipients).filter((w) => w.startsWith('area'))).toEqual([
      'area school:990003/990003-a',
      'area school:990003/990003-b',
    ]);
  });

  it("falls back to the school's locality when the child has no postcode district", () => {
    const result = routeReport({ schoolUrn: '990003' }, directoryOf(hexhamSchool, otherSchool), localityOfDistrict);
    expect(result.locality).toBe('Hexham');
    expect(result.recipients.filter((r) => r.audience === 'area')).toEqual([]);
  });

  it("falls back to the school's locality when the postcode district is outside every locality", () => {
    const result = routeReport({ schoolUrn: '990001', postcodeDistrict: 'NE6' }, directoryOf(school, otherSchool), localityOfDistrict);
    expect(result.locality).toBe('Morpeth');
    expect(who(result.recipients)).toContain('area school:990002/990002-a');
  });

  it("uses an inactive school's locality for the area alert", () => {
    const closed = organisation('school', '990001', { active: false });
    const result = routeReport({ schoolUrn: '990001' }, directoryOf(closed, otherSchool), localityOfDistrict);
    expect(result.locality).toBe('Morpeth');
    expect(who(result.recipients)).toEqual(['area school:990002/990002-a', 'area school:990002/990002-b']);
  });

  it('sends no area alert when no locality can be found', () => {
    const result = routeReport({ schoolUrn: '999999', postcodeDistrict: 'SW1A' }, directoryOf(otherSchool), localityOfDistrict);
    expect(result.locality).toBeUndefined();
    expect(result.recipients).toEqual([]);
  });

  it('asks the given locality lookup, not a built-in table', () => {
    const result = routeReport({ postcodeDistrict: 'ZZ1' }, directoryOf(hexhamSchool), (d) => (d === 'ZZ1' ? 'Hexham' : undefined));
    expect(result.locality).toBe('Hexham');
    expect(result.recipients).toHaveLength(2);
  });
});

describe('routeReport: order', () => {
  it('puts direct before area, then sorts by organisation key and contact id, whatever the directory order', () => {
    const shuffled = [
      organisation('school', '990009', { contacts: [contact('z'), contact('a')] }),
      organisation('gp', 'Y90005', { contacts: [contact('m')] }),
      organisation('school', '990002', { contacts: [contact('k')] }),
      organisation('school', '990001', { contacts: [contact('y'), contact('b')] }),
    ];
    const expected = [
      'direct school:990001/b',
      'direct school:990001/y',
      'area gp:Y90005/m',
      'area school:990002/k',
      'area school:990009/a',
      'area school:990009/z',
    ];
    expect(who(routeReport({ schoolUrn: '990001', postcodeDistrict: 'NE61' }, directoryOf(...shuffled), localityOfDistrict).recipients)).toEqual(expected);
    expect(
      who(routeReport({ schoolUrn: '990001', postcodeDistrict: 'NE61' }, directoryOf(...[...shuffled].reverse()), localityOfDistrict).recipients),
    ).toEqual(expected);
  });
});

describe('routeFollowUp', () => {
  const alert = routeReport(
    { schoolUrn: '990001', gpOdsCode: 'Y90001', postcodeDistrict: 'NE61' },
    directoryOf(school, gp, otherSchool, otherGp),
    localityOfDistrict,
  );
  const whoFollowUp = (recipients: FollowUpRecipient[]) => recipients.map((r) => `${who([r])[0]}${r.newlyDirect ? ' (new)' : ''}`);

  it('goes to everyone who was sent the alert, in the same audience', () => {
    const result = routeFollowUp(sent(alert.recipients), {}, directoryOf(school, gp, otherSchool, otherGp));
    expect(who(result.recipients)).toEqual(who(alert.recipients));
    expect(result.recipients.every((r) => !r.newlyDirect)).toBe(true);
  });

  it('does not go to organisations or contacts added to the locality after the alert', () => {
    const newcomer = organisation('school', '990007');
    const grown = organisation('school', '990002', { contacts: [...otherSchool.contacts, contact('new-deputy')] });
    const result = routeFollowUp(sent(alert.recipients), {}, directoryOf(school, gp, grown, otherGp, newcomer));
    expect(who(result.recipients)).toEqual(who(alert.recipients));
  });

  it('returns contacts and organisations deactivated or removed since apart, as departed, for the send path to supersede', () => {
    const leaver = organisation('school', '990001', { contacts: [contact('990001-a', { active: false }), contact('990001-b')] });
    const closed = organisation('gp', 'Y90002', { active: false });
    const shrunk = organisation('gp', 'Y90001', { contacts: [contact('y90001-b')] });
    const result = routeFollowUp(sent(alert.recipients), {}, directoryOf(leaver, shrunk, closed));
    expect(who(result.recipients)).toEqual(['direct gp:Y90001/y90001-b', 'direct school:990001/990001-b']);
    expect(result.departed.map((d) => `${d.audience} ${d.orgType}:${d.orgId}/${d.contactId}`).sort()).toEqual([
      'area gp:Y90002/y90002-a',
      'area gp:Y90002/y90002-b',
      'area school:990002/990002-a',
      'area school:990002/990002-b',
      'direct gp:Y90001/y90001-a',
      'direct school:990001/990001-a',
    ]);
  });

  it("adds the contacts of a new school named by an update as new direct recipients", () => {
    const newSchool = organisation('school', '990005', { locality: 'Hexham' });
    const result = routeFollowUp(sent(alert.recipients), { schoolUrn: '990005' }, directoryOf(school, gp, otherSchool, otherGp, newSchool));
    expect(whoFollowUp(result.recipients).filter((w) => w.includes('990005'))).toEqual([
      'direct school:990005/990005-a (new)',
      'direct school:990005/990005-b (new)',
    ]);
    expect(result.recipients).toHaveLength(alert.recipients.length + 2);
  });

  it('adds a new GP practice named by an update as a direct recipient', () => {
    const newGp = organisation('gp', 'Y90009', { contacts: [contact('lead', { role: 'safeguarding_lead' })] });
    const result = routeFollowUp([], { gpOdsCode: 'Y90009' }, directoryOf(newGp));
    expect(whoFollowUp(result.recipients)).toEqual(['direct gp:Y90009/lead (new)']);
  });

  it('turns an area recipient whose organisation becomes direct into a direct one, sent once', () => {
    const result = routeFollowUp(sent(alert.recipients), { schoolUrn: '990002' }, directoryOf(school, gp, otherSchool, otherGp));
    const forOtherSchool = whoFollowUp(result.recipients).filter((w) => w.includes('990002'));
    expect(forOtherSchool).toEqual(['direct school:990002/990002-a (new)', 'direct school:990002/990002-b (new)']);
    expect(result.recipients).toHaveLength(alert.recipients.length);
  });

  it('sends once, as before, when an update repeats a school that is already direct', () => {
    const result = routeFollowUp(sent(alert.recipients), { schoolUrn: '990001' }, directoryOf(school, gp, otherSchool, otherGp));
    expect(who(result.recipients)).toEqual(who(alert.recipients));
    expect(result.recipients.every((r) => !r.newlyDirect)).toBe(true);
  });

  it('includes contacts added since to an organisation the update names as direct', () => {
    const grown = organisation('school', '990001', { contacts: [...school.contacts, contact('990001-c')] });
    const result = routeFollowUp(sent(alert.recipients), { schoolUrn: '990001' }, directoryOf(grown, gp, otherSchool, otherGp));
    expect(whoFollowUp(result.recipients)).toContain('direct school:990001/990001-c (new)');
  });

  it('records an unknown school or GP named by an update as unroutable, and an inactive one as inactive', () => {
    const closed = organisation('gp', 'Y90008', { active: false });
    const result = routeFollowUp(sent(alert.recipients), { schoolUrn: '999998', gpOdsCode: 'Y90008' }, directoryOf(school, gp, closed));
    expect(result.unroutable).toEqual([{ type: 'school', id: '999998' }]);
    expect(result.inactive).toEqual([{ type: 'gp', id: 'Y90008' }]);
  });

  it('sends once to a contact listed more than once in the history, keeping direct over area', () => {
    const history: SentTo[] = [
      { orgType: 'school', orgId: '990002', contactId: '990002-a', audience: 'area' },
      { orgType: 'school', orgId: '990002', contactId: '990002-a', audience: 'area' },
      { orgType: 'school', orgId: '990002', contactId: '990002-a', audience: 'direct' },
    ];
    const result = routeFollowUp(history, {}, directoryOf(otherSchool));
    expect(whoFollowUp(result.recipients)).toEqual(['direct school:990002/990002-a']);
  });

  it('orders follow-up recipients like the alert: direct first, then by organisation and contact', () => {
    const history = [...sent(alert.recipients)].reverse();
    const result = routeFollowUp(history, {}, directoryOf(school, gp, otherSchool, otherGp));
    expect(who(result.recipients)).toEqual(who(alert.recipients));
  });
});
