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
 * | many people's enrollments (an import)       | table      | PartiQL: pk IN (PERSON#<personId>, ... at most |
 * |                                             |            |   50), sk begins_with ENROLL#: no scan         |
 * | a person's messages (history, cancel)       | table      | pk = PERSON#<personId>, sk begins_with MSG#    |
 * | get / claim / finish one message            | table      | pk = PERSON#<personId>, sk = MSG#<messageId>   |
 * | messages due now on a channel, urgent ones  | due (GSI)  | duePk = DUE#<channel>#<U or R>#<shard>,        |
 * |   apart (dispatcher)                        |            |   dueSk <= <now ISO>#~                         |
 * | people in a season (re-plan on a calendar   | table      | pk = SEASON#<year>, sk begins_with PERSON#     |
 * |   correction)                               |            |                                                |
 * | the operator's calendar corrections         | table      | pk = CALENDAR (sk = SEASON#<year>#<event>)     |
 * | inbound SMS seen before? (replay dedupe)    | table      | pk = INBOUND#<MessageSid>, sk = SEEN           |
 * | a person's journal (their own texts)        | table      | pk = PERSON#<personId>,                        |
 * |                                             |            |   sk begins_with JOURNAL#                      |
 * | the answers to one of our texts (check-in)  | table      | pk = PERSON#<personId>,                        |
 * |                                             |            |   sk begins_with JOURNAL#<messageId>#          |
 * | a person's safety events (flags, holds)     | table      | pk = PERSON#<personId>, sk begins_with SAFETY# |
 * | risk/distress alerts of a month (counselor  | table      | pk = ALERT#<yyyy-mm>, newest first             |
 * |   and operator view)                        |            |   (sk = <at ISO>#<personId>#<eventId>)         |
 * | who works a due queue now (dispatchers)     | table      | pk = LEASE#<due queue>, sk = LEASE (TTL)       |
 * | a channel's send budget in one pacing       | table      | pk = RATE#<channel>#<windowMs>#<window>,       |
 * |   window or day (every dispatcher shares it)|            |   sk = COUNT (TTL: gone an hour after)         |
 * | was this confirmation link used? (single    | table      | pk = NONCE#<nonce>, sk = USED                  |
 * |   use; TTL: gone when the link expires)     |            |                                                |
 * | may we send this person a notice again?     | table      | pk = PERSON#<personId>, sk = NOTICE#<notice>   |
 * |   (sign-up form flood guard; TTL)           |            |                                                |
 * | a person's own plan (deadlines,             | table      | pk = PERSON#<personId>, sk = PLAN              |
 * |   internal deadlines, goals)                |            |                                                |
 * | a person's WhatsApp window (the dispatcher, | table      | pk = PERSON#<personId>, sk = WINDOW#whatsapp   |
 * |   once per WhatsApp message)                |            |                                                |
 * | erase a person: everything in their         | table      | pk = PERSON#<personId> (all sk), then the      |
 * |   partition, then what points at them       |            |   lookups, season row and ALERT# rows it names |
 * | an organisation                             | table      | pk = ORG#<orgId>, sk = PROFILE                 |
 * | every organisation's id (the weekly digest) | table      | pk = ORGS, sk begins_with ORG#                 |
 * |   (written with the organisation)           |            |   (ids only)                                   |
 * | an org's counselors / one counselor         | table      | pk = ORG#<orgId>, sk begins_with COUNSELOR#    |
 * | an org's cohorts / one cohort               | table      | pk = ORG#<orgId>, sk begins_with COHORT#       |
 * | a cohort's members / one member             | table      | pk = COHORT#<orgId>#<cohortId>,                |
 * |                                             |            |   sk begins_with MEMBER#                       |
 * | a person's cohorts, any org (crisis alerts, | table      | pk = PERSON#<personId>,                        |
 * |   erasure)                                  |            |   sk begins_with COHORT#                       |
 * | an org's audit log, newest first            | table      | pk = AUDIT#<orgId>, sk = <at ISO>#<auditId>    |
 * | was this counselor notification sent? (crisis| table      | pk = NOTIFY#<notification key>, sk = NOTIFY    |
 * |   alert, weekly digest; lease, then sent)   |            |   (TTL: gone after NOTIFICATION_KEEP_DAYS)     |
 *
 * The due index is sparse: only messages still to go out carry duePk/dueSk, so a tick reads what
 * is due, never who is enrolled. Its partitions are queues: one set per channel, because each
 * channel drains at its own provider's pace (a backlog of emails must not hold up texts), and
 * urgent messages (shared/domain/urgency.ts) apart from routine ones, so a dispatcher short of
 * budget reads the urgent queues first without reading anything else. Each set is write-sharded
 * over DUE_SHARDS partitions so that a Match Day burst spreads its writes. A message keeps its
 * due key while claimed: the claim is then one item write with no index write (the lease, not
 * the key, keeps other dispatchers off it), and the key leaves the index when the message ends.
 */

