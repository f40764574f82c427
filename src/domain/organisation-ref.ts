/** SPEC §4: a school (id = 6-digit URN) or a GP practice (id = ODS code). */
export const ORGANISATION_TYPES = ['school', 'gp'] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];

/** Which organisation, without its details: what an episode, a delivery or a URL names. */
export type OrganisationRef = { type: OrganisationType; id: string };
