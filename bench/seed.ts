import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DateTime } from 'luxon';
import { dueKey, enrollmentKey, messageKey, personKey, seasonMemberKey } from '../shared/adapters/dynamo/keys';
import { isFinal, type Message } from '../shared/domain/model';

/**
 * Fast seeding for the benchmark: BatchWriteItem, 25 items a request, many requests in flight over
 * a keep-alive agent. Items are laid out exactly as the Dynamo store lays them out (keys.ts), and
 * run.ts reads a sample back through the store to prove it.
 */

type Item = Record<string, unknown>;

/** The table item of a message, as dynamo-store.ts's messageItem builds it. */
export function messageItem(message: Message): Item {
  const { personId, messageId, ...fields } = message;
  const due = message.dueAt !== undefined && !isFinal(message.status) ? dueKey(message, message.dueAt) : {};
  return { ...stripUndefined(fields), ...messageKey(personId, messageId), ...due };
}

function stripUndefined(value: Record<string, unknown>): Item {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

export const PROFILE = { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' } as const;

/** Match Day 2027 (19 March) at 12:00 in New York: 16:00 UTC (US clocks moved on 14 March). */
export const MATCH_DAY_NOON = DateTime.fromISO('2027-03-19T12:00', { zone: 'America/New_York' }).toJSDate();

const pad = (i: number) => String(i).padStart(7, '0');
const subscriberId = (i: number) => `bench-${pad(i)}`;
const phoneOf = (i: number) => `+1555${pad(i)}`;
const emailOf = (i: number) => `s${pad(i)}@bench.example`;

/**
 * Subscriber i's Match Day message on one channel, due at `dueAt`: the real match-week step, so
 * the dispatcher renders, plans and sends exactly what it would on the day (Match Week steps are
 * urgent, so they sit in the urgent queues).
 */
export function matchDayMessage(i: number, channel: 'sms' | 'email', dueAt: Date): Message {
  const enrollmentId = `${subscriberId(i)}-mw`;
  const at = dueAt.toISOString();
  return {
    personId: subscriberId(i),
    messageId: `${enrollmentId}.match-day.once.${channel}`,
    enrollmentId,
    sequenceId: 'match-week',
    stepId: 'match-day',
    channel,
    to: channel === 'sms' ? phoneOf(i) : emailOf(i),
    zone: 'America/New_York',
    firstName: 'Sam',
    anchors: { enrolled: '2026-06-01T12:00:00.000Z' },
    profile: { ...PROFILE, done: [] },
    quietHours: { start: '21:00', end: '08:00' },
    sendAt: at,
    urgent: true,
    status: 'planned',
    dueAt: at,
    attempts: [],
    updatedAt: '2027-03-18T12:00:00.000Z',
  };
}

/**
 * Subscriber i's profile, as signing up and confirming both channels leaves it: the dispatcher
 * reads it at send time (consent, pauses), and a message whose person is not there is not sent.
 */
export function personItem(i: number): Item {
  return {
    ...personKey(subscriberId(i)),
    firstName: 'Sam',
    email: emailOf(i),
    phone: phoneOf(i),
    timeZone: 'America/New_York',
    consent: {
      email: { state: 'confirmed', source: 'web', at: '2026-06-01T12:00:00.000Z', text: 'Coaching emails from Match Coach.' },
      sms: { state: 'confirmed', source: 'web', at: '2026-06-01T12:00:00.000Z', text: 'Coaching texts from Match Coach.' },
    },
    profile: { ...PROFILE, done: [] },
    createdAt: '2026-06-01T12:00:00.000Z',
  };
}

/**
 * An enrolled person with nothing due now: profile, season membership, an enrollment, and the
 * next planned SMS and email of a routine lane, due some time in the week after `from`.
 */
export function enrolledPersonItems(i: number, from: Date): Item[] {
  const personId = subscriberId(i);
  const enrollmentId = `${personId}-gs`;
  const offset = (channelShift: number) => new Date(from.getTime() + 3_600_000 + (((i * 7919 + channelShift) % 604_800) * 1000));
  const future = (channel: 'sms' | 'email'): Message => {
    const at = offset(channel === 'sms' ? 0 : 4_321).toISOString();
    return {
      personId,
      messageId: `${enrollmentId}.rest-evening.once.${channel}`,
      enrollmentId,
      sequenceId: 'getting-started',
      stepId: 'rest-evening',
      channel,
      to: channel === 'sms' ? phoneOf(i) : emailOf(i),
      zone: 'America/New_York',
      firstName: 'Sam',
      anchors: { enrolled: '2026-06-01T12:00:00.000Z' },
      profile: { ...PROFILE, done: [] },
      sendAt: at,
      status: 'planned',
      dueAt: at,
      attempts: [],
      updatedAt: '2027-03-18T12:00:00.000Z',
    };
  };
  return [
    personItem(i),
    seasonMemberKey(2027, personId),
    { ...enrollmentKey(personId, enrollmentId), sequenceId: 'getting-started', anchors: { enrolled: '2026-06-01T12:00:00.000Z' }, enrolledAt: '2026-06-01T12:00:00.000Z', status: 'active' },
    messageItem(future('sms')),
    messageItem(future('email')),
  ];
}

export interface SeedResult {
  items: number;
  seconds: number;
  writeUnits: number;
}

const MAX_UNPROCESSED_ROUNDS = 20;

/** Writes `count` items built by `itemsFor(i)`, 25 a request, `concurrency` requests in flight. */
export async function batchPut(
  doc: DynamoDBDocumentClient,
  tableName: string,
  count: number,
  itemsFor: (i: number) => Item[],
  options: { concurrency: number; onProgress?: (done: number) => void },
): Promise<SeedResult> {
  const started = performance.now();
  let next = 0;
  let written = 0;
  let writeUnits = 0;
  let pending: Item[] = [];
  const take = (): Item[] | undefined => {
    while (pending.length < 25 && next < count) pending.push(...itemsFor(next++));
    if (pending.length === 0) return undefined;
    const batch = pending.slice(0, 25);
    pending = pending.slice(25);
    return batch;
  };
  const worker = async () => {
    for (let batch = take(); batch; batch = take()) {
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let round = 0; requests.length > 0; round++) {
        if (round >= MAX_UNPROCESSED_ROUNDS) throw new Error('DynamoDB Local kept items unprocessed');
        const out = await doc.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: requests }, ReturnConsumedCapacity: 'TOTAL' }),
        );
        for (const c of out.ConsumedCapacity ?? []) writeUnits += c.CapacityUnits ?? 0;
        const left = out.UnprocessedItems?.[tableName] ?? [];
        written += requests.length - left.length;
        requests = left as typeof requests;
        if (left.length > 0) await new Promise((r) => setTimeout(r, 50 * (round + 1)));
      }
      options.onProgress?.(written);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { items: written, seconds: (performance.now() - started) / 1000, writeUnits };
}
