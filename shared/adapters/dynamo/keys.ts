/**
 * The one place that knows how Match Coach's records are keyed in its single DynamoDB table.
 * The CDK table and the local table are both built from TABLE_DEFINITION below.
 *
 * Access patterns (every list is a Query on a designed key; nothing Scans):
 *
 * | access pattern                              | index      | key condition                                  |
 * |---------------------------------------------|------------|------------------------------------------------|
 * | get a person                                | table      | pk = PERSON#<personId>, sk = PROFILE           |
 * | find a person by phone (inbound SMS, 21610) | table      | pk = PHONE#<e164>, sk = LOOKUP                 |
 * | find a person by email                      | table      | pk = EMAIL#<address>, sk = LOOKUP              |
 * | a person's enrollments                      | table      | pk = PERSON#<personId>, sk begins_with ENROLL# |
 * | a person's messages (history, cancel)       | table      | pk = PERSON#<personId>, sk begins_with MSG#    |
 * | get / claim / finish one message            | table      | pk = PERSON#<personId>, sk = MSG#<messageId>   |
 * | messages due now (dispatcher)               | due (GSI)  | duePk = DUE#<shard>, dueSk <= <now ISO>~       |
 * | people in a season (re-plan on a calendar   | table      | pk = SEASON#<year>, sk begins_with PERSON#     |
 * |   correction)                               |            |                                                |
 * | the operator's calendar corrections         | table      | pk = CALENDAR (sk = SEASON#<year>#<event>)     |
 *
 * The due index is sparse: only messages still to go out carry duePk/dueSk, so a tick reads what
 * is due, never who is enrolled. It is write-sharded over DUE_SHARDS partitions so that a Match
 * Day burst spreads its writes; the dispatcher queries every shard.
 */

export const DUE_INDEX = 'due';
export const DUE_SHARDS = 8;

export const TABLE_DEFINITION = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  dueIndex: { name: DUE_INDEX, partitionKey: 'duePk', sortKey: 'dueSk' },
} as const;

export const personKey = (personId: string) => ({ pk: `PERSON#${personId}`, sk: 'PROFILE' });
export const phoneLookupKey = (phone: string) => ({ pk: `PHONE#${phone}`, sk: 'LOOKUP' });
export const emailLookupKey = (email: string) => ({ pk: `EMAIL#${email.toLowerCase()}`, sk: 'LOOKUP' });
export const enrollmentKey = (personId: string, enrollmentId: string) => ({
  pk: `PERSON#${personId}`,
  sk: `ENROLL#${enrollmentId}`,
});
export const ENROLLMENT_PREFIX = 'ENROLL#';
export const messageKey = (personId: string, messageId: string) => ({ pk: `PERSON#${personId}`, sk: `MSG#${messageId}` });
export const MESSAGE_PREFIX = 'MSG#';
export const personPk = (personId: string) => `PERSON#${personId}`;
export const seasonMemberKey = (season: number, personId: string) => ({ pk: `SEASON#${season}`, sk: `PERSON#${personId}` });
export const seasonPk = (season: number) => `SEASON#${season}`;
export const calendarKey = (season: number, event: string) => ({ pk: 'CALENDAR', sk: `SEASON#${season}#${event}` });
export const CALENDAR_PK = 'CALENDAR';

/** A stable shard for a message, so the same message always lands in the same due partition. */
export function dueShard(messageId: string): number {
  let hash = 0;
  for (let i = 0; i < messageId.length; i++) hash = (hash * 31 + messageId.charCodeAt(i)) >>> 0;
  return hash % DUE_SHARDS;
}

/**
 * Due keys: sorted by time, then by message id so equal times stay distinct. The time is written
 * in toISOString's form (UTC, milliseconds) whatever form it came in, because ISO strings only
 * sort like instants when they share one form, and dueUpperBound compares against that form.
 */
export const dueKey = (messageId: string, dueAt: string | Date) => ({
  duePk: dueShardPk(dueShard(messageId)),
  dueSk: `${new Date(dueAt).toISOString()}#${messageId}`,
});
export const dueShardPk = (shard: number) => `DUE#${shard}`;
/** Upper bound for "due at or before now": '~' sorts after every character in a message id. */
export const dueUpperBound = (now: Date) => `${now.toISOString()}#~`;

/** Reverses dueKey's sort key: the due time is everything before the first '#' (ISO has none). */
export function parseDueSk(dueSk: string): { dueAt: string; messageId: string } {
  const cut = dueSk.indexOf('#');
  if (cut < 0) throw new Error(`not a due sort key: ${dueSk}`);
  return { dueAt: dueSk.slice(0, cut), messageId: dueSk.slice(cut + 1) };
}

/** Ids are read back from the keys rather than stored twice in every item (item size is billed). */
const PERSON_PREFIX = 'PERSON#';
function stripPrefix(value: string, prefix: string): string {
  if (!value.startsWith(prefix)) throw new Error(`expected a key starting with ${prefix}, got ${value}`);
  return value.slice(prefix.length);
}
export const personIdFromPk = (pk: string) => stripPrefix(pk, PERSON_PREFIX);
export const messageIdFromSk = (sk: string) => stripPrefix(sk, MESSAGE_PREFIX);
export const enrollmentIdFromSk = (sk: string) => stripPrefix(sk, ENROLLMENT_PREFIX);
