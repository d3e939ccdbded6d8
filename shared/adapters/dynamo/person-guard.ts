import { TransactionCanceledException, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PersonGone } from '../../domain/errors';
import { TABLE_DEFINITION, personKey } from './keys';
import type { TransactItem } from './stored-item';

/**
 * What makes "delete all my data" final in a table that many writers touch at once.
 *
 * Erasure first marks the person's profile (ERASING_ATTRIBUTE), then deletes everything in their
 * partition and everything that points at them. Every write that would add an item to that
 * partition, or a pointer to the person (an enrollment, a message, a journal entry, a safety
 * event and its alert, a plan, a notice claim, a cohort membership), is a transaction whose first
 * item is a condition on the profile: it is there and not marked. So a write either commits
 * before the mark, and erasure's query (which runs after the mark) finds and deletes it, or it
 * fails and raises PersonGone. Writes that change an existing item (a claim, a finish, a delivery
 * receipt) carry conditions that fail on a deleted item, so they cannot bring one back either.
 *
 * The price is a transaction instead of a plain put for those writes (BENCHMARKS.md gives the
 * units). Two transactions on one person at the same moment can conflict; they are tried again.
 */

export const ERASING_ATTRIBUTE = 'erasingAt';

const { partitionKey: PK } = TABLE_DEFINITION;

/** The condition every guarded write is made under: the profile exists and is not being erased. */
export function livingPersonCheck(tableName: string, personId: string): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: personKey(personId),
      ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#erasing)',
      ExpressionAttributeNames: { '#pk': PK, '#erasing': ERASING_ATTRIBUTE },
    },
  };
}

/** Conflicting transactions on one person are rare and short: a few quick tries settle them. */
const CONFLICT_TRIES = 6;

/**
 * Writes `items` only while the person lives (see above). True when written; false when one of
 * the items' own conditions failed (a message that exists already, a notice still held); throws
 * PersonGone when the person is not there.
 */
export async function writeForLivingPerson(
  doc: DynamoDBDocumentClient,
  tableName: string,
  personId: string,
  items: readonly TransactItem[],
  onCapacity?: (consumed: ConsumedCapacity[] | undefined) => void,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await doc.send(
        new TransactWriteCommand({ TransactItems: [livingPersonCheck(tableName, personId), ...items], ReturnConsumedCapacity: 'TOTAL' }),
      );
      onCapacity?.(out.ConsumedCapacity);
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const refused = reasons.some((reason) => reason.Code === 'ConditionalCheckFailed');
      // A refused transaction is still billed, but the error carries no ConsumedCapacity: count
      // the guard's read as a transactional write (two units), so refusals never look free.
      if (refused) onCapacity?.([{ TableName: tableName, CapacityUnits: 2 }]);
      if (reasons[0]?.Code === 'ConditionalCheckFailed') throw new PersonGone();
      if (refused) return false;
      const conflict = reasons.some((reason) => reason.Code === 'TransactionConflict');
      if (!conflict || attempt >= CONFLICT_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}
