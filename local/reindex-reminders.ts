/**
 * `npm run reindex-reminders`: gives every customer row its reminder day (`remindOn`, the index the daily
 * reminders read instead of scanning) and drops the blind index older rows still carry. Run it once after
 * upgrading from a version whose reminders scanned the table, and after changing the reminder lead or the
 * consent lifetime. An operator command: it scans the customers table, in parallel segments; idempotent.
 *
 *   npm run reindex-reminders                                      (the local home's data dir; stop npm start first)
 *   npm run reindex-reminders -- --endpoint http://localhost:8000 --prefix crm-dev-
 *   npm run reindex-reminders -- --aws --prefix crm-prod- --segments 16
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EsdkFieldCipher } from '../lambdas/adapters/crypto/esdk-cipher';
import { DynamoStore } from '../lambdas/adapters/dynamodb/store';
import { createLogger } from '../lambdas/adapters/logger';
import { createApp } from '../lambdas/core/app';
import { DEFAULT_POLICY, type RetentionPolicy } from '../lambdas/core/policy/retention-policy';
import { tableNamesFromPrefix } from '../lambdas/core/policy/tables';
import type { Clock, Log } from '../lambdas/core/shared/ports';
import { OffsetClock } from './clock';
import { openOperatorDb, parseOperatorArgs, segmentsOf, type OperatorArgs } from './operator-db';

export interface ReindexOptions {
  client: DynamoDBClient;
  prefix: string;
  segments?: number;
  policy?: RetentionPolicy;
  clock?: Clock;
  log: Log;
}

/** The command's work, for tests and other runners. Needs no key: a reminder day follows from plain attributes. */
export async function reindexReminders(options: ReindexOptions): Promise<{ rows: number; updated: number }> {
  const refuse = (what: string) => async () => {
    throw new Error(`${what} is not available while re-indexing reminders.`);
  };
  const app = createApp(
    {
      store: new DynamoStore({ client: options.client, tableNames: tableNamesFromPrefix(options.prefix) }),
      keys: { generateDataKey: refuse('KMS'), unwrapDataKey: refuse('KMS'), mac: refuse('KMS') },
      cipher: new EsdkFieldCipher(),
      clock: options.clock ?? { now: () => new Date() },
      notifier: { send: refuse('Sending messages') },
      scheduler: { schedule: refuse('Scheduling'), cancel: refuse('Scheduling'), exists: refuse('Scheduling') },
      log: options.log,
    },
    { policy: options.policy ?? DEFAULT_POLICY },
  );
  return app.reminders.reindex(options.segments);
}

interface Args extends OperatorArgs {
  segments: number;
}

const USAGE = 'usage: npm run reindex-reminders -- [--prefix crm-local-] [--endpoint URL | --aws] [--data-dir .crm-data] [--segments 8]';

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Args {
  const own = (args: Args, flag: string, value: () => string) => {
    if (flag !== '--segments') return false;
    args.segments = segmentsOf(value(), USAGE);
    return true;
  };
  return parseOperatorArgs<Args>(argv, USAGE, own, { segments: 8 }, env);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { client, close } = await openOperatorDb(args, 'reindex-reminders');
  try {
    const clock = args.aws || args.endpoint ? undefined : OffsetClock.inDirectory(resolve(args.dataDir));
    const log = createLogger('privacy-crm-reindex-reminders');
    const result = await reindexReminders({ client, prefix: args.prefix, segments: args.segments, clock, log });
    console.log(`Reminder days re-indexed: ${result.updated} of ${result.rows} customer row(s) rewritten.`);
  } finally {
    await close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error((e as Error)?.message ?? 'reindex-reminders failed');
    process.exit(1);
  });
}
