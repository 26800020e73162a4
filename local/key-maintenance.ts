/**
 * `npm run rebuild-index` and `npm run rewrap-keys`: the key rotations, for operators (they scan, in
 * parallel segments). docs/ARCHITECTURE.md "Key hierarchy" explains both.
 *
 * - rebuild-index: a new beacon key version; every customer's blind index recomputed under it; the
 *   older versions retired. Run once after upgrading from KMS GenerateMac indexes, it moves them to
 *   the beacon key instead (no new version) and retires the KMS MAC key's.
 * - rewrap-keys: every customer key re-wrapped under its branch key's newest version (customer keys
 *   wrapped by KMS directly, from before branch keys, included), then older branch versions retired.
 *   With --rotate, new branch key versions are made first.
 *
 *   npm run rebuild-index                        (the local home's data dir; stop npm start first)
 *   npm run rewrap-keys -- --rotate
 *   npm run rebuild-index -- --endpoint http://localhost:8000 --prefix crm-local-
 *   npm run rebuild-index -- --aws --kms-key-id <DataKeyArn> [--mac-key-id <MacKeyArn>] --prefix crm-dev-
 *
 * Against a database other instances use (--endpoint, --aws), the command waits until every instance
 * can have loaded a new version before moving anything (about two minutes). In AWS the
 * key-maintenance function does the same (lambdas/handlers/key-maintenance.ts).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { EsdkFieldCipher } from '../lambdas/adapters/crypto/esdk-cipher';
import { DynamoStore } from '../lambdas/adapters/dynamodb/store';
import { AwsKeyService } from '../lambdas/adapters/kms/aws-kms';
import { LocalKeyService } from '../lambdas/adapters/kms/local-kms';
import { silentLog } from '../lambdas/adapters/logger';
import { createApp } from '../lambdas/core/app';
import type { RotationRun } from '../lambdas/core/shared/key-jobs';
import type { Clock, KeyService } from '../lambdas/core/shared/ports';
import { tableNamesFromPrefix } from '../lambdas/core/policy/tables';
import { OffsetClock } from './clock';
import { openOperatorDb, parseOperatorArgs, segmentsOf, type OperatorArgs } from './operator-db';

export type KeyJob = 'rebuild-index' | 'rewrap-keys';

export interface KeyJobOptions {
  client: DynamoDBClient;
  prefix: string;
  keys: KeyService;
  clock?: Clock;
  /** No other instance uses the database (the local data dir, locked): no settle time to wait out. */
  exclusive: boolean;
  totalSegments?: number;
  /** rewrap-keys: make new branch key versions first. */
  rotate?: boolean;
  branches?: number;
  /** Stand-in for sleeping (tests). */
  wait?: (ms: number) => Promise<void>;
}

/** The command's work, for tests and other runners. */
export async function runKeyJob(job: KeyJob, options: KeyJobOptions): Promise<RotationRun> {
  const refuse = (what: string) => async () => {
    throw new Error(`${what} is not available to a key job.`);
  };
  const app = createApp(
    {
      store: new DynamoStore({ client: options.client, tableNames: tableNamesFromPrefix(options.prefix) }),
      keys: options.keys,
      cipher: new EsdkFieldCipher(),
      clock: options.clock ?? { now: () => new Date() },
      notifier: { send: refuse('Sending messages') },
      scheduler: { schedule: refuse('Scheduling'), cancel: refuse('Scheduling'), exists: refuse('Scheduling') },
      log: silentLog,
    },
    { vault: { branches: options.branches, ...(options.exclusive ? { keyRefreshMs: 0 } : {}) } },
  );
  const run = { totalSegments: options.totalSegments ?? 4, wait: options.wait };
  return job === 'rebuild-index' ? app.keyJobs.rebuildIndex.run(run) : app.keyJobs.branchRotation.run({ ...run, rotate: options.rotate });
}

/** One line for the operator. */
export function summary(job: KeyJob, r: RotationRun): string {
  const what =
    job === 'rebuild-index' ? `Blind index under beacon version ${r.target}` : `Customer keys under branch key version ${r.target}`;
  const counts = `${r.counts.scanned} scanned, ${r.counts.changed} changed, ${r.counts.skipped} unchanged, ${r.counts.failed} failed`;
  const retired = r.retired.length > 0 ? `retired ${r.retired.join(', ')}` : 'nothing to retire';
  if (r.missing.length > 0) return `${what}: ${counts}; NOT finished (segments ${r.missing.join(', ')} need a clean pass): run it again.`;
  return `${what}: ${counts}; ${retired}.`;
}

interface Args extends OperatorArgs {
  job: KeyJob;
  kmsKeyId?: string;
  macKeyId?: string;
  segments: number;
  rotate: boolean;
}

const USAGE =
  'usage: npm run rebuild-index|rewrap-keys -- [--prefix crm-local-] [--endpoint URL | --aws --kms-key-id ARN [--mac-key-id ARN]] ' +
  '[--data-dir .crm-data] [--segments 4] [--rotate (rewrap-keys)]';

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Args {
  const [job, ...rest] = argv;
  if (job !== 'rebuild-index' && job !== 'rewrap-keys') throw new Error(USAGE);
  const own = (args: Args, flag: string, value: () => string) => {
    if (flag === '--kms-key-id') args.kmsKeyId = value();
    else if (flag === '--mac-key-id') args.macKeyId = value();
    else if (flag === '--rotate' && job === 'rewrap-keys') args.rotate = true;
    else if (flag === '--segments') args.segments = segmentsOf(value(), USAGE);
    else return false;
    return true;
  };
  const args = parseOperatorArgs<Args>(rest, USAGE, own, { job, segments: 4, rotate: false }, env);
  if (args.aws && !args.kmsKeyId) throw new Error(`--aws needs --kms-key-id (the data key). ${USAGE}`);
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { client, exclusive, close } = await openOperatorDb(args, args.job);
  try {
    const keys: KeyService = args.aws ? awsKeys(args) : await LocalKeyService.fromDirectory(resolve(args.dataDir));
    const clock = args.aws ? undefined : OffsetClock.inDirectory(resolve(args.dataDir));
    const branches = process.env.CRM_BRANCH_KEYS ? Number(process.env.CRM_BRANCH_KEYS) : undefined;
    if (!exclusive) console.log('Waiting until every instance can have loaded the new key version (about two minutes)...');
    const result = await runKeyJob(args.job, {
      client,
      prefix: args.prefix,
      keys,
      clock,
      exclusive,
      totalSegments: args.segments,
      rotate: args.rotate,
      branches,
    });
    console.log(summary(args.job, result));
    if (result.missing.length > 0) process.exitCode = 1;
  } finally {
    await close();
  }
}

function awsKeys(args: Args): KeyService {
  const kms = new AwsKeyService({ client: new KMSClient({}), keyId: args.kmsKeyId!, macKeyId: args.macKeyId ?? '' });
  // Without the MAC key, indexes from before beacon keys are not searched (nor needed by the jobs).
  return args.macKeyId ? kms : { generateDataKey: (c) => kms.generateDataKey(c), unwrapDataKey: (w, c) => kms.unwrapDataKey(w, c) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error((e as Error)?.message ?? 'key job failed');
    process.exit(1);
  });
}
