import type { LinkStore } from '../../ports/links';
import { noticeKey, tokenNonceKey } from './keys';
import { PK, namesFor, timeToLiveAttribute, type DynamoContext } from './dynamo-context';

/**
 * Spent link nonces (NONCE#<nonce> / USED, nothing but a TTL) and notice claims, kept in the
 * person's partition (PERSON#<personId> / NOTICE#<name>) so erasure takes them.
 */
export function createLinkRepository(shared: DynamoContext): LinkStore {
  const { TableName, putIfAbsent, guarded } = shared;
  return {
    async consumeTokenNonce(nonce, expiresAt) {
      return putIfAbsent('consumeTokenNonce', { ...tokenNonceKey(nonce), [timeToLiveAttribute]: Math.ceil(expiresAt.getTime() / 1000) });
    },

    async claimPersonNotice(personId, notice, now, until) {
      return guarded('claimPersonNotice', personId, [
        {
          Put: {
            TableName,
            Item: { ...noticeKey(personId, notice), until: until.toISOString(), [timeToLiveAttribute]: Math.ceil(until.getTime() / 1000) },
            // TTL deletes lazily (up to days late), so an expired claim is judged by its own time.
            ConditionExpression: 'attribute_not_exists(#pk) OR #until <= :now',
            ExpressionAttributeNames: namesFor(PK, 'until'),
            ExpressionAttributeValues: { ':now': now.toISOString() },
          },
        },
      ]);
    },
  };
}
