/**
 * A deep copy without the fields that are undefined. DynamoDB's marshaller rejects undefined, and
 * absent is what an optional field means in an item; the memory twins copy with it too, so what
 * they hand back looks as a record read back from the table would.
 */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withoutUndefined(v)]),
    ) as T;
  }
  return value;
}
