/**
 * The scale simulator: `instances` API instances in one process over ONE in-memory store (counting
 * DynamoDB request units by item size) and ONE local KMS (real crypto, every call counted). Customers are
 * created through the app over two simulated years, then a warm-up runs unmeasured, then the measured
 * window; simulated time advances one arrival interval per request and drives every cache (Date.now).
 */
import { CapacityCounter } from '../../lambdas/adapters/memory/capacity';
import { MemoryStore } from '../../lambdas/adapters/memory/store';
import { LocalKeyService } from '../../lambdas/adapters/kms/local-kms';
import { DEFAULT_POLICY } from '../../lambdas/core/policy/retention-policy';
import { DEFAULT_SIGN_IN_SETTINGS } from '../../lambdas/core/portal/sign-in';
import type { App, Settings } from '../../lambdas/core/app';
import { createErasureHandler } from '../../lambdas/jobs/erasure';
import { createApiHandler } from '../../lambdas/http/api';
import { CapturingNotifier, CapturingScheduler, countCalls, MeasuredLog, SimClock } from '../counting';
import { costLines, perMillionRequests, total, totalListed, tracedShare, type CostLine, type Usage } from '../prices';
import { Fleet } from './fleet';
import { Meter, type OpStats } from './meter';
import { Population, run, type SimContext } from './ops';
import { warmProbes, reminderProbe, type ReminderFigures } from './probes';
import { MIX, opPicker, permutation, rng, zipf } from './workload';

export interface SimOptions {
  customers: number;
  instances: number;
  /** Simulated arrival rate (the target load). */
  requestsPerSecond: number;
  warmupRequests: number;
  measuredRequests: number;
  lifetimeMinutes: readonly [number, number];
  zipfS: number;
  seed: number;
  /** Module load of the API bundle (bench/bundles.ts), billed on every cold start. */
  initMs: number;
  progress?: (line: string) => void;
}

export const DEFAULT_SIM: SimOptions = {
  customers: 100_000,
  instances: 100,
  requestsPerSecond: 1000,
  warmupRequests: 60_000,
  measuredRequests: 120_000,
  lifetimeMinutes: [5, 15],
  zipfS: 1,
  seed: 12,
  initMs: 150,
};

/** Memory of the functions (lib/stateless-stack.ts: the API 1024 MB, others CrmFunction's 512 MB). */
const API_MB = 1024;
const ERASURE_MB = 512;
/** Rules in the API's web ACL (lib/constructs/api-firewall.ts): the sign-in rate rule and the body-size rule. */
const WAF_RULES = 2;
const SEED_SPAN_DAYS = 700;

export interface SimResult {
  options: SimOptions;
  usage: Usage;
  costPerMillion: CostLine[];
  /** Over the services issue 12 lists; `costPerMillionTotal` adds X-Ray, SES and Scheduler. */
  costPerMillionListed: number;
  costPerMillionTotal: number;
  kmsPerRequest: number;
  kmsByMethod: Record<string, number>;
  warmRead: number;
  warmSearch: number;
  reminders: ReminderFigures;
  coldStarts: number;
  byOp: Record<string, OpStats>;
  /** Request units per table in the measured window. */
  tables: Record<string, { readUnits: number; writeUnits: number }>;
  phases: Record<string, { wallS: number; cpuS: number }>;
}