const DUE_INDEX = 'due';
const DUE_SHARDS = 8;

export const TABLE_DEFINITION = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  dueIndex: { name: DUE_INDEX, partitionKey: 'duePk', sortKey: 'dueSk' },
} as const;

/**
 * The condition of a write that may only create: nothing is at the item's key yet. Claims (a
 * webhook's id, a token's nonce) and first writes (a person, a plan, a member row) all rest on it.
 */
export const ifAbsent = () => ({ ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE_DEFINITION.partitionKey } as Record<string, string> });

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
function dueShard(messageId: string): number {
  let hash = 0;
  for (let i = 0; i < messageId.length; i++) hash = (hash * 31 + messageId.charCodeAt(i)) >>> 0;
  return hash % DUE_SHARDS;
}

/**
 * Due sort keys: sorted by time, then by message id so equal times stay distinct. The time is
 * written in toISOString's form (UTC, milliseconds) whatever form it came in, because ISO strings
 * only sort like instants when they share one form, and dueUpperBound compares against that form.
 */
export const dueSortKey = (messageId: string, dueAt: string | Date) => `${new Date(dueAt).toISOString()}#${messageId}`;
/** The due partition (queue) of a channel, urgent or routine, and shard. */
const dueQueue = (channel: string, urgent: boolean, shard: number) => `DUE#${channel}#${urgent ? 'U' : 'R'}#${shard}`;
export const dueKey = (message: { messageId: string; channel: string; urgent?: boolean }, dueAt: string | Date) => ({
  duePk: dueQueue(message.channel, message.urgent === true, dueShard(message.messageId)),
  dueSk: dueSortKey(message.messageId, dueAt),
});
/** Which dispatcher works a due queue for the next few seconds (advisory; TTL removes old ones). */
export const dueQueueLeaseKey = (queue: string) => ({ pk: `LEASE#${queue}`, sk: 'LEASE' });
/** Every due queue of a channel, urgent ones apart. */
export const dueQueuesOf = (channel: string) => ({
  urgent: Array.from({ length: DUE_SHARDS }, (_, shard) => dueQueue(channel, true, shard)),
  routine: Array.from({ length: DUE_SHARDS }, (_, shard) => dueQueue(channel, false, shard)),
});
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

// ---- SMS conversation ---------------------------------------------------------
//
// Inbound dedupe: one item per MessageSid in a partition of its own (no hot key, whatever the
// burst), with only the sid and the time: no personal data, so erasure need not find it. It
// expires after INBOUND_DEDUPE_DAYS through the table's TTL; a captured webhook replayed later
// than that would be processed again, a risk judged smaller than keeping every sid forever.
//
// Journal and safety events live in the person's own partition, so "delete all my data" finds
// them with the rest, and under prefixes no dispatcher query reads (MSG#, ENROLL#, the due index).
// A journal entry's sort key starts with the id of our text it answered, so "has this check-in
// been answered?" is a Query on a prefix, not a read of the whole journal.
//
// Alerts are grouped by UTC month: an operator or counselor view reads the current month (and the
// last) newest first. Flags are rare, so a month's partition never runs hot. An alert carries ids
// and the rule only; erasing a person deletes their alerts through the keys in their SAFETY#
// events (alertKey).

