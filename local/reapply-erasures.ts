/**
 * `npm run reapply-erasures`: after a restore from backup, replays the erasure ledger (the receipts)
 * against a table set, so no erased customer comes back. Everything a backup restored of a customer
 * whose erasure completed is erased again (customer row, key, index entry, interactions, behaviour,
 * sessions, idempotency records); erasures that were under way are finished; open requests get their
 * mark back on a restored customer row.
 *
 * Restore the data tables, then run this against them with the ledger of the live receipts table
 * (`--ledger-prefix`), which must not be rolled back: it holds the erasures made since the backup.
 *
 *   npm run reapply-erasures -- --prefix crm-local-                    (the local home's data dir; stop npm start first)
 *   npm run reapply-erasures -- --endpoint http://localhost:8000 --prefix restored-crm-dev- --ledger-prefix crm-dev-
 *   npm run reapply-erasures -- --aws --kms-key-id <arn> --prefix restored-crm-dev- --ledger-prefix crm-dev-
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { EsdkFieldCipher } from '../lambdas/adapters/crypto/esdk-cipher';
import { DynamoStore } from '../lambdas/adapters/dynamodb/store';
import { AwsKeyService } from '../lambdas/adapters/kms/aws-kms';
import { LocalKeyService } from '../lambdas/adapters/kms/local-kms';
import { createLogger } from '../lambdas/adapters/logger';
import { createApp } from '../lambdas/core/app';
import type { Clock, KeyService, Log } from '../lambdas/core/shared/ports';
import { tableNamesFromPrefix } from '../lambdas/core/policy/tables';
import { OffsetClock } from './clock';
import { openOperatorDb } from './operator-db';

export interface ReapplyOptions {
  client: DynamoDBClient;
  /** Table prefix of the (restored) table set to clean. */
  prefix: string;
  /** Table prefix of the receipts table to read the ledger from (default: `prefix`). */
  ledgerPrefix?: string;
  keys: KeyService;
  clock?: Clock;
  log: Log;
}

export interface ReapplyResult {
  completed: number;
  reErased: number;
  resumed: number;
  remarked: number;
}

/** The command's work, for tests and for other runners: replays the ledger against one table set. */
export async function reapplyErasures(options: ReapplyOptions): Promise<ReapplyResult> {
  const tableNames = { ...tableNamesFromPrefix(options.prefix), receipts: `${options.ledgerPrefix ?? options.prefix}receipts` };
  const refuse = (what: string) => async () => {
    throw new Error(`${what} is not available while re-applying erasures.`);
  };
  const app = createApp({
    store: new DynamoStore({ client: options.client, tableNames }),
    keys: options.keys,
    cipher: new EsdkFieldCipher(),
    clock: options.clock ?? { now: () => new Date() },
    notifier: { send: refuse('Sending messages') },
    scheduler: { schedule: refuse('Scheduling'), cancel: refuse('Scheduling') },
    log: options.log,
  });
  return app.erasureReapply.reapply();
}

interface Args {
  prefix: string;
  ledgerPrefix?: string;
  endpoint?: string;
  dataDir: string;
  aws: boolean;
  kmsKeyId?: string;
}

const USAGE = 'usage: npm run reapply-erasures -- [--prefix crm-local-] [--ledger-prefix P] [--endpoint URL | --aws --kms-key-id ARN] [--data-dir .crm-data]';

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Args {
  const args: Args = { prefix: 'crm-local-', dataDir: env.CRM_DATA_DIR ?? '.crm-data', endpoint: env.CRM_DYNAMODB_ENDPOINT || undefined, aws: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value. ${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--prefix':
        args.prefix = value();
        break;
      case '--ledger-prefix':
        args.ledgerPrefix = value();
        break;
      case '--endpoint':
        args.endpoint = value();
        break;
      case '--data-dir':
        args.dataDir = value();
        break;
      case '--aws':
        args.aws = true;
        break;
      case '--kms-key-id':
        args.kmsKeyId = value();
        break;
      default:
        throw new Error(`Unknown argument ${flag}. ${USAGE}`);
    }
  }
  if (args.aws && !args.kmsKeyId) throw new Error(`--aws needs --kms-key-id (the key that wraps customer keys). ${USAGE}`);
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = createLogger('privacy-crm-reapply-erasures');
  const { client, close } = await openOperatorDb(args, 'reapply-erasures');
  try {
    const keys: KeyService = args.aws
      ? new AwsKeyService({ client: new KMSClient({}), keyId: args.kmsKeyId!, macKeyId: '' })
      : await LocalKeyService.fromDirectory(resolve(args.dataDir));
    const clock = args.aws ? undefined : OffsetClock.inDirectory(resolve(args.dataDir));
    const result = await reapplyErasures({ client, prefix: args.prefix, ledgerPrefix: args.ledgerPrefix, keys, clock, log }).catch((e: unknown) => {
      if ((e as Error)?.name !== 'ResourceNotFoundException') throw e;
      throw new Error(`No table set with prefix "${args.prefix}" (or ledger "${args.ledgerPrefix ?? args.prefix}") here: restore the tables first, or check --prefix.`);
    });
    console.log(
      `Ledger replayed: ${result.completed} completed erasure(s); ${result.reErased} customer(s) found again and erased; ` +
        `${result.resumed} unfinished erasure(s) finished; ${result.remarked} open request(s) re-marked.`,
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
