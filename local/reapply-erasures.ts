/**
 * `npm run reapply-erasures`: after a restore from backup, replays the erasure ledger (the receipts)
 * against a table set, so no erased customer comes back. Everything a backup restored of a customer
 * whose erasure completed is erased again (customer row, key, index entry, interactions, behaviour,
 * sessions, idempotency records); erasures that were under way are finished; open requests get their
 * mark back on a restored customer row; and every open request whose schedule is missing gets it back
 * (EventBridge Scheduler with --aws, else the local schedules table next to the ledger).
 *
 * Restore the data tables, then run this against them with the ledger of the live receipts table
 * (`--ledger-prefix`), which must not be rolled back: it holds the erasures made since the backup.
 *
 *   npm run reapply-erasures -- --prefix crm-local-                    (the local home's data dir; stop npm start first)
 *   npm run reapply-erasures -- --endpoint http://localhost:8000 --prefix restored-crm-dev- --ledger-prefix crm-dev-
 *   npm run reapply-erasures -- --aws --prefix restored-crm-dev- <the stateless stack's ReapplyErasuresArgs output>
 * (that output holds --kms-key-id, --ledger-prefix and the three --scheduler-... flags and --erasure-function-arn)
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { EsdkFieldCipher } from '../lambdas/adapters/crypto/esdk-cipher';
import { DynamoStore } from '../lambdas/adapters/dynamodb/store';
import { AwsKeyService } from '../lambdas/adapters/kms/aws-kms';
import { LocalKeyService } from '../lambdas/adapters/kms/local-kms';
import { createLogger } from '../lambdas/adapters/logger';
import { AwsScheduler } from '../lambdas/adapters/scheduler/aws-scheduler';
import { createApp } from '../lambdas/core/app';
import type { Clock, KeyService, Log, Scheduler } from '../lambdas/core/shared/ports';
import { tableNamesFromPrefix } from '../lambdas/core/policy/tables';
import { OffsetClock } from './clock';
import { openOperatorDb, parseOperatorArgs, type OperatorArgs } from './operator-db';
import { LocalScheduler } from './scheduler';

export interface ReapplyOptions {
  client: DynamoDBClient;
  /** Table prefix of the (restored) table set to clean. */
  prefix: string;
  /** Table prefix of the receipts table to read the ledger from (default: `prefix`). */
  ledgerPrefix?: string;
  keys: KeyService;
  clock?: Clock;
  log: Log;
  /** Where missing schedules of open requests are created: EventBridge Scheduler, or the local schedules table of the ledger's set. */
  scheduler: Scheduler | 'local';
}

export interface ReapplyResult {
  completed: number;
  reErased: number;
  resumed: number;
  remarked: number;
  /** Open requests whose schedule was missing and was created again. */
  rescheduled: number;
}

/** The command's work, for tests and for other runners: replays the ledger against one table set. */
export async function reapplyErasures(options: ReapplyOptions): Promise<ReapplyResult> {
  const ledger = options.ledgerPrefix ?? options.prefix;
  const tableNames = { ...tableNamesFromPrefix(options.prefix), receipts: `${ledger}receipts`, schedules: `${ledger}schedules` };
  const refuse = (what: string) => async () => {
    throw new Error(`${what} is not available while re-applying erasures.`);
  };
  const store = new DynamoStore({ client: options.client, tableNames });
  const clock = options.clock ?? { now: () => new Date() };
  const app = createApp({
    store,
    keys: options.keys,
    cipher: new EsdkFieldCipher(),
    clock,
    notifier: { send: refuse('Sending messages') },
    scheduler: options.scheduler === 'local' ? new LocalScheduler(store, clock) : options.scheduler,
    log: options.log,
  });
  const result = await app.erasureReapply.reapply();
  // After the marks are back: a schedule lost with the group (or never re-created) fires the erasure again.
  const schedules = await app.erasureSchedules.reconcile();
  return { ...result, rescheduled: schedules.recreated };
}

