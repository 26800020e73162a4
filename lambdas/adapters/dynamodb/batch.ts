/**
 * BatchWriteItem's rules, apart from the SDK call: at most 25 requests per call, no key twice in one
 * call, and what DynamoDB leaves unprocessed (throttling, a partition too hot) is sent again after a
 * growing, jittered pause. Items still unprocessed after the last pause make the call fail as a
 * dependency fault: the caller's retry (or the stream's) finishes the job, deletes being idempotent.
 */
import { DependencyUnavailableError } from '../../core/shared/errors';
import type { Key } from '../../core/shared/ports';

export const BATCH_WRITE_LIMIT = 25;
/** Pauses before each resend of unprocessed items (about 6 s in all, within any Lambda timeout here). */
export const BATCH_RETRY_DELAYS_MS: readonly number[] = [50, 100, 200, 400, 800, 1_600, 3_200];

/** Sends one call's keys; answers the keys DynamoDB left unprocessed. */
export type SendBatch = (keys: Key[]) => Promise<Key[]>;

export interface BatchOptions {
  delaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The keys without repeats (BatchWriteItem refuses a call that names one key twice). */
export function distinctKeys(keys: readonly Key[]): Key[] {
  const seen = new Map<string, Key>();
  for (const key of keys) {
    const id = JSON.stringify(
      Object.keys(key)
        .sort()
        .map((k) => [k, key[k]]),
    );
    if (!seen.has(id)) seen.set(id, key);
  }
  return [...seen.values()];
}

export async function deleteInBatches(keys: readonly Key[], send: SendBatch, opts: BatchOptions = {}): Promise<void> {
  const delays = opts.delaysMs ?? BATCH_RETRY_DELAYS_MS;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const all = distinctKeys(keys);
  for (let i = 0; i < all.length; i += BATCH_WRITE_LIMIT) {
    let pending = all.slice(i, i + BATCH_WRITE_LIMIT);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        if (attempt > delays.length) throw new DependencyUnavailableError('DynamoDB (batch items left unprocessed)');
        // Half fixed, half random: parallel callers that were throttled together do not come back together.
        const delay = delays[attempt - 1]!;
        await sleep(delay / 2 + random() * (delay / 2));
      }
      pending = await send(pending);
    }
  }
}
