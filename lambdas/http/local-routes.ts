/**
 * Routes that exist only in the local home (served by local/server.ts, never deployed): a start page, readiness, the
 * outbox that stands in for SES/SNS, and the clock that TTL, schedules and consent expiry use.
 */
export const LOCAL_ROUTES = {
  home: { method: 'GET', path: '/' },
  health: { method: 'GET', path: '/health' },
  outbox: { method: 'GET', path: '/dev/outbox' },
  clock: { method: 'POST', path: '/dev/clock' },
} as const;

/** Prefix of the local-only development routes; the CDK stack deploys nothing under it. */
export const DEV_PREFIX = '/dev/';
