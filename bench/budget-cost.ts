import { createDynamoStore } from '../shared/adapters/dynamo/dynamo-store';
import { createDispatcher } from '../shared/app/dispatch/dispatcher';
import { enroll } from '../shared/app/scheduling/enroll';
import { shippedLibrary } from '../shared/app/scheduling/library';
import type { Library } from '../shared/app/scheduling/planning';
import { isBudgetReason } from '../shared/domain/budget';
import type { Message } from '../shared/domain/model';
import type { Sequence } from '../shared/domain/sequence';
import type { EmailSender, SmsSender } from '../shared/ports';
import { startDynamoLocal } from '../infra/local/dynamo-local';
import { freePort } from '../infra/local/net';
import { createContext } from './context';

/**
 * What the weekly budget costs on DynamoDB, measured on DynamoDB Local with the real store and
 * dispatcher: people joining on 2026-12-07 (J-1 in Lagos, phone and email) are walked through
 * four weeks twice, once with the budget (the shipped library) and once without it (the same
 * library with every step outside the budget, as before it existed). Reported per message sent:
 * write and read units on the dispatcher's path (claim, plan the next message, finish, drops
 * recorded on the way), and the size of a routine message's item, which carries the roster.
 * `npx tsx bench/budget-cost.ts [--people 40]`.
 */

const START = new Date('2026-12-07T10:00:00Z');
const UNTIL = new Date('2027-01-04T10:00:00Z');

/** The library as it was before the budget: every step outside it, so no lane carries a roster or drops anything. */
function withoutBudget(library: Library): Library {
  const sequences = new Map<string, Sequence>();
  for (const [id, s] of library.sequences) {
    sequences.set(id, { ...s, priority: 'service', steps: s.steps.map((step) => ({ ...step, priority: step.kind === 'deadline' ? 'deadline' : 'service' })) });
  }
  return { ...library, sequences };
}

/**
 * An item's size as DynamoDB counts it (its documented rules): each attribute's name plus its
 * value; strings in UTF-8 bytes, numbers about one byte per two digits plus one, booleans one,
 * maps and lists 3 bytes plus one per element plus their contents. A write costs one unit per KB.
 */
function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return Math.ceil(String(Math.abs(value)).replace('.', '').length / 2) + 1;
  if (typeof value === 'boolean') return 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
  if (value && typeof value === 'object') return 3 + Object.entries(value).reduce((sum, [k, v]) => (v === undefined ? sum : sum + 1 + Buffer.byteLength(k) + valueBytes(v)), 0);
  return 0;
}
const itemBytes = (message: Message) => valueBytes(message) - 3;

async function walk(endpoint: string, people: number, library: Library, label: string) {
  const ctx = createContext(endpoint, () => {});
  const table = await ctx.table(label);
  const units = { dispatchRead: 0, dispatchWrite: 0, setupRead: 0, setupWrite: 0 };
  const byOp: Record<string, { requests: number; read: number; write: number }> = {};
  // Only the dispatcher's own requests count as its path; the walk's look-ahead and the report do not.
  let phase: 'setup' | 'dispatch' | 'harness' = 'setup';
  const store = createDynamoStore({
    client: ctx.doc,
    tableName: table.tableName,
    onCapacity: (_op, read, write) => {
      if (phase === 'harness') return;
      if (phase === 'setup') (units.setupRead += read), (units.setupWrite += write);
      else {
        units.dispatchRead += read;
        units.dispatchWrite += write;
        const o = (byOp[_op] ??= { requests: 0, read: 0, write: 0 });
        o.requests++;
        o.read += read;
        o.write += write;
      }
    },
  });
  let now = START;
  const clock = { now: () => now };
  let sent = 0;
  const email: EmailSender = { send: async () => ({ status: 'sent', providerId: `e-${++sent}` }) };
  const sms: SmsSender = { send: async () => ({ status: 'sent', providerId: `s-${++sent}` }) };
  const deps = { store, clock, library, email, sms, settings: { leaseSeconds: 120, concurrency: 4, maxDurationMs: 60_000, postalAddress: 'Match Coach, 1 Bench St' } };
  const ids: string[] = [];
  for (let i = 0; i < people; i++) {
    const { personId } = await enroll(deps, {
      email: `p${i}@bench.example`, phone: `+234803${String(i).padStart(7, '0')}`, firstName: 'Tunde', timeZone: 'Africa/Lagos', season: 2027, visaTrack: 'j1', done: ['step1', 'step2ck', 'oet'],
    });
    ids.push(personId);
  }
  phase = 'dispatch';
  const dispatch = createDispatcher(deps);
  for (let tick = 0; tick < 5_000; tick++) {
    phase = 'harness';
    const [due] = await store.listDueMessages(UNTIL, 1);
    if (!due) break;
    now = new Date(Math.max(Date.parse(due.dueAt) + 30_000, now.getTime()));
    phase = 'dispatch';
    await dispatch();
  }
  phase = 'harness';
  const messages = (await Promise.all(ids.map((id) => store.listMessages(id)))).flat();
  const routine = messages.filter((m) => m.coaching);
  await table.drop();
  ctx.close();
  const sentMessages = messages.filter((m) => m.status === 'sent').length;
  return {
    label,
    people,
    sent: sentMessages,
    texts: messages.filter((m) => m.status === 'sent' && m.channel === 'sms').length,
    droppedByBudget: messages.filter((m) => m.status === 'skipped' && isBudgetReason(m.reason)).length,
    writeUnitsPerSent: +(units.dispatchWrite / sentMessages).toFixed(2),
    readUnitsPerSent: +(units.dispatchRead / sentMessages).toFixed(3),
    routineItemBytes: routine.length > 0 ? Math.round(routine.reduce((sum, m) => sum + itemBytes(m), 0) / routine.length) : 0,
    itemBytes: Math.round(messages.reduce((sum, m) => sum + itemBytes(m), 0) / messages.length),
    enrollWriteUnitsPerPerson: +(units.setupWrite / people).toFixed(1),
    enrollReadUnitsPerPerson: +(units.setupRead / people).toFixed(1),
    /** Per person and week: the fair comparison, since the budget sends fewer messages. */
    writeUnitsPerPersonWeek: +(units.dispatchWrite / people / 4).toFixed(1),
    readUnitsPerPersonWeek: +(units.dispatchRead / people / 4).toFixed(1),
    byOperation: Object.fromEntries(Object.entries(byOp).map(([op, o]) => [op, { requests: o.requests, read: +o.read.toFixed(1), write: +o.write.toFixed(1) }])),
  };
}

async function main() {
  const people = Number(process.argv[process.argv.indexOf('--people') + 1]) || 40;
  const dynamo = await startDynamoLocal({ port: await freePort() });
  try {
    const library = shippedLibrary();
    const before = await walk(dynamo.endpoint, people, withoutBudget(library), 'nobudget');
    const after = await walk(dynamo.endpoint, people, library, 'budget');
    console.log(JSON.stringify({ measuredAt: new Date().toISOString(), from: START, until: UNTIL, before, after }, null, 2));
  } finally {
    await dynamo.stop();
  }
}

void main();
