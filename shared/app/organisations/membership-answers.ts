import type { CohortMember } from '../../domain/counselor';
import { PersonGone } from '../../domain/errors';
import { contactShareText, membershipConsentText } from '../../domain/invitation-words';
import { nextEnrollmentId, type Enrollment } from '../../domain/model';
import { PERSONAL_DATE_NAMES } from '../../domain/subscription-words';
import type { Clock, Logger, Store } from '../../ports';
import { loggerOf } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import type { EngagementStore } from '../../ports/engagement';
import type { Library } from '../scheduling/planning';
import { replanPerson } from '../scheduling/replan';
import { linkMember } from '../engagement/engagement-counts';
import { loadLibrary } from '../scheduling/library';

/**
 * A person's answer to the organisations that added them (shared/domain/counselor.ts,
 * MembershipConsent). Only the person gives it, through something that proves it is them: the
 * confirmation link of an invitation (their email), a YES from the number an organisation brought
 * to us, a join link sent to their own confirmed address. Yes is kept with the exact words agreed
 * to; from then on the organisation sees their coaching records, and the cohort's tracks start.
 */

export interface MembershipAnswerDeps {
  store: Store;
  counselors: Pick<CounselorStore, 'cohortsOfPerson' | 'saveCohortMember' | 'getOrganisation' | 'getCohort'>;
  clock: Clock;
  /** Fixed content for tests; otherwise the shipped library with the calendar corrections. */
  library?: Library;
  log?: Logger;
  /** The organisations' figures: a yes takes the member's engagement into their cohort's (absent: not counted here). */
  engagement?: EngagementStore;
}

/**
 * Which pending memberships an answer is about: those of one organisation (a link names it, or
 * the person answered the invitation of the organisation that brought them to us).
 */
export type AnswerScope = { orgId: string };

export type MembershipAnswer = 'accepted' | 'declined';

/** With a yes, the contacts the person lets the organisation's counselors see (each their own choice). */
export type ContactChoice = { email?: boolean; phone?: boolean };

/**
 * Answers the person's pending memberships in `scope`.
 * 1. Finds them (active, still pending).
 * 2. Records the answer with its source, time and, for a yes, the words agreed to (they name the
 *    organisation).
 * 3. A yes starts the cohort's tracks (its sequences, its dates and the person's own), takes
 *    their engagement into the cohort's figures (rebuilt from their records), then everything
 *    is re-planned (their messages now say they are followed); a no changes nothing else.
 * Returns the organisations answered. Someone erased meanwhile answers nothing.
 */
export async function answerMemberships(
  deps: MembershipAnswerDeps,
  personId: string,
  scope: AnswerScope,
  answer: MembershipAnswer,
  source: string,
  share: ContactChoice = {},
): Promise<{ orgNames: string[] }> {
  const now = deps.clock.now();
  // Still to answer; and, for a no, a yes given before: the person may stop sharing at any time.
  const memberships = (await deps.counselors.cohortsOfPerson(personId)).filter((m) => {
    const state = m.consent?.state ?? 'pending';
    return m.status === 'active' && m.orgId === scope.orgId && (state === 'pending' || (answer === 'declined' && state === 'accepted'));
  });
  if (memberships.length === 0) return { orgNames: [] };
  const orgNames = new Map<string, string>();
  try {
    for (const member of memberships) {
      const orgName = orgNames.get(member.orgId) ?? (await deps.counselors.getOrganisation(member.orgId))?.name ?? member.orgId;
      orgNames.set(member.orgId, orgName);
      const shared = (contact: 'email' | 'phone') => (answer === 'accepted' && share[contact] ? { [contact]: { at: now.toISOString(), source, text: contactShareText(orgName, contact) } } : {});
      const contactShare = { ...member.contactShare, ...shared('email'), ...shared('phone') };
      const answered: CohortMember = {
        ...member,
        consent: { state: answer, at: now.toISOString(), source, ...(answer === 'accepted' && { text: membershipConsentText(orgName) }) },
        ...(Object.keys(contactShare).length > 0 && { contactShare }),
      };
      if (answer === 'accepted') await startCohortTracks(deps, member, now);
      await deps.counselors.saveCohortMember(answered);
      if (answer === 'accepted' && deps.engagement) {
        await linkMember({ engagement: deps.engagement, store: deps.store, clock: deps.clock, library: deps.library ?? (await loadLibrary(deps.store)), ...(deps.log && { log: deps.log }) }, member);
      }
    }
    if (answer === 'accepted') await replanPerson({ store: deps.store, clock: deps.clock, ...(deps.library && { library: deps.library }) }, personId);
  } catch (error) {
    if (error instanceof PersonGone) return { orgNames: [] };
    throw error;
  }
  loggerOf(deps).info('membership answered', { personId, answer, organisations: orgNames.size });
  return { orgNames: [...orgNames.values()] };
}

/** The cohort's sequences the person is not already in, with its dates and their own. */
async function startCohortTracks(deps: MembershipAnswerDeps, member: CohortMember, now: Date): Promise<void> {
  const cohort = await deps.counselors.getCohort(member.orgId, member.cohortId);
  if (!cohort) return;
  const held = await deps.store.listEnrollments(member.personId);
  const active = held.filter((e) => e.status === 'active');
  const own: Record<string, string> = {};
  for (const name of PERSONAL_DATE_NAMES) {
    const value = active.find((e) => e.anchors[name] !== undefined)?.anchors[name];
    if (value !== undefined) own[name] = value;
  }
  for (const sequenceId of cohort.sequenceIds) {
    if (active.some((e) => e.sequenceId === sequenceId)) continue;
    const enrollment: Enrollment = {
      personId: member.personId,
      enrollmentId: nextEnrollmentId(member.personId, sequenceId, held),
      sequenceId,
      anchors: { ...cohort.anchorOverrides, ...own, enrolled: now.toISOString() },
      enrolledAt: now.toISOString(),
      status: 'active',
    };
    await deps.store.saveEnrollment(enrollment);
  }
}