export const INBOUND_DEDUPE_DAYS = 400;
export const inboundSmsKey = (messageSid: string) => ({ pk: `INBOUND#${messageSid}`, sk: 'SEEN' });

export const JOURNAL_PREFIX = 'JOURNAL#';
/** Marks a journal entry that answered none of our texts (nothing sent yet). */
const NO_REPLY_TARGET = '-';
export const journalKey = (personId: string, inReplyTo: string | undefined, entryId: string) => ({
  pk: `PERSON#${personId}`,
  sk: `${JOURNAL_PREFIX}${inReplyTo ?? NO_REPLY_TARGET}#${entryId}`,
});
export const journalRepliesPrefix = (inReplyTo: string) => `${JOURNAL_PREFIX}${inReplyTo}#`;
/** Entry ids (MessageSids) hold no '#', so the id is what follows the last one. */
export const journalEntryIdFromSk = (sk: string) => {
  stripPrefix(sk, JOURNAL_PREFIX);
  return sk.slice(sk.lastIndexOf('#') + 1);
};

export const SAFETY_PREFIX = 'SAFETY#';
export const safetyEventKey = (personId: string, at: string, eventId: string) => ({
  pk: `PERSON#${personId}`,
  sk: `${SAFETY_PREFIX}${new Date(at).toISOString()}#${eventId}`,
});
export const safetyEventIdFromSk = (sk: string) => sk.slice(sk.lastIndexOf('#') + 1);

/** The UTC month of an instant, `yyyy-mm`: the alert partition it belongs to. */
const alertMonthOf = (at: string) => new Date(at).toISOString().slice(0, 7);
export const alertPk = (month: string) => `ALERT#${month}`;
export const alertKey = (at: string, personId: string, eventId: string) => ({
  pk: alertPk(alertMonthOf(at)),
  sk: `${new Date(at).toISOString()}#${personId}#${eventId}`,
});

// ---- Send budgets -------------------------------------------------------------------------
//
// One counter item per channel and pacing window (about a second) or day: every dispatcher adds to
// the same item, so together they stay under the provider's rate (shared/domain/pacing.ts). A
// window's item has its own partition key, so no partition ever holds more than one window's
// writes (a few per second: slots are taken a quarter of a window at a time); TTL removes it, at
// no write cost, an hour after its window (two days after for a day's quota counter).
export const rateCounterKey = (channel: string, windowMs: number, window: number) => ({
  pk: `RATE#${channel}#${windowMs}#${window}`,
  sk: 'COUNT',
});
/** Epoch seconds at which a counter may go: well after its window ended. */
export const rateCounterExpiry = (windowMs: number, window: number) =>
  Math.ceil(((window + 1) * windowMs) / 1000) + (windowMs >= 86_400_000 ? 2 * 86_400 : 3_600);

// ---- Email subscription -----------------------------------------------------
//
// A confirmation link's nonce is spent with a conditional put in a partition of its own: the item
// holds the nonce and an expiry only (no personal data; TTL removes it once the link has expired
// anyway), so it need not be found by erasure. Notices (the flood guard on the sign-up form) live
// in the person's partition under NOTICE#, a prefix no other query reads, so erasure takes them.

export const tokenNonceKey = (nonce: string) => ({ pk: `NONCE#${nonce}`, sk: 'USED' });
const NOTICE_PREFIX = 'NOTICE#';
export const noticeKey = (personId: string, notice: string) => ({ pk: `PERSON#${personId}`, sk: `${NOTICE_PREFIX}${notice}` });

// ---- A person's own plan ------------------------------------------------------------------
//
// | access pattern                         | index | key condition                          |
// |----------------------------------------|-------|----------------------------------------|
// | get / save a person's plan             | table | pk = PERSON#<personId>, sk = PLAN      |
//
// One item per person, in their own partition: erasure ("delete all my data") takes it with the
// rest, and no dispatcher query reads it (it is not under MSG#, ENROLL# or in the due index). The
// plan is small by design (README: limits), far below the 400 KB item limit. Saves are
// conditional on the version read (updatedAt), so a web edit and an SMS GOAL arriving together
// cannot overwrite each other. The enrollments a plan asks for are ordinary ENROLL# items with
// ids starting `plan-` (shared/domain/plan.ts).
const PLAN_SK = 'PLAN';
export const planKey = (personId: string) => ({ pk: `PERSON#${personId}`, sk: PLAN_SK });

