/**
 * Business metrics port: counts of what happened, by event name only. The port takes no dimensions and
 * no values other than a count, so nothing personal (no id, contact or reason) can reach a metric.
 * In AWS it is CloudWatch embedded metric format (Powertools Metrics); locally and in tests, nothing.
 */
/** CloudWatch namespace of the business metrics (the dashboard reads them there). */
export const METRICS_NAMESPACE = 'PrivacyCrm';

export const BUSINESS_EVENTS = [
  'CustomerCreated',
  'ErasureRequested',
  'ErasureCompleted',
  'ErasureFailed',
  'ReminderSent',
  'ReminderRejected',
  'SignInLocked',
] as const;

export type BusinessEvent = (typeof BUSINESS_EVENTS)[number];

export interface Metrics {
  count(event: BusinessEvent, n?: number): void;
}

export const NO_METRICS: Metrics = { count: () => undefined };
