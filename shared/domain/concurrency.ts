/**
 * Runs `work` over `items` with at most `concurrency` calls in flight, results in the items' order.
 * A fixed pool of workers pulling the next index (rather than Promise.all over everything) keeps
 * DynamoDB and the SDK's sockets from being asked for thousands of things at once.
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
