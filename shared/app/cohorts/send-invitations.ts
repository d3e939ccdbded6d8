/**
 * Queueing the invitations a cohort's waiting members need, as messages the dispatcher sends:
 * at most one per person and channel in a period, however many cohorts add them or runs repeat.
 */
import type { CohortMember, CounselorPrincipal } from '../../domain/counselor';
import { ownRecordOf } from '../../domain/ownership';
import type { Consent, Message, Person } from '../../domain/model';
import type { Channel } from '../../domain/sequence';
import { TOKEN_LIFETIME_SECONDS } from '../../domain/tokens';
import { mapWithConcurrency } from '../../domain/concurrency';
import { loggerOf } from '../../ports';
import { definedOnly } from '../scheduling/enroll';
import { PersonGone } from '../../domain/errors';
import { stable, type CohortDeps } from './deps';
import { getCohort } from './get-cohort';

/**
 * What queueing invitations reports. Deliberately no count per channel: which channel an
 * invitation can take depends on whether the person was already with us, and a counselor must
 * not learn that from an answer.
 */
export interface InvitationReport {
  /** Members still waiting for their yes that this run covered (their invitations are queued or already out). */
  invited: number;
  /** Invitations that could not be queued (a storage fault); the next run tries them again. */
  failed: number;
}

/**
 * A person gets at most one invitation per channel in this time, whatever the number of cohorts
 * that add them (see sendInvitations); it is also how long an invitation may wait to go out: as
 * long as the link it carries stays valid.
 */
const INVITE_HOLD_MS = TOKEN_LIFETIME_SECONDS['confirm-email'] * 1000;
/** People read in one request when queueing a cohort's invitations. */
const INVITATION_READ_CHUNK = 100;

/**
 * Queues, for each named member of the cohort (or every member still waiting, without
 * `personIds`), what their pending membership needs:
 * - someone the organisation brought to us, who has confirmed nothing: the invitation email with
 *   the confirmation link and the text asking for YES, on the channels their pending consent names;
 * - someone already with us: one email to their own confirmed address, with a link to say yes (or
 *   no) to this organisation. Nothing goes to a channel they have not confirmed, and nothing to an
 *   address or number the row gave.
 * The dispatcher sends them like any message: within the providers' shared rate, texts after the
 * person's quiet hours, retried after a provider fault. Once per person, channel (and
 * organisation, for a join request) in INVITE_HOLD_MS: the message id names them and the period,
 * and the store creates a message once, so a run cut short and run again, or a second cohort
 * adding the same person, queues nothing new. The dispatcher checks again when it sends.
 */
export async function sendInvitations(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string, personIds?: readonly string[]): Promise<InvitationReport> {
  const cohort = await getCohort(deps, actor, cohortId);
  const org = await deps.counselors.getOrganisation(actor.orgId);
  const orgName = org?.name ?? actor.orgId;
  const log = loggerOf(deps);
  const report: InvitationReport = { invited: 0, failed: 0 };
  // One paged query for the cohort, and people read a chunk at a time, not one request each.
  const wanted = personIds && new Set(personIds);
  const members = (await deps.counselors.listCohortMembers(cohort.orgId, cohortId)).filter(
    (m) => (!wanted || wanted.has(m.personId)) && m.status === 'active' && (m.consent?.state ?? 'pending') === 'pending',
  );
  const ours = (consent: Consent | undefined) => consent?.state === 'pending' && consent.source.startsWith('counselor:');
  const updated: CohortMember[] = [];
  const target = { orgName, orgId: cohort.orgId, cohortId };
  for (let start = 0; start < members.length; start += INVITATION_READ_CHUNK) {
    const chunk = members.slice(start, start + INVITATION_READ_CHUNK);
    const people = await deps.store.getPeople(chunk.map((m) => m.personId));
    await mapWithConcurrency(chunk, 16, async (member) => {
      const person = people.get(member.personId);
      if (!person) return;
      report.invited++;
      const now = deps.clock.now();
      const invited = { ...member.invited };
      const queue = async (channel: Channel, to: string, join: boolean): Promise<void> => {
        try {
          // Nothing new when this period's invitation exists already (another cohort's, or a run
          // cut short); the previous period's counts too while it is younger than a period: an
          // edge between two periods is no reason to invite someone twice in a few minutes.
          const idOf = (period: number) => (join ? joinRequestId(person.personId, cohort.orgId, period) : invitationId(person.personId, channel, period));
          const previous = await deps.store.getMessage(person.personId, idOf(periodOf(now) - 1));
          const recent = previous !== undefined && now.getTime() - Date.parse(previous.sendAt) < INVITE_HOLD_MS;
          if (!recent) await deps.store.createMessage(invitationMessage(person, idOf(periodOf(now)), channel, to, { ...target, ...(join && { join: true }) }, now));
          invited[channel] = now.toISOString();
        } catch (error) {
          if (error instanceof PersonGone) return;
          // Not marked invited: the next run tries again, with the same message id.
          report.failed++;
          log.warn('invitation not queued', { personId: person.personId, channel, error: error instanceof Error ? error.message : String(error) });
        }
      };
      if (ownRecordOf(person, cohort.orgId)) {
        if (person.email && ours(person.consent.email) && !invited.email) await queue('email', person.email, false);
        if (person.phone && ours(person.consent.sms) && !invited.sms) await queue('sms', person.phone, false);
        if (person.phone && ours(person.consent.whatsapp) && !invited.whatsapp) await queue('whatsapp', person.phone, false);
      } else if (person.email && person.consent.email?.state === 'confirmed' && !invited.email) {
        await queue('email', person.email, true);
      }
      if (stable(invited) !== stable(member.invited ?? {})) updated.push({ ...member, invited });
    });
  }
  // The message ids already stop a second invitation; these records say so to the next run cheaply.
  await deps.counselors.saveCohortMembers(updated);
  return report;
}

/** An invitation as a message due now, for the dispatcher (see Message.invitation). */
const periodOf = (at: Date) => Math.floor(at.getTime() / INVITE_HOLD_MS);
const invitationId = (personId: string, channel: Channel, period: number) => `invite.${personId}.${channel}.${period}`;
const joinRequestId = (personId: string, orgId: string, period: number) => `join.${personId}.${orgId}.${period}`;

function invitationMessage(person: Person, messageId: string, channel: Channel, to: string, invitation: NonNullable<Message['invitation']>, now: Date): Message {
  const at = now.toISOString();
  return {
    personId: person.personId,
    messageId,
    enrollmentId: 'invitation',
    sequenceId: 'invitation',
    stepId: invitation.join ? 'join-request' : 'invite',
    channel,
    to,
    zone: person.timeZone,
    anchors: {},
    profile: person.profile,
    ...definedOnly({ firstName: person.firstName, quietHours: person.quietHours }),
    sendAt: at,
    deadlineAt: new Date(now.getTime() + INVITE_HOLD_MS).toISOString(),
    invitation,
    status: 'planned',
    dueAt: at,
    attempts: [],
    updatedAt: at,
  };
}
