/**
 * The daily erasure-schedule reconcile (an EventBridge rule; locally, the clock).
 * Re-creates the missing schedule of every open erasure request; a failure is thrown, so the run is
 * retried and finally lands in the function's dead-letter queue (alarmed). Safe to repeat.
 */
import type { App } from '../core/app';
import type { ScheduleReconcileRun } from '../core/forgetting/erasure-schedules';

export type ReconcileHandler = () => Promise<ScheduleReconcileRun>;

export function createReconcileHandler(app: App): ReconcileHandler {
  return () => app.erasureSchedules.reconcile();
}
