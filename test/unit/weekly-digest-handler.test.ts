import { createWeeklyDigestHandler } from '../../functions/weekly-digest';
import type { Cohort, Counselor } from '../../shared/domain/counselor';
import { memoryServices, type MemoryServices } from '../support/memory-services';
import { ensurePerson } from '../support/seed';

/**
 * The weekly schedule's handler: every organisation the store lists gets its digest, in one run;
 * a run repeated (Lambda's retry, Scheduler firing twice) sends nothing twice, and a failed digest
 * fails the run so that the retry sends exactly what is missing.
 */

const NOW = '2027-01-22T14:00:00.000Z';
let services: MemoryServices;

const counselor = (orgId: string, counselorId: string, weeklyDigest = true): Counselor => ({
  counselorId,
  orgId,
  email: `${counselorId}@${orgId}.example.org`,
  role: 'counselor',
  settings: { crisisAlerts: true, weeklyDigest },
  createdAt: NOW,
});
const cohort = (orgId: string, cohortId: string, name: string): Cohort => ({
  cohortId,
  orgId,
  name,
  season: 2027,
  sequenceIds: [],
  anchorOverrides: {},
  archived: false,
  createdAt: NOW,
  updatedAt: NOW,
});

beforeEach(async () => {
  services = memoryServices();
  services.at(NOW);
  const { counselors } = services;
  for (const [orgId, name] of [['org-a', 'Alpha Advising'], ['org-b', 'Beta Mentors']] as const) {
    await counselors.saveOrganisation({ orgId, name, createdAt: NOW });
  }
  await counselors.saveCounselor(counselor('org-a', 'c1'));
  await counselors.saveCounselor(counselor('org-a', 'c2', false));
  await counselors.saveCounselor(counselor('org-b', 'c9'));
  await counselors.saveCohort(cohort('org-a', 'k1', 'Lagos alumni'));
  await counselors.saveCohort(cohort('org-b', 'k2', 'Karachi cohort'));
  // Someone in each (a cohort nobody is in gets no digest).
  for (const [orgId, cohortId, personId] of [['org-a', 'k1', 'p-a'], ['org-b', 'k2', 'p-b']] as const) {
    await ensurePerson(services.store, personId);
    await counselors.saveCohortMember({ orgId, cohortId, personId, addedBy: 'c1', addedAt: NOW, status: 'active', consent: { state: 'pending', at: NOW } });
  }
  // Counselors and cohorts of an organisation never saved are not reached: it is not listed.
  await counselors.saveCounselor(counselor('org-ghost', 'c7'));
  await counselors.saveCohort(cohort('org-ghost', 'k7', 'Ghost cohort'));
});

test('one run sends each listed organisation’s digest to each counselor who wants it, and a second run sends nothing', async () => {
  const run = createWeeklyDigestHandler(Promise.resolve(services));
  expect(await run()).toEqual({ sent: 2, alreadySent: 0, busy: 0, failed: 0, orgsFailed: 0, organisations: 2 });
  expect(services.email.sent.map((e) => `${e.to} ${e.subject}`).sort()).toEqual([
    'c1@org-a.example.org Weekly digest: Lagos alumni',
    'c9@org-b.example.org Weekly digest: Karachi cohort',
  ]);
  expect(await run()).toMatchObject({ sent: 0, alreadySent: 2, failed: 0 });
  expect(services.email.sent).toHaveLength(2);
});

test('a digest that fails fails the run (so Lambda retries it); the retry sends only that one', async () => {
  const run = createWeeklyDigestHandler(Promise.resolve(services));
  services.email.failNext(1, { status: 'failed', retryable: true, code: 'provider_error', reason: 'provider busy' });
  await expect(run()).rejects.toThrow(/1 digest\(s\) and 0 organisation\(s\) failed/);
  expect(services.email.sent).toHaveLength(1);
  expect(await run()).toMatchObject({ sent: 1, alreadySent: 1, failed: 0 });
  expect(services.email.sent.map((e) => e.to).sort()).toEqual(['c1@org-a.example.org', 'c9@org-b.example.org']);
});

test('no organisations: nothing to do, and the run succeeds', async () => {
  const empty = memoryServices();
  expect(await createWeeklyDigestHandler(Promise.resolve(empty))()).toEqual({ sent: 0, alreadySent: 0, busy: 0, failed: 0, orgsFailed: 0, organisations: 0 });
});