// ---- The WhatsApp window --------------------------------------------------------------------------
//
// | access pattern                              | index | key condition                            |
// |---------------------------------------------|-------|------------------------------------------|
// | a person's WhatsApp window (last message to | table | pk = PERSON#<personId>, sk = WINDOW#whatsapp |
// |   us, when WhatsApp said it was closed)     |       |                                          |
//
// One small item per person, in their own partition (erasure takes it), apart from the profile so
// that noting an inbound message never rewrites the profile (a save of the profile made at the
// same moment would otherwise lose one of the two). The dispatcher reads it once per WhatsApp
// message: the only read it makes for coaching besides the message itself.
const WHATSAPP_WINDOW_SK = 'WINDOW#whatsapp';
export const whatsappWindowKey = (personId: string) => ({ pk: `PERSON#${personId}`, sk: WHATSAPP_WINDOW_SK });

// ---- Counselors ---------------------------------------------------------------------------
//
// An organisation's own records (profile, counselors, cohorts) share its partition: a handful of
// items read together on every dashboard page. A cohort's members get a partition per cohort, so a
// 10,000-person import writes where no org-wide read looks. Each membership has a twin in the
// person's partition (COHORT#<orgId>#<cohortId>), written in the same transaction: that is how a
// crisis flag finds the person's counselors without a scan, and how erasure finds the member rows
// (the person's partition goes with the rest of them). Ids never hold '#' (shared/domain/counselor.ts
// RecordId), so the prefixes cannot collide. The audit log holds ids and counts only, newest first.

export const orgPk = (orgId: string) => `ORG#${orgId}`;
export const organisationKey = (orgId: string) => ({ pk: orgPk(orgId), sk: 'PROFILE' });
// Every organisation's id in one partition, so the weekly digest lists them with a Query (never a
// Scan, which no function may run). Written in the same transaction as the profile. One partition
// is plenty: a row per organisation (hundreds, not millions), read once a week, written when an
// organisation is saved.
export const ORGANISATIONS_PK = 'ORGS';
export const ORGANISATION_INDEX_PREFIX = 'ORG#';
export const organisationIndexKey = (orgId: string) => ({ pk: ORGANISATIONS_PK, sk: `${ORGANISATION_INDEX_PREFIX}${orgId}` });
export const COUNSELOR_PREFIX = 'COUNSELOR#';
export const counselorKey = (orgId: string, counselorId: string) => ({ pk: orgPk(orgId), sk: `${COUNSELOR_PREFIX}${counselorId}` });
export const COHORT_PREFIX = 'COHORT#';
export const cohortKey = (orgId: string, cohortId: string) => ({ pk: orgPk(orgId), sk: `${COHORT_PREFIX}${cohortId}` });
export const cohortMembersPk = (orgId: string, cohortId: string) => `COHORT#${orgId}#${cohortId}`;
export const MEMBER_PREFIX = 'MEMBER#';
export const cohortMemberKey = (orgId: string, cohortId: string, personId: string) => ({
  pk: cohortMembersPk(orgId, cohortId),
  sk: `${MEMBER_PREFIX}${personId}`,
});
/** The person's pointer to a membership, in their own partition. */
export const personCohortKey = (personId: string, orgId: string, cohortId: string) => ({
  pk: personPk(personId),
  sk: `${COHORT_PREFIX}${orgId}#${cohortId}`,
});
export const auditPk = (orgId: string) => `AUDIT#${orgId}`;
export const auditKey = (orgId: string, at: string, auditId: string) => ({
  pk: auditPk(orgId),
  sk: `${new Date(at).toISOString()}#${auditId}`,
});

// ---- Counselor notifications (alerts and digests) -----------------------------------------
//
// One item per notification (a crisis alert to one counselor for one flagged text, a weekly digest
// of one cohort to one counselor for one week), in a partition of its own: the claim that makes it
// go once is a conditional put on that item alone. Keys hold ids only (event ids, counselor and
// cohort ids, a week), never a name or an address, so erasure need not find them; TTL removes them
// long after any retry could come.
export const NOTIFICATION_KEEP_DAYS = 400;
export const notificationKey = (key: string) => ({ pk: `NOTIFY#${key}`, sk: 'NOTIFY' });

