/**
 * The erasure job: one erasure, invoked by its EventBridge Scheduler schedule with
 * `{customerId, receiptId}`. Idempotent and resumable; a failure is thrown, so the invocation is
 * retried and finally lands in the function's dead-letter queue (alarmed).
 */
import type { App } from '../core/app';
import type { ErasureOutcome } from '../core/forgetting/erasure-common';
import type { Log } from '../core/shared/ports';

/** The event is the schedule's JSON payload, `{customerId, receiptId}`; the run checks it. */
export type ErasureHandler = (event: unknown) => Promise<{ outcome: ErasureOutcome }>;

export function createErasureHandler(app: App, log: Log = app.ports.log): ErasureHandler {
  return async (event) => {
    try {
      return await app.erasureRun.execute(event);
    } catch (e) {
      const receiptId =
        typeof event === 'object' && event !== null && 'receiptId' in event && typeof event.receiptId === 'string'
          ? event.receiptId
          : undefined;
      log.error('erasure failed', { receiptId, errorName: (e as Error)?.name });
      app.ports.metrics.count('ErasureFailed');
      throw e;
    }
  };
}
