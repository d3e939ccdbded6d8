import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import { TABLE_DEFINITION } from './keys';
import { ERASING_ATTRIBUTE } from './person-guard';

/**
 * Items on their way in and out of the table. Every item read is parsed by its schema here, never
 * cast: an attribute of the wrong type or a missing one stops at the adapter with one error,
 * instead of travelling on as a record that only looks typed.
 */

/** An item as the document client hands it over: nothing known about it until it is parsed. */
export type Item = Record<string, any>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const { partitionKey: PK, sortKey: SK, dueIndex: DUE, timeToLiveAttribute } = TABLE_DEFINITION;
/** Attributes that exist for the table, not for the domain: never handed back to callers. */
const STORAGE_ATTRIBUTES = [PK, SK, DUE.partitionKey, DUE.sortKey, timeToLiveAttribute, ERASING_ATTRIBUTE];

/**
 * A stored item that does not match its schema. It names the kind of item, the first segment of
 * its keys and which attributes are wrong; never a value, since items hold personal data and
 * this error ends up in logs.
 */
export class StoredItemInvalid extends Error {
  override readonly name = 'StoredItemInvalid';
  constructor(
    readonly kind: string,
    /** Like `PERSON / MSG`: which family of items, not whose. */
    readonly keyPrefix: string,
    /** The attribute paths that failed (`profile.season`, `attempts.0.at`). */
    readonly attributes: string[],
  ) {
    super(`stored ${kind} item (${keyPrefix}) does not match its schema at: ${attributes.join(', ')}`);
  }
}

/**
 * The item's domain fields (storage attributes dropped, `ids` from its keys added) parsed by
 * `schema`. The schema must know every attribute the adapter writes: zod drops unknown keys, and
 * a dropped attribute would be lost on the next save (the round-trip tests hold each schema to it).
 */
export function parseItem<Schema extends z.ZodType>(schema: Schema, kind: string, item: Item, ids: Item = {}): z.output<Schema> {
  const result = schema.safeParse({ ...domainFields(item), ...ids });
  if (result.success) return result.data;
  const attributes = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(item)'))];
  throw new StoredItemInvalid(kind, keyPrefixOf(item), attributes);
}

function keyPrefixOf(item: Item): string {
  const head = (key: unknown) => (typeof key === 'string' ? key.split('#')[0] : '?');
  return `${head(item[PK])} / ${head(item[SK])}`;
}

export function domainFields(item: Item): Item {
  const fields = { ...item };
  for (const name of STORAGE_ATTRIBUTES) delete fields[name];
  return fields;
}
