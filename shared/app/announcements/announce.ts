import { randomUUID } from 'node:crypto';
import {
  ANNOUNCEMENT_VALID_HOURS,
  AnnouncementInput,
  announcementEmail,
  announcementMessageId,
  announcementSms,
  OPERATOR_SENDER,
  reachOf,
  textProblem,
  type Audience,
  type AnnouncementChannel,
} from '../../domain/announcement';
import { isAcceptedMember, type CounselorPrincipal } from '../../domain/counselor';
import { crisisResourcesFor } from '../../domain/crisis-lines';
import type { Message, Person } from '../../domain/model';
import { mayText } from '../../domain/public-forms';
import { smsSegments } from '../../domain/template';
import type { Clock, Logger, Store } from '../../ports';
import { loggerOf } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import { crisisLineTable } from '../../content';
import { recordAudit } from '../counselors/audit';
import { DomainError, describeIssues } from '../../domain/errors';

/**
 * An announcement: preview who gets it and how, then send it through the dispatcher (queued
 * like any message: paced within the providers' shared budget, texts after quiet hours, retried
 * after a fault). shared/domain/announcement.ts has the rules; this file finds the people.
 *
 * Who may send: an organisation's admin, to members of its own cohorts who said yes to it; the
 * operator (the CLI), to everyone in the seasons named who confirmed a channel with us.
 */

export type Announcer = { kind: 'organisation'; principal: CounselorPrincipal } | { kind: 'operator' };

export interface AnnounceDeps {
  store: Pick<Store, 'getPeople' | 'getMessage' | 'createMessage' | 'listPersonIdsInSeason'>;
  counselors: CounselorStore;
  clock: Clock;
  log?: Logger;
  /** Calling codes whose numbers may get texts (SMS_COUNTRY_CODES); absent: every country. */
  smsCountryCodes?: readonly string[];
}

export interface AnnouncementPreview {
  /** People considered (accepted members of the cohorts, or everyone in the seasons), each once. */
  considered: number;
  /** Who would get it, and how. */
  recipients: number;
  bySms: number;
  byWhatsApp: number;
  byEmail: number;
  /** Texts that would wait for the end of the person's quiet hours. */
  waitForMorning: number;
  excluded: { notInSegment: number; noConsent: number; countryNotTextable: number; alreadyToday: number };
  /** The words as they go. */
  sms: { body: string; segments: number; characters: number };
  email: { subject: string };
}

export interface AnnouncementSent extends AnnouncementPreview {
  announcementId: string;
  queued: number;
  /** Recipients not reached by this call (a very large audience): the same send again queues them, and nobody twice. */
  stillToQueue: number;
}

/** Queued per call: a request has 29 seconds; the CLI queues any number. */
const ANNOUNCE_PER_CALL = 1_000;
const READ_CHUNK = 100;

function parseInput(raw: unknown): AnnouncementInput {
  const parsed = AnnouncementInput.safeParse(raw);
  if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
  return parsed.data;
}

async function senderOf(deps: AnnounceDeps, announcer: Announcer): Promise<{ orgName: string; orgId?: string }> {
  if (announcer.kind === 'operator') return { ...OPERATOR_SENDER };
  const org = await deps.counselors.getOrganisation(announcer.principal.orgId);
  return { orgName: org?.name ?? announcer.principal.orgId, orgId: announcer.principal.orgId };
}

/** The people an announcement is for, each once, in a stable order (cohort by cohort, by person id). */
async function peopleOf(deps: AnnounceDeps, announcer: Announcer, audience: Audience): Promise<string[]> {
  if (announcer.kind === 'operator') {
    if (!audience.seasons?.length) throw new DomainError('validation', 'an announcement to everyone names its Match years (--season 2027): nobody is written to by accident');
    return [...new Set((await Promise.all(audience.seasons.map((s) => deps.store.listPersonIdsInSeason(s)))).flat())];
  }
  const { orgId } = announcer.principal;
  const cohorts = audience.cohortIds
    ? await Promise.all(
        audience.cohortIds.map(async (id) => {
          const cohort = await deps.counselors.getCohort(orgId, id);
          // Another organisation's cohort reads as one that does not exist.
          if (!cohort || cohort.orgId !== orgId) throw new DomainError('not_found', `No such cohort: ${id}`);
          return cohort;
        }),
      )
    : (await deps.counselors.listCohorts(orgId)).filter((c) => c.orgId === orgId && !c.archived);
  const ids: string[] = [];
  for (const cohort of cohorts) for (const m of await deps.counselors.listCohortMembers(orgId, cohort.cohortId)) if (isAcceptedMember(m)) ids.push(m.personId);
  return [...new Set(ids)];
}

interface Walk {
  considered: number;
  /** Still to be queued. */
  recipients: { person: Person; channel: AnnouncementChannel; to: string; waitsForMorning: boolean }[];
  /** This very announcement, queued for them by an earlier call. */
  alreadyQueued: { channel: AnnouncementChannel; waitsForMorning: boolean }[];
  excluded: AnnouncementPreview['excluded'];
}

