import { createMemoryCounselorStore } from '../../shared/adapters/memory/memory-counselor-store';
import { addMembers } from '../../shared/app/cohorts/add-members';
import { createCohort } from '../../shared/app/cohorts/create-cohort';
import type { CohortDeps } from '../../shared/app/cohorts/deps';
import { importCsv } from '../../shared/app/cohorts/csv-import';
import { enroll } from '../../shared/app/scheduling/enroll';
import { DomainError } from '../../shared/domain/errors';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import { editPlan } from '../../shared/app/my-plan/plan';
import type { SubscriptionDeps } from '../../shared/app/subscription/deps';
import { updatePreferences } from '../../shared/app/subscription/save-preferences';
import { subscribe } from '../../shared/app/subscription/sign-up';
import { viewPreferences } from '../../shared/app/subscription/view-preferences';
import type { CounselorPrincipal } from '../../shared/domain/counselor';
import { issueToken } from '../../shared/domain/tokens';
import { memoryServices } from '../support/memory-services';

/**
 * One set of rules for a person's own dates, wherever they arrive: the sign-up form, the
 * preference centre, the plan page, a counselor's CSV or JSON, and the operator's enroll. For
 * Match 2027 a date must exist and lie between 2025-01-01 and 2027-12-31, in every one of them.
 */

const SEASON = 2027;
const ACCEPTED = ['2025-01-01', '2026-10-20', '2027-12-31'];
const REFUSED = ['2024-12-31', '2028-01-01', '2031-01-10', '2027-02-30'];
const COUNSELOR: CounselorPrincipal = { counselorId: 'c-a', orgId: 'org-a', role: 'counselor', scopes: [] };

function world() {
  const s = memoryServices();
  s.at('2026-09-01T06:00:00.000Z');
  const deps: SubscriptionDeps = { ...s, library: shippedLibrary(), postalAddress: s.settings.postalAddress };
  return { s, deps };
}

const signUpForm = (step2: string, n: number) => ({
  email: `person${n}@example.com`, timeZone: 'Asia/Kolkata', season: String(SEASON), visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1', step2_exam: step2,
});

/** Each place a date arrives, answering whether it took the date. */
const places: Record<string, (date: string, n: number) => Promise<boolean>> = {
  async 'sign-up'(date, n) {
    const { deps } = world();
    const outcome = await subscribe(deps, signUpForm(date, n));
    return outcome.status === 'accepted';
  },
  async preferences(date, n) {
    const { s, deps } = world();
    await subscribe(deps, signUpForm('2026-10-20', n));
    const personId = (await s.store.findPersonIdByEmail(`person${n}@example.com`))!;
    const token = issueToken(s.tokenSecret, 'preferences', personId, s.clock.now());
    const view = await viewPreferences(deps, token);
    if (view.status !== 'ok') throw new Error('no preferences');
    const v = view.view;
    const outcome = await updatePreferences(deps, token, {
      action: 'save', email: 'on', quietStart: v.quietHours.start, quietEnd: v.quietHours.end, pause: 'keep', timeZone: v.timeZone,
      season: String(v.season), visaTrack: v.visaTrack, applicantType: v.applicantType, attempt: String(v.attempt), outcome: v.outcome, step2_exam: date,
    });
    return outcome.status === 'saved';
  },
  async 'plan page'(date, n) {
    const { s, deps } = world();
    await subscribe(deps, signUpForm('2026-10-20', n));
    const personId = (await s.store.findPersonIdByEmail(`person${n}@example.com`))!;
    const outcome = await editPlan({ store: s.store, clock: s.clock, library: shippedLibrary() }, personId, { op: 'add-deadline', title: 'Visa interview', kind: 'visa', date, internalDate: '2025-01-01' });
    return outcome.status === 'saved';
  },
  async 'CSV import'(date) {
    const { s } = world();
    s.counselors = createMemoryCounselorStore();
    await s.counselors.saveOrganisation({ orgId: 'org-a', name: 'Alpha Advising', createdAt: s.clock.now().toISOString() });
    const deps: CohortDeps = { ...s, postalAddress: s.settings.postalAddress };
    const cohort = await createCohort(deps, COUNSELOR, { name: 'Fall', season: SEASON, sequenceIds: ['getting-started'] });
    const report = await importCsv(deps, COUNSELOR, cohort.cohortId, Buffer.from(`email,time_zone,step2_exam\nasha@example.com,Asia/Kolkata,${date}\n`));
    return report.summary.added === 1;
  },
  async 'JSON members'(date) {
    const { s } = world();
    s.counselors = createMemoryCounselorStore();
    await s.counselors.saveOrganisation({ orgId: 'org-a', name: 'Alpha Advising', createdAt: s.clock.now().toISOString() });
    const deps: CohortDeps = { ...s, postalAddress: s.settings.postalAddress };
    const cohort = await createCohort(deps, COUNSELOR, { name: 'Fall', season: SEASON, sequenceIds: ['getting-started'] });
    const report = await addMembers(deps, COUNSELOR, cohort.cohortId, { members: [{ email: 'asha@example.com', timeZone: 'Asia/Kolkata', step2_exam: date }] });
    return report.summary.added === 1;
  },
  async enroll(date) {
    const { s } = world();
    try {
      await enroll({ store: s.store, clock: s.clock, library: shippedLibrary() }, { email: 'asha@example.com', timeZone: 'Asia/Kolkata', season: SEASON, anchors: { step2_exam: date } });
      return true;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'validation') return false;
      throw error;
    }
  },
};

describe.each(Object.keys(places))('%s', (place) => {
  test.each(ACCEPTED)('takes %s', async (date) => {
    await expect(places[place]!(date, 1)).resolves.toBe(true);
  });
  test.each(REFUSED)('refuses %s', async (date) => {
    await expect(places[place]!(date, 2)).resolves.toBe(false);
  });
});

test('the refusal names the range in the same words on the forms and the plan page', async () => {
  const { s, deps } = world();
  const signUp = await subscribe(deps, signUpForm('2031-01-10', 3));
  expect(signUp).toEqual({ status: 'invalid', errors: { step2_exam: 'For Match 2027, dates go from 2025-01-01 to 2027-12-31.' } });
  await subscribe(deps, signUpForm('2026-10-20', 4));
  const personId = (await s.store.findPersonIdByEmail('person4@example.com'))!;
  const plan = await editPlan({ store: s.store, clock: s.clock, library: shippedLibrary() }, personId, { op: 'add-deadline', title: 'Visa interview', kind: 'visa', date: '2029-03-01' });
  expect(plan).toMatchObject({ status: 'invalid', message: 'For Match 2027, dates go from 2025-01-01 to 2027-12-31.' });
});

test('enroll refuses a date name nobody uses, naming the ones that exist', async () => {
  const { s } = world();
  const attempt = enroll({ store: s.store, clock: s.clock, library: shippedLibrary() }, { email: 'asha@example.com', timeZone: 'Asia/Kolkata', season: SEASON, anchors: { step2: '2026-10-20' } });
  await expect(attempt).rejects.toThrow(/^unknown date "step2": a person's own dates are step1_exam, step2_exam, step3_exam, oet_exam, documents_due/);
  expect(await s.store.findPersonIdByEmail('asha@example.com')).toBeUndefined();
});
