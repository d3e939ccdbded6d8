import * as z from 'zod';
import { RecordId } from '../../domain/counselor';
import { verifyToken } from '../../domain/tokens';
import type { CounselorStore } from '../../ports/counselor';
import { answerMemberships, type MembershipAnswerDeps } from './membership-answers';

/**
 * The organisations a person has, as the person sees them in their preferences: each one that
 * follows their coaching (they said yes) and each one still asking. The person can stop sharing
 * with one at any time, or say yes to one that asks: their choice, by their own link.
 */

export interface OrganisationChoice {
  orgId: string;
  name: string;
  answer: 'pending' | 'accepted';
}

export async function organisationsOf(counselors: Pick<CounselorStore, 'cohortsOfPerson' | 'getOrganisation'>, personId: string): Promise<OrganisationChoice[]> {
  const byOrg = new Map<string, 'pending' | 'accepted'>();
  for (const member of await counselors.cohortsOfPerson(personId)) {
    if (member.status !== 'active') continue;
    const answer = member.consent?.state ?? 'pending';
    if (answer === 'declined') continue;
    // One yes to an organisation is a yes to all its cohorts.
    if (answer === 'accepted' || !byOrg.has(member.orgId)) byOrg.set(member.orgId, answer);
  }
  const choices: OrganisationChoice[] = [];
  for (const [orgId, answer] of byOrg) choices.push({ orgId, name: (await counselors.getOrganisation(orgId))?.name ?? orgId, answer });
  return choices.sort((a, b) => a.name.localeCompare(b.name));
}

const OrganisationForm = z.object({ action: z.enum(['stop-sharing', 'start-sharing']), org: RecordId });

/**
 * The preference centre's buttons: stop sharing with an organisation (every cohort of it), or say
 * yes to one that asks. Only the person's own preferences link does it; an organisation they have
 * nothing with is simply not found.
 */
export async function chooseOrganisation(
  deps: MembershipAnswerDeps & { tokenSecret: string },
  token: string,
  raw: unknown,
): Promise<{ status: 'done' | 'nothing-to-change' } | { status: 'invalid' } | { status: 'invalid-link'; reason: 'malformed' | 'bad_signature' | 'wrong_purpose' | 'expired' | 'unknown_person' }> {
  const check = verifyToken(deps.tokenSecret, token, 'preferences', deps.clock.now());
  if (!check.ok) return { status: 'invalid-link', reason: check.reason };
  if (!(await deps.store.getPerson(check.payload.sub))) return { status: 'invalid-link', reason: 'unknown_person' };
  const parsed = OrganisationForm.safeParse(raw);
  if (!parsed.success) return { status: 'invalid' };
  const { action, org } = parsed.data;
  const answered = await answerMemberships(deps, check.payload.sub, { orgId: org }, action === 'stop-sharing' ? 'declined' : 'accepted', 'preferences');
  return { status: answered.orgNames.length > 0 ? 'done' : 'nothing-to-change' };
}
