/**
 * Where every function's environment comes from, in one place:
 * - the deployment settings (`settingsEnvironment`): the same for every function, so no function can
 *   miss one of them (the erasure function once lacked CRM_RETENTION_DAYS, and its receipts stated the
 *   default retention while overrides were set). Every function computes TTLs or states retention:
 *   receipts, a restored row under legal hold, reminders, the API;
 * - the resources a function is bound to: `CrmFunction.bindTable/bindKey`, `ErasureScheduler.bindTo`
 *   and `Notifications.bindTo` set each variable together with its grant, so a variable without its
 *   permission (or the reverse) cannot be written.
 * test/cdk/function-environment.test.ts runs each function's code paths on its synthesized environment.
 */
import { ENV } from '../lambdas/config';
import type { CrmConfig } from './config';

export function settingsEnvironment(
  config: Pick<CrmConfig, 'stage' | 'retentionDays' | 'defaultPhoneRegion' | 'staffOrigins' | 'branchKeys'>,
): Record<string, string> {
  return {
    [ENV.stage]: config.stage,
    // How many branch keys new customer keys are spread over (docs/ARCHITECTURE.md, "Key hierarchy").
    [ENV.branchKeys]: String(config.branchKeys),
    ...(Object.keys(config.retentionDays).length > 0 ? { [ENV.retentionDays]: JSON.stringify(config.retentionDays) } : {}),
    ...(config.defaultPhoneRegion ? { [ENV.defaultPhoneRegion]: config.defaultPhoneRegion } : {}),
    ...(config.staffOrigins.length > 0 ? { [ENV.staffOrigins]: JSON.stringify(config.staffOrigins) } : {}),
  };
}
