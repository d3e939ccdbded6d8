/**
 * Adding people to a cohort, or bringing their membership up to date: one row at a time
 * (upsertMember, for a JSON list) or many rows in batched reads and writes (upsertMembers, for a
 * CSV import), with the same outcome for each row either way.
 */
import { isAcceptedMember, type CohortMember } from '../../domain/counselor';
import { mapWithConcurrency } from '../../domain/concurrency';
import { definedOnly } from '../scheduling/enroll';
import { linkMember } from '../engagement/engagement-counts';
import { replanPerson } from '../scheduling/replan';
import type { MemberBatch } from './member-batch';
import type { MemberInput, RowOutcome } from './member-input';
import { batchReads, isChange, planMember, storeReads, type MemberChange } from './plan-member';

/**
 * Adds one person to the batch's cohort, or brings the membership up to date. A person belongs to
 * themselves, so what happens depends on who holds the email or phone, and the answer does not:
 * 1. Nobody (or only someone erased): the organisation brings someone new. The person is created
 *    with `pending` consent per channel (source `counselor:<id>`, the invitation's words), their
 *    tracks and dates, and a pending membership that notes the organisation created them.
 * 2. Someone already with us: only a pending membership is written. No field of theirs changes,
 *    no contact is attached, and the organisation sees none of their records until they say yes to
 *    it (a join link to their own confirmed address). The email holder wins over the phone holder.
 *    Two exceptions, both about what is already the organisation's: its own record that the
 *    person never confirmed is corrected from the row; someone who said yes to the organisation
 *    before (another of its cohorts) is a member at once and gets the cohort's tracks.
 * 3. The outcome is `added` for a new membership, `updated` when the row differs from the one last
 *    given for this membership, `unchanged` when it is the same: the same answers whether or not
 *    the person existed, so a row tells the counselor nothing about anyone.
 * 4. Someone new is created only while nobody holds their email or phone: when a sign-up or a
 *    concurrent import got there first, the row is read again and becomes case 2.
 * Invitations go out apart (sendInvitations), so a large import is not held up by sending.
 */
export async function upsertMember(batch: MemberBatch, input: MemberInput): Promise<RowOutcome> {
  const reads = storeReads(batch.deps);
  for (let round = 1; ; round++) {
    const plan = await planMember(batch, input, reads);
    if (!isChange(plan)) return plan;
    if (!plan.create) return writeMemberChange(batch, plan);
    const { notCreated } = await batch.deps.store.createPeople([newPersonOf(plan)]);
    if (notCreated.length === 0) return memberWritten(batch, plan);
    // Someone else is creating them right now, or just did: give their write a moment, look again.
    if (round >= CREATE_ROUNDS) throw new Error('a new member kept colliding with someone being created with the same email or phone');
    await new Promise((resolve) => setTimeout(resolve, 20 * round));
  }
}

const newPersonOf = (plan: MemberChange) => ({
  person: plan.person!,
  enrollments: plan.enrollments,
  ...(plan.replacesLookupsOf.length > 0 && { replacesLookupsOf: plan.replacesLookupsOf }),
});

/** Reads before a new person is given up on: each round, someone else's write has landed or failed. */
const CREATE_ROUNDS = 5;

/** Rows whose people are read together: at most 200 lookups, two BatchGetItem requests. */
const READ_CHUNK = 100;
/**
 * Chunks in flight at once, and rows of a chunk whose changes are written at once (people found
 * who changed are written one request at a time). DynamoDB Local answers about twice as many
 * requests with 8 or more in flight than one at a time; much more only queues up on its side.
 */
const CHUNK_CONCURRENCY = 4;
const ROW_CONCURRENCY = 8;

/**
 * upsertMember for many rows (an import): the same outcome for each row, in far fewer requests.
 * 1. Rows are taken a chunk at a time; a chunk's lookups and the people they name are read in
 *    batches (Store.findPersonIds, getPeople), not one request each.
 * 2. Each row is planned exactly as upsertMember plans it, from those reads and the enrollments
 *    of the people found (Store.listEnrollmentsOf), also read for the whole chunk at once.
 * 3. The chunk's new people are created together, with their enrollments (Store.createPeople);
 *    other changes are written one by one, as upsertMember writes them.
 * 4. Rows the chunk cannot settle go through upsertMember, one at a time, once every chunk is
 *    done: a row naming a person another row already named (the first row's writes must come
 *    before it reads), and a new person someone else created meanwhile (read again, then case 2).
 * The rows should hold no duplicates (duplicateKeys); a duplicate would still come out right,
 * through step 4. Outcomes come back in the order of the inputs.
 */
