/**
 * What every use case of the sign-up and preferences feature is given (SubscriptionDeps), and
 * what they share: the signed links (preferences, confirmation) and reading one back into its
 * person, and the organisations' side of a yes. The feature is everything a person does by email
 * and browser: inputs arrive as form fields or JSON and are parsed with zod; outcomes are values
 * the pages turn into words. Nothing in this folder logs an address, a number or anything a
 * person wrote: ids and outcomes only.
 */
import type { Person } from '../../domain/model';
import { publicLink } from '../../domain/links';
import { membershipOf, verifyToken, type MembershipRef, type TokenPurpose } from '../../domain/tokens';
import type { Clock, EmailSender, Logger, SmsSender, Store, WhatsAppSender } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import { definedOnly } from '../scheduling/enroll';
import type { Library } from '../scheduling/planning';
import type { MembershipAnswerDeps } from '../organisations/membership-answers';
import type { EngagementStore } from '../../ports/engagement';
import type { PublicFormLimits } from '../../domain/public-forms';
import type { FormLimits } from '../../ports/form-limits';
import type { WhatsAppTemplateTable } from '../../domain/whatsapp-templates';

export interface SubscriptionDeps {
  store: Store;
  email: EmailSender;
  sms: SmsSender;
  clock: Clock;
  log?: Logger;
  /** Fixed content for tests; otherwise the shipped library with the calendar corrections. */
  library?: Library;
  /** Signs the links (shared/domain/tokens.ts). */
  tokenSecret: string;
  /** Where the links point: the public address of the API. */
  publicBaseUrl: string;
  /** CAN-SPAM: every email carries it, the transactional ones too. */
  postalAddress: string;
  /**
   * Counselors: "delete all my data" also takes the person's cohort memberships, and an
   * invitation's confirmation link is the person's yes to the organisation that sent it.
   */
  counselors?: Pick<CounselorStore, 'forgetPerson'> & Partial<MembershipAnswerDeps['counselors']>;
  /**
   * Which countries' numbers may be texted, by calling code (`1`, `91`, `234` ...); `*` for all.
   * A number elsewhere is refused on the forms with a plain reason.
   */
  smsCountryCodes?: readonly string[];
  /** The caps on the anonymous sign-up form (per client, per number prefix, overall), in the table. */
  publicForms?: { limits: FormLimits; caps: PublicFormLimits };
  /**
   * Where WhatsApp is set up: the forms offer it, and a number given for WhatsApp gets the one
   * approved opt-in template once the email is confirmed. Absent: no WhatsApp on the forms.
   */
  whatsapp?: WhatsAppSender;
  whatsappSetup?: { templates: WhatsAppTemplateTable; approved: ReadonlyMap<string, string> };
  /** Engagement counts of people organisations follow: a yes links them, a changed channel is counted. */
  engagement?: EngagementStore;
}

/** WhatsApp is offered where this deployment can send it. */
export const offersWhatsApp = (deps: Pick<SubscriptionDeps, 'whatsapp' | 'whatsappSetup'>) => deps.whatsapp !== undefined && deps.whatsappSetup !== undefined;

/** The organisations' side of an answer, when this deployment has it (the public API does). */
export function answerDeps(deps: SubscriptionDeps): MembershipAnswerDeps | undefined {
  const c = deps.counselors;
  if (!c?.cohortsOfPerson || !c.saveCohortMember || !c.getOrganisation || !c.getCohort) return undefined;
  return {
    store: deps.store,
    clock: deps.clock,
    counselors: { cohortsOfPerson: c.cohortsOfPerson, saveCohortMember: c.saveCohortMember, getOrganisation: c.getOrganisation, getCohort: c.getCohort },
    ...definedOnly({ library: deps.library, log: deps.log, engagement: deps.engagement }),
  };
}

// ---- Links -------------------------------------------------------------------------------------

export const preferencesUrl = (deps: SubscriptionDeps, personId: string) => publicLink(deps, 'preferences', personId);
export const confirmUrl = (deps: SubscriptionDeps, personId: string) => publicLink(deps, 'confirm', personId);

/** Why a link did not open anything: the pages say it plainly, and nothing changes. */
export type InvalidLink = { status: 'invalid-link'; reason: 'malformed' | 'bad_signature' | 'wrong_purpose' | 'expired' | 'unknown_person' };

export async function personOf(
  deps: SubscriptionDeps,
  token: string,
  purpose: TokenPurpose,
): Promise<{ person: Person; nonce: string; exp: number; membership?: MembershipRef } | InvalidLink> {
  const check = verifyToken(deps.tokenSecret, token, purpose, deps.clock.now());
  if (!check.ok) return { status: 'invalid-link', reason: check.reason };
  const person = await deps.store.getPerson(check.payload.sub);
  if (!person) return { status: 'invalid-link', reason: 'unknown_person' };
  const membership = membershipOf(check.payload);
  return { person, nonce: check.payload.n, exp: check.payload.exp, ...(membership && { membership }) };
}

export const isInvalid = (value: object): value is InvalidLink => (value as InvalidLink).status === 'invalid-link';
