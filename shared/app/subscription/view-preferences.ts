/**
 * The preference centre as it stands, for the page: channels, quiet hours, pause, profile, dates,
 * tracks and organisations, with the address and number partly hidden (a forwarded link should
 * not hand them out). Reading changes nothing.
 */
import type { Consent, Person } from '../../domain/model';
import { DEFAULT_QUIET_HOURS } from '../../domain/schedule';
import { MILESTONES } from '../../domain/sequence';
import { MILESTONE_LABELS, milestoneField, OPTIONAL_TRACKS, type PersonalDate } from '../../domain/subscription-words';
import { formatLocal } from '../../domain/template';
import { publicLink } from '../../domain/links';
import { definedOnly } from '../scheduling/enroll';
import { calendarUrl } from '../my-plan/calendar-feed';
import { organisationsOf, type OrganisationChoice } from '../organisations/organisations-of-person';
import { type SubscriptionDeps, offersWhatsApp, type InvalidLink, personOf, isInvalid } from './deps';
import { seasonChoices } from './form-fields';
import { personalDatesOf } from './personal-dates';

type ChannelState = 'on' | 'waiting' | 'off' | 'none';

export interface PreferencesView {
  /** Organisations that follow their coaching, or ask to: theirs to answer and to stop. */
  organisations: OrganisationChoice[];
  firstName?: string;
  /** Shown partly hidden: a forwarded link should not hand out the whole address or number. */
  emailMasked?: string;
  phoneMasked?: string;
  email: ChannelState;
  sms: ChannelState;
  whatsapp: ChannelState;
  /** Whether this deployment offers WhatsApp (the page shows its choice only then, or while it is on). */
  whatsappOffered: boolean;
  quietHours: { start: string; end: string };
  /** In their own zone and words, while a pause lasts. */
  pausedUntil?: string;
  timeZone: string;
  season: number;
  seasonChoices: number[];
  visaTrack: string;
  applicantType: string;
  attempt: number;
  outcome: string;
  dates: Partial<Record<PersonalDate, string>>;
  specialty?: string;
  cadence: 'standard' | 'light';
  /** What they have done, each with its words; ticked ones stop the reminders they make moot. */
  milestones: { milestone: string; field: string; label: string; done: boolean }[];
  interviews?: number;
  showPlanToCounselor: boolean;
  /** The tracks they may turn off, and whether each is on. */
  tracks: { sequenceId: string; label: string; on: boolean }[];
  calendarUrl: string;
  /** "My plan": the same signed preference token, another page. */
  planUrl: string;
}

export const stateOf = (consent: Consent | undefined, address: string | undefined): ChannelState =>
  !address || !consent ? 'none' : consent.state === 'confirmed' ? 'on' : consent.state === 'pending' ? 'waiting' : 'off';

export function maskEmail(email: string): string {
  const [local, domain] = email.split('@') as [string, string];
  return `${local.slice(0, 1)}${'•'.repeat(Math.min(6, Math.max(3, local.length - 1)))}@${domain}`;
}
export const maskPhone = (phone: string) => `${phone.slice(0, 3)}${'•'.repeat(Math.max(3, phone.length - 6))}${phone.slice(-3)}`;

export async function viewOf(deps: SubscriptionDeps, person: Person): Promise<PreferencesView> {
  const now = deps.clock.now();
  const paused = person.profile.pausedUntil && Date.parse(person.profile.pausedUntil) > now.getTime() ? new Date(person.profile.pausedUntil) : undefined;
  const counselors = deps.counselors;
  return {
    organisations: counselors?.cohortsOfPerson && counselors.getOrganisation ? await organisationsOf({ cohortsOfPerson: counselors.cohortsOfPerson, getOrganisation: counselors.getOrganisation }, person.personId) : [],
    email: stateOf(person.consent.email, person.email),
    sms: stateOf(person.consent.sms, person.phone),
    whatsapp: stateOf(person.consent.whatsapp, person.phone),
    whatsappOffered: offersWhatsApp(deps),
    quietHours: person.quietHours ?? DEFAULT_QUIET_HOURS,
    timeZone: person.timeZone,
    season: person.profile.season,
    seasonChoices: [...new Set([person.profile.season, ...seasonChoices(now)])].sort(),
    visaTrack: person.profile.visaTrack,
    applicantType: person.profile.applicantType,
    attempt: person.profile.attempt,
    outcome: person.profile.outcome,
    dates: await personalDatesOf(deps.store, person),
    showPlanToCounselor: person.showPlanToCounselor === true,
    cadence: person.profile.cadence ?? 'standard',
    milestones: MILESTONES.map((m) => ({ milestone: m, field: milestoneField(m), label: MILESTONE_LABELS[m], done: person.profile.done.includes(m) })),
    ...(person.interviews && { interviews: person.interviews.count }),
    tracks: OPTIONAL_TRACKS.map(({ sequenceId, label }) => ({ sequenceId, label, on: !person.profile.mutedSequences?.includes(sequenceId) })),
    calendarUrl: calendarUrl(deps, person),
    planUrl: publicLink(deps, 'plan', person.personId),
    ...definedOnly({
      firstName: person.firstName,
      emailMasked: person.email && maskEmail(person.email),
      phoneMasked: person.phone && maskPhone(person.phone),
      pausedUntil: paused && formatLocal(paused, person.timeZone, true),
      specialty: person.specialty,
    }),
  };
}

export type PreferencesOutcome = { status: 'ok'; view: PreferencesView } | InvalidLink;

/** The preference centre as it stands, for the page. Reading changes nothing. */
export async function viewPreferences(deps: SubscriptionDeps, token: string): Promise<PreferencesOutcome> {
  const found = await personOf(deps, token, 'preferences');
  if (isInvalid(found)) return found;
  return { status: 'ok', view: await viewOf(deps, found.person) };
}
