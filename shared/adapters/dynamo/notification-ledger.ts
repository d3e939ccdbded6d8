import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { NotificationLedger } from '../../ports/notification-ledger';
import { NOTIFICATION_KEEP_DAYS, TABLE_DEFINITION, notificationKey } from './keys';
import { documentClient } from './dynamo-context';
import { parseItem } from './stored-item';

/** What a lost claim reads of the item; the rest (token, lease, provider id) only conditions read. */
const StoredNotification = z.object({ state: z.enum(['sending', 'sent']) });

/**
 * The notification ledger on the single table (keys.ts, "Counselor notifications"): the claim is
 * one conditional put that succeeds when nobody has the item, or when a sender's lease on it ran
 * out before it was marked sent. Items: state (`sending` | `sent`), token, leaseUntil (epoch ms),
 * providerId once sent, expiresAt (TTL).
 */
export function createDynamoNotificationLedger(options: { client: DynamoDBDocumentClient | DynamoDBClient; tableName: string }): NotificationLedger {
  const TableName = options.tableName;
  const doc = documentClient(options.client);
  const ttl = (now: Date) => Math.ceil(now.getTime() / 1000) + NOTIFICATION_KEEP_DAYS * 86_400;
  const conditionFailed = (error: unknown) => error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';

  return {
    async claim(key, token, now, leaseUntil) {
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: { ...notificationKey(key), state: 'sending', token, leaseUntil: leaseUntil.getTime(), [TABLE_DEFINITION.timeToLiveAttribute]: ttl(now) },
            ConditionExpression: 'attribute_not_exists(pk) OR (#state = :sending AND leaseUntil < :now)',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':sending': 'sending', ':now': now.getTime() },
          }),
        );
        return 'claimed';
      } catch (error) {
        if (!conditionFailed(error)) throw error;
        const { Item } = await doc.send(new GetCommand({ TableName, Key: notificationKey(key), ConsistentRead: true }));
        return Item && parseItem(StoredNotification, 'notification', Item).state === 'sent' ? 'sent' : 'busy';
      }
    },
    async markSent(key, token, at, providerId) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: notificationKey(key),
            UpdateExpression: 'SET #state = :sent, providerId = :providerId, sentAt = :at REMOVE leaseUntil',
            ConditionExpression: '#state = :sending AND #token = :token',
            ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
            ExpressionAttributeValues: { ':sent': 'sent', ':sending': 'sending', ':token': token, ':providerId': providerId, ':at': at.toISOString() },
          }),
        );
        return true;
      } catch (error) {
        if (conditionFailed(error)) return false;
        throw error;
      }
    },
    async release(key, token) {
      try {
        await doc.send(
          new DeleteCommand({
            TableName,
            Key: notificationKey(key),
            ConditionExpression: '#state = :sending AND #token = :token',
            ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
            ExpressionAttributeValues: { ':sending': 'sending', ':token': token },
          }),
        );
      } catch (error) {
        if (!conditionFailed(error)) throw error;
      }
    },
  };
}