async function walk(deps: AnnounceDeps, announcer: Announcer, input: AnnouncementInput, announcementId?: string): Promise<Walk> {
  const now = deps.clock.now();
  const ids = await peopleOf(deps, announcer, input.audience);
  const table = crisisLineTable();
  const context = {
    now,
    countryOf: (who: { phone?: string; zone: string }) => crisisResourcesFor(table, who).country,
    textable: (phone: string) => deps.smsCountryCodes === undefined || mayText(deps.smsCountryCodes, phone),
  };
  const result: Walk = { considered: ids.length, recipients: [], alreadyQueued: [], excluded: { notInSegment: 0, noConsent: 0, countryNotTextable: 0, alreadyToday: 0 } };
  for (let start = 0; start < ids.length; start += READ_CHUNK) {
    const people = await deps.store.getPeople(ids.slice(start, start + READ_CHUNK));
    for (const id of ids.slice(start, start + READ_CHUNK)) {
      const person = people.get(id);
      if (!person) continue;
      const reach = reachOf(person, input.audience, context);
      if ('excluded' in reach) {
        const key = reach.excluded === 'no-consent' ? 'noConsent' : reach.excluded === 'not-in-segment' ? 'notInSegment' : 'countryNotTextable';
        result.excluded[key]++;
        continue;
      }
      // One a day per person, whoever sends it: today's (in their own zone) may be there already.
      const today = await deps.store.getMessage(person.personId, announcementMessageId(person.timeZone, now));
      if (today && announcementId !== undefined && today.announcement?.announcementId === announcementId) {
        result.alreadyQueued.push(reach);
        continue;
      }
      if (today) {
        result.excluded.alreadyToday++;
        continue;
      }
      result.recipients.push({ person, ...reach });
    }
  }
  return result;
}

function summary(walked: Walk, sender: { orgName: string }, input: AnnouncementInput): AnnouncementPreview {
  const body = announcementSms(sender, input.text);
  const measured = smsSegments(body);
  const all = [...walked.recipients, ...walked.alreadyQueued];
  return {
    considered: walked.considered,
    recipients: all.length,
    bySms: all.filter((r) => r.channel === 'sms').length,
    byWhatsApp: all.filter((r) => r.channel === 'whatsapp').length,
    byEmail: all.filter((r) => r.channel === 'email').length,
    waitForMorning: all.filter((r) => r.waitsForMorning).length,
    excluded: walked.excluded,
    sms: { body, segments: measured.segments, characters: body.length },
    email: { subject: announcementEmail(sender, input, { postalAddress: '' }).subject },
  };
}

/** Who would get it and how, with the words as they would go. Changes nothing. */
export async function previewAnnouncement(deps: AnnounceDeps, announcer: Announcer, raw: unknown): Promise<AnnouncementPreview> {
  const input = parseInput(raw);
  const sender = await senderOf(deps, announcer);
  const problem = textProblem(sender, input.text);
  if (problem) throw new DomainError('validation', problem);
  return summary(await walk(deps, announcer, input), sender, input);
}

/**
 * Sends it: each recipient gets one message, queued for the dispatcher (due now, good for a day),
 * by the channel the preview named. Its id names the person's own day, so nobody gets two
 * announcements a day, and the same send repeated (a large audience, a retried request) queues
 * nobody twice. Audited for an organisation (ids and counts only).
 */
export async function sendAnnouncement(deps: AnnounceDeps, announcer: Announcer, raw: unknown, options: { announcementId?: string; perCall?: number } = {}): Promise<AnnouncementSent> {
  const input = parseInput(raw);
  const sender = await senderOf(deps, announcer);
  const problem = textProblem(sender, input.text);
  if (problem) throw new DomainError('validation', problem);
  // Repeating a send with its id carries it on; a new send is a new announcement.
  const announcementId = options.announcementId ?? randomUUID();
  const walked = await walk(deps, announcer, input, announcementId);
  const now = deps.clock.now();
  const perCall = options.perCall ?? ANNOUNCE_PER_CALL;
  let queued = 0;
  let lost = 0;
  for (const r of walked.recipients.slice(0, perCall)) {
    try {
      // False: another announcement reached them this very moment (their one for today).
      if (await deps.store.createMessage(messageOf(r.person, r.channel, r.to, { announcementId, ...sender, text: input.text, ...(input.subject && { subject: input.subject }), ...(input.details && { details: input.details }) }, now))) queued++;
      else lost++;
    } catch (error) {
      // Erased meanwhile: nothing goes to them.
      if (!(error instanceof DomainError && error.code === 'not_found')) throw error;
      lost++;
    }
  }
  const sent: AnnouncementSent = { ...summary(walked, sender, input), announcementId, queued: queued + walked.alreadyQueued.length, stillToQueue: Math.max(0, walked.recipients.length - perCall) };
  // Someone another announcement reached at this very moment (or erased meanwhile) had theirs for today.
  sent.recipients -= lost;
  sent.excluded.alreadyToday += lost;
  const counts = { announcementId, queued: sent.queued, bySms: sent.bySms, byWhatsApp: sent.byWhatsApp, byEmail: sent.byEmail, alreadyToday: sent.excluded.alreadyToday, noConsent: sent.excluded.noConsent, stillToQueue: sent.stillToQueue };
  if (announcer.kind === 'organisation') await recordAudit(deps, announcer.principal, 'announcement.send', { kind: 'organisation', id: announcer.principal.orgId }, counts);
  loggerOf(deps).info('announcement queued', { ...counts, ...(sender.orgId && { orgId: sender.orgId }) });
  return sent;
}

function messageOf(person: Person, channel: AnnouncementChannel, to: string, announcement: NonNullable<Message['announcement']>, now: Date): Message {
  const at = now.toISOString();
  return {
    personId: person.personId,
    messageId: announcementMessageId(person.timeZone, now),
    enrollmentId: 'announcement',
    sequenceId: 'announcement',
    stepId: announcement.announcementId,
    channel,
    to,
    zone: person.timeZone,
    anchors: {},
    profile: person.profile,
    ...(person.firstName && { firstName: person.firstName }),
    ...(person.quietHours && { quietHours: person.quietHours }),
    sendAt: at,
    deadlineAt: new Date(now.getTime() + ANNOUNCEMENT_VALID_HOURS * 3_600_000).toISOString(),
    announcement,
    status: 'planned',
    dueAt: at,
    attempts: [],
    updatedAt: at,
  };
}
