import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { ConversationWindowStore } from '../../ports';
import { TABLE_DEFINITION, whatsappWindowKey } from './keys';
import type { DynamoContext } from './dynamo-context';
import { parseItem } from './stored-item';

/** Both times are written by this adapter alone, from `toISOString`. */
const StoredWindow = z.object({ lastInboundAt: z.string().optional(), closedAt: z.string().optional() });

/**
 * A person's WhatsApp window in the single table: one item at PERSON#<id> / WINDOW#whatsapp
 * (keys.ts). Noting an inbound message is a guarded transaction (person-guard.ts): it lands only
 * while the person lives, so a message racing "delete all my data" leaves nothing behind. The
 * update keeps the later of two messages whatever order they are noted in. Built on the store's
 * shared context, so its requests are measured like every other repository's.
 */
export function createDynamoConversationWindows({ doc, TableName, measured, guarded }: DynamoContext): ConversationWindowStore {
  const { partitionKey: PK } = TABLE_DEFINITION;
  return {
    async noteInbound(personId, at) {
      await guarded('noteInbound', personId, [
        {
          Update: {
            TableName,
            Key: whatsappWindowKey(personId),
            UpdateExpression: 'SET #last = :at',
            // An earlier message noted late changes nothing (the transaction reports it as refused).
            ConditionExpression: 'attribute_not_exists(#last) OR #last < :at',
            ExpressionAttributeNames: { '#last': 'lastInboundAt' },
            ExpressionAttributeValues: { ':at': at.toISOString() },
          },
        },
      ]);
    },

    async noteWindowClosed(personId, at) {
      try {
        await measured('noteWindowClosed', 'write', () =>
          doc.send(
            new UpdateCommand({
              TableName,
              Key: whatsappWindowKey(personId),
              UpdateExpression: 'SET #closed = :at',
              // Only a record that exists: a closing never creates an item erasure might have taken.
              ConditionExpression: 'attribute_exists(#pk)',
              ExpressionAttributeNames: { '#closed': 'closedAt', '#pk': PK },
              ExpressionAttributeValues: { ':at': at.toISOString() },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    async getWindow(personId) {
      const out = await measured('getWindow', 'read', () => doc.send(new GetCommand({ TableName, Key: whatsappWindowKey(personId), ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' })));
      if (!out.Item) return undefined;
      return parseItem(StoredWindow, 'whatsapp window', out.Item);
    },
  };
}
