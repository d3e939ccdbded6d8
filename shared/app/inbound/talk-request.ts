import { isAcceptedMember, type CohortMember } from '../../domain/counselor';
import { PersonGone } from '../../domain/errors';
import type { Person } from '../../domain/model';
import { talkNobodyReply, talkReply, talkShareText } from '../../domain/talk-keyword';
import type { Clock, Logger, Store } from '../../ports';
import { loggerOf } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import { helpFor } from '../safety/crisis-resources';
import { inReplyToLatest, type Answered, type InboundCtx, type InboundText } from './inbound-context';
import { noteReply } from './reply-seen';

/**
 * A member texted TALK (shared/domain/talk-keyword.ts): they would like a person from their
 * program to reach them. Not a crisis: no hold, no crisis reply; a flag for their counselors,
 * raised the way a crisis flag is (an alert kept in the month's alerts, an email to counselors
 * who want one, swept again by the dispatcher if it could not go).
 */

export interface TalkDeps {
  store: Pick<Store, 'saveSafetyEvent'>;
  counselors: Pick<CounselorStore, 'cohortsOfPerson' | 'saveCohortMember' | 'getOrganisation'>;
  clock: Clock;
  log?: Logger;
  /** Emails the counselors at once; a failure is logged and the sweep sends it later. */
  onTalkFlag?: (flag: { personId: string; eventId: string; at: string; level: 'talk' }) => Promise<unknown>;
}

/**
 * 1. Finds the organisations the person said yes to. None: nobody here can reach them, and the
 *    reply says so plainly, with where to find someone now.
 * 2. Shares the number they texted from with those organisations' counselors: texting TALK is
 *    asking to be reached there (the reply says they can now see it), kept on each membership
 *    with the words and the time.
 * 3. Raises the flag (a safety record `asked-to-talk`, which lands in the alerts) and alerts the
 *    counselors; `raised` says so, for their engagement counts (the cohorts' flagged lists and counts).
 * Keyed by the text's MessageSid, so a retried webhook raises nothing twice.
 */
async function askToTalk(deps: TalkDeps, person: Person, messageSid: string, from: string): Promise<{ reply: string; raised: boolean }> {
  const log = loggerOf(deps);
  const now = deps.clock.now();
  const memberships = (await deps.counselors.cohortsOfPerson(person.personId)).filter(isAcceptedMember);
  if (memberships.length === 0) {
    log.info('talk asked, nobody follows them', { personId: person.personId, messageSid });
    return { reply: talkNobodyReply(helpFor({ phone: from, zone: person.timeZone }).talk), raised: false };
  }
  const orgNames = new Map<string, string>();
  for (const member of memberships) {
    const orgName = orgNames.get(member.orgId) ?? (await deps.counselors.getOrganisation(member.orgId))?.name ?? 'your program';
    orgNames.set(member.orgId, orgName);
    if (person.phone && person.phone === from) await shareNumber(deps, member, orgName, now);
  }
  await deps.store.saveSafetyEvent({ personId: person.personId, eventId: messageSid, at: now.toISOString(), kind: 'asked-to-talk' });
  if (deps.onTalkFlag) {
    await deps.onTalkFlag({ personId: person.personId, eventId: messageSid, at: now.toISOString(), level: 'talk' }).catch((error: unknown) =>
      log.error('counselor talk alert not sent now; the next tick sweeps it', { personId: person.personId, messageSid, error: error instanceof Error ? error.name : typeof error }),
    );
  }
  log.info('talk asked', { personId: person.personId, messageSid, organisations: orgNames.size });
  return { reply: talkReply([...orgNames.values()]), raised: true };
}

/**
 * TALK in a text with nothing risky in it (a risky text is answered as one): the request above,
 * the text kept in their journal like any other, the flag counted, and a sign of life noted.
 */
export async function answerTalk(ctx: InboundCtx & { memberships: TalkDeps['counselors'] }, text: InboundText, onTalkFlag?: TalkDeps['onTalkFlag']): Promise<Answered> {
  const { person, ids, now } = text;
  const { reply, raised } = await askToTalk({ store: ctx.store, counselors: ctx.memberships, clock: ctx.clock, log: ctx.log, ...(onTalkFlag && { onTalkFlag }) }, person, ids.messageSid, ctx.phone);
  return {
    replies: [reply],
    entry: { kind: 'note', text: text.words, ...inReplyToLatest(text.latest) },
    counted: raised ? { flag: 'talk' } : {},
    followUp: async () => {
      if (person.consent.sms?.state === 'confirmed') await noteReply(ctx, person, now);
      ctx.log.info('inbound sms handled', { ...ids, intent: 'talk', risk: text.review.screen.level, replies: 1 });
    },
  };
}

async function shareNumber(deps: TalkDeps, member: CohortMember, orgName: string, now: Date): Promise<void> {
  const phone = { at: now.toISOString(), source: 'sms-keyword', text: talkShareText(orgName) };
  try {
    await deps.counselors.saveCohortMember({ ...member, contactShare: { ...member.contactShare, phone } });
  } catch (error) {
    if (!(error instanceof PersonGone)) throw error;
  }
}