export async function upsertMembers(batch: MemberBatch, inputs: readonly MemberInput[], onRowDone?: () => void): Promise<RowOutcome[]> {
  const { store } = batch.deps;
  const outcomes: RowOutcome[] = new Array(inputs.length);
  const settle = (index: number, outcome: RowOutcome) => {
    outcomes[index] = outcome;
    onRowDone?.();
  };
  const named = new Set<string>();
  const later: number[] = [];
  const chunks: number[][] = [];
  for (let start = 0; start < inputs.length; start += READ_CHUNK) chunks.push(Array.from({ length: Math.min(READ_CHUNK, inputs.length - start) }, (_, i) => start + i));

  let failed = false;
  await mapWithConcurrency(chunks, CHUNK_CONCURRENCY, async (chunk) => {
    // After a fault no new chunk starts: the error goes back at once, and a re-run does the rest.
    if (failed) return;
    try {
      await upsertChunk(chunk);
    } catch (error) {
      failed = true;
      throw error;
    }
  });
  for (const index of later.sort((a, b) => a - b)) settle(index, await upsertMember(batch, inputs[index]!));
  return outcomes;

  async function upsertChunk(chunk: readonly number[]): Promise<void> {
    const reads = await batchReads(batch.deps, chunk.map((index) => inputs[index]!));
    // No await in this loop: chunks in flight see each other's claims on a person at once.
    const ready = chunk.filter((index) => {
      const ids = reads.idsNamedBy(inputs[index]!);
      if (ids.some((id) => named.has(id))) {
        later.push(index);
        return false;
      }
      for (const id of ids) named.add(id);
      return true;
    });
    const fresh: { index: number; change: MemberChange }[] = [];
    await mapWithConcurrency(ready, ROW_CONCURRENCY, async (index) => {
      const plan = await planMember(batch, inputs[index]!, reads);
      if (!isChange(plan)) settle(index, plan);
      else if (!plan.create) settle(index, await writeMemberChange(batch, plan));
      else fresh.push({ index, change: plan });
    });
    if (fresh.length === 0) return;
    const notCreated = new Set((await store.createPeople(fresh.map(({ change }) => newPersonOf(change)))).notCreated);
    for (const { index, change } of fresh) {
      if (notCreated.has(change.person!.personId)) later.push(index);
      else settle(index, await memberWritten(batch, change));
    }
  }
}

/** Writes a change to someone already stored, one request at a time. */
async function writeMemberChange(batch: MemberBatch, change: MemberChange): Promise<RowOutcome> {
  const { store } = batch.deps;
  if (change.person) await store.savePerson(change.person);
  for (const enrollment of change.enrollments) await store.saveEnrollment(enrollment);
  return memberWritten(batch, change);
}

/** Step 5, once the person and their enrollments are written: the membership, a re-plan, the outcome. */
async function memberWritten(batch: MemberBatch, change: MemberChange): Promise<RowOutcome> {
  const { deps } = batch;
  const { member, notes } = change;
  if (batch.memberSink) batch.memberSink(member);
  else {
    await deps.counselors.saveCohortMember(member);
    await linkIfAccepted(batch, [member]);
  }
  if (change.replan) await replanPerson({ store: deps.store, clock: deps.clock, library: batch.library }, member.personId);
  return { status: change.outcome, personId: member.personId, ...(notes.length && { notes }) };
}

/**
 * Someone who said yes to the organisation before is a member at once (planMember): their
 * engagement joins the new cohort's figures as it is written.
 */
export async function linkIfAccepted(batch: Pick<MemberBatch, 'deps' | 'library'>, members: readonly CohortMember[]): Promise<void> {
  const { deps } = batch;
  if (!deps.engagement) return;
  for (const member of members) {
    if (!isAcceptedMember(member)) continue;
    await linkMember({ engagement: deps.engagement, store: deps.store, clock: deps.clock, library: batch.library, ...definedOnly({ log: deps.log }) }, member);
  }
}