interface Args extends OperatorArgs {
  ledgerPrefix?: string;
  kmsKeyId?: string;
  schedulerGroup?: string;
  schedulerRoleArn?: string;
  schedulerDlqArn?: string;
  erasureFunctionArn?: string;
}

/** The EventBridge Scheduler settings --aws needs, as the erasure schedules are made (the stack outputs them). */
const SCHEDULER_FLAGS = {
  '--scheduler-group': 'schedulerGroup',
  '--scheduler-role-arn': 'schedulerRoleArn',
  '--scheduler-dlq-arn': 'schedulerDlqArn',
  '--erasure-function-arn': 'erasureFunctionArn',
} as const;

const USAGE =
  'usage: npm run reapply-erasures -- [--prefix crm-local-] [--ledger-prefix P] [--data-dir .crm-data] ' +
  '[--endpoint URL | --aws --kms-key-id ARN --scheduler-group G --scheduler-role-arn ARN --scheduler-dlq-arn ARN ' +
  '--erasure-function-arn ARN]';

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Args {
  const own = (args: Args, flag: string, value: () => string) => {
    if (flag === '--ledger-prefix') args.ledgerPrefix = value();
    else if (flag === '--kms-key-id') args.kmsKeyId = value();
    else if (flag in SCHEDULER_FLAGS) args[SCHEDULER_FLAGS[flag as keyof typeof SCHEDULER_FLAGS]] = value();
    else return false;
    return true;
  };
  const args = parseOperatorArgs<Args>(argv, USAGE, own, {}, env);
  if (args.aws && !args.kmsKeyId) throw new Error(`--aws needs --kms-key-id (the key that wraps customer keys). ${USAGE}`);
  const missing = Object.entries(SCHEDULER_FLAGS)
    .filter(([, key]) => !args[key])
    .map(([f]) => f);
  if (args.aws && missing.length > 0) {
    throw new Error(`--aws needs ${missing.join(', ')} (missing erasure schedules are created again). ${USAGE}`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // The command prints its own summary on stdout; the run's info lines would only interleave with it.
  const log = createLogger('privacy-crm-reapply-erasures', process.env.LOG_LEVEL ?? 'WARN');
  const { client, close } = await openOperatorDb(args, 'reapply-erasures');
  try {
    const keys: KeyService = args.aws
      ? new AwsKeyService({ client: new KMSClient({}), keyId: args.kmsKeyId!, macKeyId: '' })
      : await LocalKeyService.fromDirectory(resolve(args.dataDir));
    const clock = args.aws ? undefined : OffsetClock.inDirectory(resolve(args.dataDir));
    const scheduler: Scheduler | 'local' = args.aws
      ? new AwsScheduler({
          client: new SchedulerClient({}),
          groupName: args.schedulerGroup!,
          roleArn: args.schedulerRoleArn!,
          deadLetterArn: args.schedulerDlqArn!,
          targetArn: args.erasureFunctionArn!,
        })
      : 'local';
    const options = { client, prefix: args.prefix, ledgerPrefix: args.ledgerPrefix, keys, clock, log, scheduler };
    const result = await reapplyErasures(options).catch((e: unknown) => {
      if ((e as Error)?.name !== 'ResourceNotFoundException') throw e;
      throw new Error(
        `No table set with prefix "${args.prefix}" (or ledger "${args.ledgerPrefix ?? args.prefix}") here: restore the tables first, ` +
          `or check --prefix.`,
      );
    });
    console.log(
      `Ledger replayed: ${result.completed} completed erasure(s); ${result.reErased} customer(s) found again and erased; ` +
        `${result.resumed} unfinished erasure(s) finished; ${result.remarked} open request(s) re-marked; ` +
        `${result.rescheduled} missing schedule(s) created again.`,
    );
  } finally {
    await close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error((e as Error)?.message ?? 'reapply-erasures failed');
    process.exit(1);
  });
}