// ---- Anonymous forms -------------------------------------------------------------------------------
//
// | access pattern                                   | index | key condition                        |
// |--------------------------------------------------|-------|--------------------------------------|
// | a public form budget in one window (sign-up caps | table | pk = LIMIT#<budget key>#<window>,    |
// |   per client, per number prefix, overall)        |       |   sk = COUNT (TTL: a day after)      |
//
// Budget keys hold a hashed client address or a number's prefix, never a whole address or number
// (shared/domain/public-forms.ts). One partition per budget and window, so no hot key beyond the
// overall counter, which takes one write per form post.
export const formLimitKey = (budget: string, window: number) => ({ pk: `LIMIT#${budget}#${window}`, sk: 'COUNT' });

// ---- Engagement: a member's counts and what they add to their cohorts --------------------------------
//
// | access pattern                                  | index | key condition                                  |
// |-------------------------------------------------|-------|------------------------------------------------|
// | a person's engagement counts (one item)         | table | pk = PERSON#<personId>, sk = STATS             |
// | many people's counts (a page of members)        | table | BatchGetItem of the above                      |
// | a cohort's totals (summed over its shards)      | table | pk = COHORT#<orgId>#<cohortId>,                |
// |                                                 |       |   sk = TOTALS#<0..7> (BatchGetItem)            |
// | one member's link to a cohort's totals          | table | same pk, sk = LINK#<personId>                  |
// | a cohort's flagged members, newest first        | table | same pk, sk begins_with FLAG# (descending)     |
// | a cohort's quiet members, quiet since before t  | table | same pk, sk between QUIET# and QUIET#<t>#~     |
// | a cohort's members by first name (exact)        | table | same pk, sk begins_with NAME#<name>#           |
// | what an organisation's counselors noted after   | table | pk = PERSON#<personId>,                        |
// |   reaching a member, newest first               |       |   sk begins_with CONTACT#<orgId>#              |
//
// The counts live in the person's partition, so erasure takes them; each write that could create
// them is guarded like every other (person-guard.ts). A cohort's totals, links and index entries
// live in the cohort's own partition next to its members (MEMBER#), under prefixes no member query
// reads. Totals are spread over TOTALS_SHARDS items by person, so concurrent changes for different
// members rarely touch the same item (transactions on one item conflict); a page view reads all
// shards in one BatchGetItem. The member counts by answer (`members.pending` ...) are added to the
// same items by the counselor store as memberships are written (cohort-member-repository.ts). Index entries hold only the person
// id (and the sort key's instant or name); a link holds counters, never words.
const STATS_SK = 'STATS';
export const statsKey = (personId: string) => ({ pk: personPk(personId), sk: STATS_SK });
const TOTALS_PREFIX = 'TOTALS#';
export const cohortTotalsKey = (orgId: string, cohortId: string, shard: number) => ({ pk: cohortMembersPk(orgId, cohortId), sk: `${TOTALS_PREFIX}${shard}` });
const LINK_PREFIX = 'LINK#';
export const cohortLinkKey = (orgId: string, cohortId: string, personId: string) => ({ pk: cohortMembersPk(orgId, cohortId), sk: `${LINK_PREFIX}${personId}` });
/** Index entries' sort keys come from shared/domain/engagement.ts (flagIndexKey, quietIndexKey, nameIndexKey). */
export const cohortIndexKey = (orgId: string, cohortId: string, sk: string) => ({ pk: cohortMembersPk(orgId, cohortId), sk });
const CONTACT_PREFIX = 'CONTACT#';
export const contactNotesPrefix = (orgId: string) => `${CONTACT_PREFIX}${orgId}#`;
export const contactNoteKey = (personId: string, orgId: string, at: string, noteId: string) => ({
  pk: personPk(personId),
  sk: `${contactNotesPrefix(orgId)}${new Date(at).toISOString()}#${noteId}`,
});
