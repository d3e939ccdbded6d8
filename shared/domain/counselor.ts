import * as z from 'zod';
import { AnchorValue } from './schedule';

/**
 * Counselors: organisations, the counselors who work in them, their cohorts of
 * applicants and the audit trail of what counselors did. Every record names its organisation;
 * the organisation a request may touch comes from the caller's verified token, never from input.
 */

/** Ids we mint or accept from a token: short, printable, and free of the '#' our keys use. */
export const RecordId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected an id of letters, digits, dot, dash or underscore');

export const Organisation = z.object({
  orgId: RecordId,
  name: z.string().trim().min(1).max(120),
  createdAt: z.iso.datetime(),
});
export type Organisation = z.infer<typeof Organisation>;

const COUNSELOR_ROLES = ['admin', 'counselor'] as const;
export const CounselorRole = z.enum(COUNSELOR_ROLES);
export type CounselorRole = z.infer<typeof CounselorRole>;

export const CounselorSettings = z.object({
  /** Email me at once when one of my members sends a message that signals risk. */
  crisisAlerts: z.boolean().default(true),
  /** Email me when one of my members texts TALK (asks for a person to reach them). Absent: on. */
  talkAlerts: z.boolean().optional(),
  /** A weekly summary of each of my cohorts. */
  weeklyDigest: z.boolean().default(true),
});
export type CounselorSettings = z.infer<typeof CounselorSettings>;

export const Counselor = z.object({
  counselorId: RecordId,
  orgId: RecordId,
  email: z.email('expected an email address').max(254).transform((s) => s.toLowerCase()),
  role: CounselorRole,
  settings: CounselorSettings,
  createdAt: z.iso.datetime(),
});
export type Counselor = z.infer<typeof Counselor>;

export const Cohort = z.object({
  cohortId: RecordId,
  orgId: RecordId,
  name: z.string().trim().min(1).max(120),
  /** The Match year its members apply in. */
  season: z.number().int().min(2020).max(2100),
  /** The sequences a confirmed member is enrolled in. */
  sequenceIds: z.array(z.string().min(1).max(64)).max(20),
  /** Dates the cohort's program sets for everyone (e.g. its own interview dates), by anchor name. */
  anchorOverrides: z.record(z.string().min(1).max(64), AnchorValue),
  archived: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Cohort = z.infer<typeof Cohort>;

/** `active` members get coaching once they confirm; `removed` ones get nothing more. */
const MEMBER_STATUSES = ['active', 'removed'] as const;

/**
 * The person's own answer to an organisation that added them. Until it is `accepted` the
 * organisation sees nothing of the person but what it typed itself (the label), whether or not
 * the person was already with us: a person belongs to themselves.
 */
const MEMBERSHIP_ANSWERS = ['pending', 'accepted', 'declined'] as const;
export const MembershipConsent = z.object({
  state: z.enum(MEMBERSHIP_ANSWERS),
  at: z.iso.datetime(),
  /** How they said yes or no: `email-link`, `sms-keyword`, `join-link`, `preferences`. */
  source: z.string().min(1).max(40).optional(),
  /** The exact words they agreed to (they name the organisation). */
  text: z.string().min(1).max(500).optional(),
});
export type MembershipConsent = z.infer<typeof MembershipConsent>;

/** A member's leave for the organisation's counselors to see one of their contacts: when, how, in what words. */
const ContactShare = z.object({
  at: z.iso.datetime(),
  /** `join-link`, `email-link` (the invitation's confirmation page), `sms-keyword` (TALK). */
  source: z.string().min(1).max(40),
  text: z.string().min(1).max(500),
});
type ContactShare = z.infer<typeof ContactShare>;

export const CohortMember = z.object({
  orgId: RecordId,
  cohortId: RecordId,
  personId: z.string().min(1),
  /** The counselor who added them. */
  addedBy: RecordId,
  addedAt: z.iso.datetime(),
  status: z.enum(MEMBER_STATUSES),
  removedAt: z.iso.datetime().optional(),
  /** When their invitation went out, per channel: it goes once. */
  invited: z.object({ email: z.iso.datetime().optional(), sms: z.iso.datetime().optional(), whatsapp: z.iso.datetime().optional() }).optional(),
  /** Their answer to this organisation; a membership written before answers were kept reads as pending. */
  consent: MembershipConsent.optional(),
  /**
   * This organisation brought the person to us (nobody held the email or phone). While they have
   * confirmed nothing, the record is the organisation's own: it may correct it or erase it.
   */
  createdPerson: z.boolean().optional(),
  /** What the counselor typed, shown to the organisation while the person has not said yes. */
  label: z.object({ firstName: z.string().max(60).optional() }).optional(),
  /** A digest of the row as last given, so the same row again reads as unchanged, whoever it names. */
  rowDigest: z.string().max(64).optional(),
  /**
   * The contacts the member let this organisation's counselors see (their own choice, apart from
   * saying yes): only these are ever shown, and only while they are an accepted member.
   */
  contactShare: z.object({ email: ContactShare.optional(), phone: ContactShare.optional() }).optional(),
});
export type CohortMember = z.infer<typeof CohortMember>;

/**
 * One counselor action. Ids and counts only: an audit log is read by admins and kept long, so it
 * never holds a name, an address or a number (those stay with the person, where erasure finds them).
 */
export const AuditEntry = z.object({
  orgId: RecordId,
  auditId: z.string().min(1),
  at: z.iso.datetime(),
  /** The counselor who acted. */
  actor: RecordId,
  action: z.string().min(1).max(64),
  target: z.object({ kind: z.enum(['cohort', 'member', 'counselor', 'import', 'organisation']), id: z.string().min(1) }).optional(),
  detail: z.record(z.string(), z.union([z.string().max(200), z.number(), z.boolean()])).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** The scope a counselor's access token must carry (the Cognito resource server's, see infra/counselors.ts). */
export const COUNSELOR_API_SCOPE = 'matchcoach/counselor';

/** Who is calling the counselor API, taken from a verified token only. */
export interface CounselorPrincipal {
  counselorId: string;
  orgId: string;
  role: CounselorRole;
  scopes: string[];
}

/** The consent source recorded when a counselor enrolled someone (docs/rules.md: consent records). */
export const counselorConsentSource = (counselorId: string) => `counselor:${counselorId}`;

/** The organisation may see this member's records: they said yes to it, and are still a member. */
export const isAcceptedMember = (member: Pick<CohortMember, 'status' | 'consent'>) => member.status === 'active' && member.consent?.state === 'accepted';
