/** BatchWriteItem's rules in the DynamoDB adapter: 25 per call, no repeats, unprocessed items resent after a jittered pause. */
import { describe, expect, it } from 'vitest';
import { BATCH_RETRY_DELAYS_MS, deleteInBatches, distinctKeys } from '../../lambdas/adapters/dynamodb/batch';
import { DependencyUnavailableError } from '../../lambdas/core/shared/errors';
import type { Key } from '../../lambdas/core/shared/ports';

const keys = (n: number): Key[] => Array.from({ length: n }, (_, i) => ({ id: `k${i}` }));

describe('deleteInBatches', () => {
  it('sends at most 25 keys per call, each key once', async () => {
    const calls: Key[][] = [];
    await deleteInBatches([...keys(60), { id: 'k3' }, { id: 'k59' }], async (chunk) => (calls.push(chunk), []));
    expect(calls.map((c) => c.length)).toEqual([25, 25, 10]);
    expect(new Set(calls.flat().map((k) => k.id)).size).toBe(60);
  });

  it('resends what DynamoDB left unprocessed, after a growing pause with jitter, until none is left', async () => {
    const calls: Key[][] = [];
    const pauses: number[] = [];
    // Throttled twice: first 10 keys come back, then 3.
    const answers = [keys(10), keys(3), []];
    await deleteInBatches(keys(25), async (chunk) => (calls.push(chunk), answers.shift()!), {
      sleep: async (ms) => void pauses.push(ms),
      random: () => 0.5,
    });
    expect(calls.map((c) => c.length)).toEqual([25, 10, 3]);
    const [first, second] = BATCH_RETRY_DELAYS_MS;
    expect(pauses).toEqual([first! * 0.75, second! * 0.75]);
  });

  it('gives up as a dependency fault when items stay unprocessed after every pause', async () => {
    let calls = 0;
    const pauses: number[] = [];
    const opts = { delaysMs: [1, 2, 3], sleep: async (ms: number) => void pauses.push(ms) };
    const stuck = deleteInBatches(keys(3), async (chunk) => (calls++, chunk), opts);
    await expect(stuck).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(calls).toBe(4);
    expect(pauses).toHaveLength(3);
  });

  it('sends nothing for no keys', async () => {
    let calls = 0;
    await deleteInBatches([], async () => (calls++, []));
    expect(calls).toBe(0);
  });
});

describe('distinctKeys', () => {
  it('treats keys with the same attributes in another order as the same key', () => {
    expect(
      distinctKeys([
        { a: '1', b: 2 },
        { b: 2, a: '1' },
        { a: '1', b: 3 },
      ]),
    ).toEqual([
      { a: '1', b: 2 },
      { a: '1', b: 3 },
    ]);
  });
});
