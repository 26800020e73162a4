/**
 * The local composition root: the same app and handlers as Lambda, with local stand-ins for AWS —
 * dynalite on disk (or CRM_DYNAMODB_ENDPOINT), a master key file for KMS, an outbox for SES/SNS, a
 * schedules table for EventBridge Scheduler, and a clock that /dev/clock advances.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { EsdkFieldCipher } from '../lambdas/adapters/crypto/esdk-cipher';
import { DynamoStore } from '../lambdas/adapters/dynamodb/store';
import { ensureTables } from '../lambdas/adapters/dynamodb/tables';
import { LocalKeyService } from '../lambdas/adapters/kms/local-kms';
import { createLogger, silentLog } from '../lambdas/adapters/logger';
import { createApp, type App, type Settings } from '../lambdas/core/app';
import type { KeyService, Log, Store } from '../lambdas/core/shared/ports';
import { ALL_TABLES, tableNamesFromPrefix } from '../lambdas/core/policy/tables';
import { createApiHandler } from '../lambdas/http/api';
import { OffsetClock } from './clock';
import { forgettingJobs } from './jobs';
import { Outbox } from './outbox';
import { LocalScheduler } from './scheduler';
import { parseBasePath } from './base-path';
import { lockDataDir } from './data-dir-lock';
import { createLocalServer } from './server';
import { loadStaffTokens, type StaffToken } from './staff-tokens';

export interface HomeOptions {
  dataDir: string;
  port?: number;
  host?: string;
  /** External DynamoDB-compatible endpoint instead of the embedded dynalite. */
  dynamodbEndpoint?: string;
  /** Keep the embedded database in memory (tests). */
  inMemory?: boolean;
  staffTokensJson?: string;
  tablePrefix?: string;
  log?: Log;
  settings?: Settings;
  /** Test hooks: wrap the real store or key service (fault injection). */
  wrapStore?: (s: Store) => Store;
  wrapKeys?: (k: KeyService) => KeyService;
  /** Background job interval (ms); 0 disables the timer (jobs still run on /dev/clock). */
  jobIntervalMs?: number;
  /** Serve everything but the /dev helpers under this path, like an API Gateway stage (CRM_BASE_PATH). */
  basePath?: string;
}

export interface Home {
  /** The server's root, where the /dev helpers are. */
  url: string;
  /** `url` plus the base path: where the API, the page and /health are. */
  apiUrl: string;
  app: App;
  clock: OffsetClock;
  outbox: Outbox;
  scheduler: LocalScheduler;
  dynamo: DynamoDBClient;
  staffTokens: StaffToken[];
  generatedToken?: StaffToken;
  /** Runs the clock-driven jobs once (reaper, due schedules, reminders). */
  runJobs(): Promise<void>;
  close(): Promise<void>;
}

/** The clock-driven jobs (due schedules, TTL reaper, reminders), in the order they run. */
const jobs = forgettingJobs;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export async function startHome(options: HomeOptions): Promise<Home> {
  const basePath = parseBasePath(options.basePath);
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const log = options.log ?? createLogger('privacy-crm-local');

  let embedded: Server | undefined;
  let endpoint = options.dynamodbEndpoint;
  // Only the embedded database on disk needs the directory to itself.
  const unlock = !endpoint && !options.inMemory ? lockDataDir(dataDir) : () => undefined;
  if (!endpoint) {
    embedded = dynalite(
      options.inMemory ? { createTableMs: 0, deleteTableMs: 0 } : { path: join(dataDir, 'db'), createTableMs: 0, deleteTableMs: 0 },
    );
    await new Promise<void>((r) => embedded!.listen(0, '127.0.0.1', () => r()));
    endpoint = `http://127.0.0.1:${(embedded.address() as AddressInfo).port}`;
  }
  const dynamo = new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'local',
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local' },
    maxAttempts: 2,
  });
  const prefix = options.tablePrefix ?? 'crm-local-';
  await ensureTables(dynamo, prefix, ALL_TABLES);

  const clock = OffsetClock.inDirectory(dataDir);
  const outbox = Outbox.inDirectory(dataDir, clock);
  const baseStore = new DynamoStore({ client: dynamo, tableNames: tableNamesFromPrefix(prefix) });
  const store = options.wrapStore ? options.wrapStore(baseStore) : baseStore;
  const baseKeys = await LocalKeyService.fromDirectory(dataDir);
  const keys = options.wrapKeys ? options.wrapKeys(baseKeys) : baseKeys;
  const scheduler = new LocalScheduler(store, clock);
  const app = createApp({ store, keys, cipher: new EsdkFieldCipher(), clock, notifier: outbox, scheduler, log }, { ...options.settings });
  const api = createApiHandler(app, { log });
  // API Gateway's access log, locally: one line per request (route, status, duration), never the path's ids.
  const handler: typeof api = async (event, context) => {
    const t0 = performance.now();
    const result = await api(event, context);
    const durationMs = Math.round((performance.now() - t0) * 10) / 10;
    log.info('request', { route: `${event.httpMethod} ${event.resource}`, status: result.statusCode, durationMs });
    return result;
  };
  const { tokens, generated } = loadStaffTokens(options.staffTokensJson, dataDir);

  let ready = false;
  let running: Promise<void> | undefined;
  const home: Home = {
    url: '',
    apiUrl: '',
    app,
    clock,
    outbox,
    scheduler,
    dynamo,
    staffTokens: tokens,
    generatedToken: generated,
    async runJobs() {
      // One run at a time: the timer and /dev/clock may both ask.
      while (running) await running;
      running = (async () => {
        for (const job of jobs) {
          try {
            await job(home);
          } catch (e) {
            log.error('job failed', { errorName: (e as Error)?.name, job: job.name });
          }
        }
      })();
      try {
        await running;
      } finally {
        running = undefined;
      }
    },
    close: async () => undefined,
  };

  const server = createLocalServer({
    handler,
    staffTokens: tokens,
    isReady: () => ready,
    devRoutes: isLoopback(options.host ?? '127.0.0.1'),
    basePath,
    dev: {
      outbox: () => ({
        messages: outbox
          .list()
          .map(({ to, channel, subject, body, sentAt }) => ({ to, channel, ...(subject ? { subject } : {}), body, sentAt })),
      }),
      advanceClock: async (seconds) => {
        clock.advance(seconds);
        await home.runJobs();
        return { now: clock.now().toISOString() };
      },
      resetClock: async () => ({ now: clock.reset().toISOString() }),
    },
  });
  // A listen error (port taken since npm start checked it) rejects, for the caller to explain.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  home.url = `http://${options.host ?? '127.0.0.1'}:${addr.port}`;
  home.apiUrl = `${home.url}${basePath}`;

  const interval = options.jobIntervalMs ?? 5_000;
  const timer = interval > 0 ? setInterval(() => void home.runJobs(), interval) : undefined;
  timer?.unref();

  home.close = async () => {
    if (timer) clearInterval(timer);
    while (running) await running;
    // Finish in-flight requests; idle keep-alive sockets close now, stragglers after 5 s.
    await new Promise<void>((r) => {
      const force = setTimeout(() => server.closeAllConnections(), 5_000);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        r();
      });
      server.closeIdleConnections();
    });
    dynamo.destroy();
    if (embedded) await new Promise<void>((r) => embedded!.close(() => r()));
    unlock();
  };
  ready = true;
  return home;
}

export { silentLog };