export async function simulate(options: SimOptions = DEFAULT_SIM): Promise<SimResult> {
  const say = options.progress ?? (() => undefined);
  const random = rng(options.seed);
  const clock = new SimClock(Date.parse('2024-01-01T09:00:00Z'));
  const restore = clock.install();
  try {
    const store = new CapacityCounter(new MemoryStore());
    const kms = countCalls(new LocalKeyService(LocalKeyService.generateKeys()));
    const notifier = new CapturingNotifier();
    const scheduler = new CapturingScheduler();
    // The simulator waits out no sign-in padding (it is billed below instead), so no "budget exceeded" lines.
    const log = new MeasuredLog('privacy-crm-api', clock, /budget exceeded/);
    const settings: Settings = { portal: { signIn: { loginBudgetMs: 0 } } };
    const shared = { store, keys: kms.port, notifier, scheduler, log };
    const fleetOf = <H>(size: number, handlerOf: (app: App) => H, ahead = 0) =>
      new Fleet<H>(clock, {
        size,
        lifetimeMinutes: options.lifetimeMinutes,
        ports: shared,
        settings,
        clock: ahead ? clock.ahead(ahead) : clock,
        handlerOf,
        random,
      });

    const phases: SimResult['phases'] = {};
    const phase = async (name: string, work: () => Promise<void>) => {
      const t0 = performance.now();
      const [, cpuMs] = await Meter.cpu(work);
      phases[name] = { wallS: +((performance.now() - t0) / 1000).toFixed(1), cpuS: +(cpuMs / 1000).toFixed(1) };
      say(`  ${name}: ${phases[name].wallS} s wall, ${phases[name].cpuS} s CPU`);
    };

    const people = new Population(random, zipf(options.customers, options.zipfS, random));
    await phase('seed', async () => {
      const seeder = fleetOf(1, (app) => app).instances[0]!.app;
      const officer = { kind: 'staff', staffId: 'seed', role: 'agent' } as const;
      const step = (SEED_SPAN_DAYS * 86_400_000) / options.customers;
      for (let i = 0; i < options.customers; i++) {
        const email = `customer-${i}@bench.example`;
        const { customer } = await seeder.customers.create(officer, {
          name: `Bench Customer ${i}`,
          email,
          consent: { communications: i % 2 === 0 },
        });
        people.add(customer.customerId, email);
        clock.advance(step);
        if (i % 20_000 === 19_999) say(`    ${i + 1} customers`);
      }
      people.rankWith(permutation(options.customers, random));
    });

    const meter = new Meter();
    const api = fleetOf(options.instances, (app) => createApiHandler(app, { log }));
    const grace = (DEFAULT_POLICY.erasureGraceSeconds + 3600) * 1000;
    const erasureFleet = fleetOf(4, (app) => createErasureHandler(app, log), grace);
    const ctx: SimContext = {
      clock,
      requestsPerSecond: options.requestsPerSecond,
      random,
      people,
      api,
      erasureFleet,
      notifier,
      scheduler,
      meter,
      apiMemoryMb: API_MB,
      erasureMemoryMb: ERASURE_MB,
      loginBudgetMs: DEFAULT_SIGN_IN_SETTINGS.loginBudgetMs,
      sessions: new Map(),
    };
    const pickOp = opPicker(MIX, random);
    const drive = async (requests: number) => {
      // Operations until `requests` API requests were made (a sign-in makes four).
      const until = meter.seen + requests;
      while (meter.seen < until) await run(ctx, pickOp());
    };

    await phase('warm-up', () => drive(options.warmupRequests));
    store.reset();
    kms.reset();
    log.reset();
    notifier.reset();
    api.resetCounts();
    erasureFleet.resetCounts();
    meter.measuring = true;
    await phase('measured', () => drive(options.measuredRequests));
    meter.measuring = false;
    // Cold starts: module load (measured separately) plus building the app, both billed.
    for (const fleet of [api, erasureFleet]) {
      const memory = fleet === api ? API_MB : ERASURE_MB;
      for (let i = 0; i < fleet.coldStarts; i++) meter.init(options.initMs + fleet.initCpuMs / Math.max(1, fleet.coldStarts), memory);
    }

    const capacity = store.totals();
    const tables = Object.fromEntries(
      Object.entries(store.byTable()).map(([t, c]) => [t, { readUnits: c!.readUnits, writeUnits: c!.writeUnits + c!.indexWriteUnits }]),
    );
    const kmsByMethod = kms.counts();
    const usage: Usage = {
      apiRequests: meter.apiRequests,
      lambdaInvocations: meter.invocations,
      lambdaGbSeconds: meter.gbSeconds,
      readUnits: capacity.readUnits,
      writeUnits: capacity.writeUnits + capacity.indexWriteUnits,
      kmsRequests: kms.total(),
      logBytes: meter.logBytes + log.bytes,
      xrayTraces: meter.apiRequests * tracedShare(options.requestsPerSecond),
      emails: notifier.sent.email,
      schedulerInvocations: meter.byOp.get('erasureRun')?.requests ?? 0,
    };
    const lines = perMillionRequests(
      costLines(usage, { requestsPerSecond: options.requestsPerSecond, wafRules: WAF_RULES }),
      usage.apiRequests,
    );

    let warm = { read: NaN, search: NaN };
    await phase('warm probes', async () => {
      warm = await warmProbes(ctx, kms, 200);
    });
    let reminders: ReminderFigures = { itemsRead: 0, due: 0, perRun: 0, itemsPerDue: NaN, itemsPerDueAllIn: NaN };
    await phase('reminders', async () => {
      reminders = await reminderProbe({ clock, store, shared, settings });
    });

    return {
      options,
      usage,
      costPerMillion: lines,
      costPerMillionListed: totalListed(lines),
      costPerMillionTotal: total(lines),
      kmsPerRequest: usage.kmsRequests / usage.apiRequests,
      kmsByMethod,
      warmRead: warm.read,
      warmSearch: warm.search,
      reminders,
      coldStarts: api.coldStarts,
      byOp: Object.fromEntries(meter.byOp),
      tables,
      phases,
    };
  } finally {
    restore();
  }
}
