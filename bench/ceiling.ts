import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BenchContext } from './context';

export interface Ceiling {
  /** Conditional PutItems per second, one at a time. */
  conditionalWritesPerSecondSequential: number;
  /** Conditional PutItems per second with 16 in flight: the most DynamoDB Local takes here. */
  conditionalWritesPerSecondConcurrent: number;
}

/**
 * DynamoDB Local's own ceiling on this machine, measured in the same run as everything else:
 * raw conditional writes (the kind every claim and finish is), nothing else running.
 */
export async function measureCeiling(ctx: BenchContext): Promise<Ceiling> {
  const { tableName, drop } = await ctx.table('ceiling');
  try {
    const rate = async (writes: number, inFlight: number, tag: string) => {
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < writes) {
            const i = next++;
            await ctx.doc.send(
              new PutCommand({
                TableName: tableName,
                Item: { pk: `CEIL#${tag}#${i}`, sk: 'X', status: 'planned', at: new Date().toISOString() },
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            );
          }
        }),
      );
      return Math.round(writes / ((performance.now() - started) / 1000));
    };
    await rate(200, 8, 'warm');
    const sequential = await rate(1_000, 1, 'seq');
    const concurrent = await rate(4_000, 16, 'par');
    ctx.log(`ceiling: ${sequential} conditional writes/s one at a time, ${concurrent}/s with 16 in flight`);
    return { conditionalWritesPerSecondSequential: sequential, conditionalWritesPerSecondConcurrent: concurrent };
  } finally {
    await drop();
  }
}
