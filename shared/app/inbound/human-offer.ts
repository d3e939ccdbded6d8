import { isAcceptedMember } from '../../domain/counselor';
import type { HumanOffer } from '../../domain/safety-replies';
import type { Person } from '../../domain/model';
import type { CounselorStore } from '../../ports/counselor';

/** The follow-up flag a lowest check-in score raises for the person's counselor. */
export const LOWEST_SCORE_RULE = 'checkin:lowest-score';

/**
 * The person to offer someone who is having a hard time: the counselor of an organisation they
 * said yes to (an accepted, active membership), else our support address. Read only when it is
 * needed (a distress text, a hard stretch beginning), never for ordinary texts.
 */
export async function humanOfferFor(
  deps: { helpAddress: string; memberships?: Pick<CounselorStore, 'cohortsOfPerson' | 'getOrganisation'> },
  person: Pick<Person, 'personId'>,
): Promise<HumanOffer> {
  const accepted = deps.memberships ? (await deps.memberships.cohortsOfPerson(person.personId)).filter((m) => m.status === 'active' && isAcceptedMember(m)) : [];
  const first = accepted[0];
  const org = first && (await deps.memberships!.getOrganisation(first.orgId));
  return org ? { counselorAt: org.name } : { supportAddress: deps.helpAddress };
}
