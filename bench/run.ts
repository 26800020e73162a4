/**
 * `npm run bench`: issue 12's measured targets. Sections (all by default, or `-- --only=bundles,sim`):
 *
 * - bundles: every Lambda bundle as CDK builds it, its size, and its module load in a fresh process;
 * - sim:     the scale simulator (bench/sim/): KMS calls and the cost per million requests;
 * - big:     one customer with 10,000 rows: export and erasure on the local home;
 * - load:    reads against the local home with autocannon, 16 connections;
 * - login:   the portal login's two paths without their padding (`-- --login` runs only this).
 *
 * Writes bench/results.json (sections not run keep their last figures) and the README's table.
 * Sizes: BENCH_CUSTOMERS, BENCH_INSTANCES, BENCH_WARMUP, BENCH_REQUESTS, BENCH_ZIPF_S, BENCH_LOAD_SECONDS.
 * Figures, not pass/fail: tests never time anything.
 */
import { loadavg } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { apiReadLoad } from './api-load';
import { bigCustomer } from './big-customer';
import { loginBench } from './login';
import { measureBundles } from './bundles';
import { PRICES } from './prices';
import { merge, readmeTable, readResults, withTable, writeResults, type Metric } from './results';
import { printSimulation } from './report';
import { DEFAULT_SIM, simulate } from './sim/simulate';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const RESULTS = 'bench/results.json';
const README = 'README.md';
const SECTIONS = ['bundles', 'sim', 'big', 'load', 'login'] as const;
type Section = (typeof SECTIONS)[number];

const onlyArg = process.argv.includes('--login') ? '--only=login' : process.argv.find((a) => a.startsWith('--only='));
const only = new Set<Section>(onlyArg ? (onlyArg.slice(7).split(',') as Section[]) : SECTIONS);
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const say = (line: string) => console.log(line);
const started = performance.now();
const cpu0 = process.cpuUsage();
const fresh: Metric[] = [];
const previous = readResults(RESULTS).metrics;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

say(`privacy-crm bench — Node ${process.version}, load average ${load()}, prices ${PRICES.region} ${PRICES.asOf}`);

if (only.has('bundles')) {
  say('\nbundles (CDK esbuild options; module load in a fresh process, 5 runs each)');
  const figures = await measureBundles({ outdir: 'bench/.out/bundles', runs: 5, progress: say });
  fresh.push({ name: 'bundle_max_kb', value: +(Math.max(...figures.map((f) => f.bytes)) / 1024).toFixed(1), unit: 'KB' });
  // CPU time: what the load itself costs, whatever else this shared machine is running (wall time printed above).
  fresh.push({ name: 'init_max_ms', value: +Math.max(...figures.map((f) => f.medianCpuMs)).toFixed(1), unit: 'ms' });
}

if (only.has('sim')) {
  const initMs =
    fresh.find((m) => m.name === 'init_max_ms')?.value ?? previous.find((m) => m.name === 'init_max_ms')?.value ?? DEFAULT_SIM.initMs;
  const options = {
    ...DEFAULT_SIM,
    customers: num('BENCH_CUSTOMERS', DEFAULT_SIM.customers),
    instances: num('BENCH_INSTANCES', DEFAULT_SIM.instances),
    warmupRequests: num('BENCH_WARMUP', DEFAULT_SIM.warmupRequests),
    measuredRequests: num('BENCH_REQUESTS', DEFAULT_SIM.measuredRequests),
    zipfS: num('BENCH_ZIPF_S', DEFAULT_SIM.zipfS),
    initMs,
    progress: say,
  };
  say(
    `\nscale simulator: ${options.instances} instances, ${options.customers} customers, ${options.requestsPerSecond} requests/s simulated`,
  );
  const sim = await simulate(options);
  printSimulation(sim, say);
  fresh.push(
    { name: 'kms_calls_per_request', value: +sim.kmsPerRequest.toFixed(4), unit: 'calls/request' },
    { name: 'kms_calls_per_warm_read', value: +sim.warmRead.toFixed(3), unit: 'calls' },
    { name: 'kms_calls_per_warm_search', value: +sim.warmSearch.toFixed(3), unit: 'calls' },
    { name: 'reminder_items_read_per_due', value: +sim.reminders.itemsPerDue.toFixed(2), unit: 'items/reminder' },
    { name: 'reminder_items_read_per_run', value: sim.reminders.perRun, unit: 'items/run' },
    { name: 'reminder_items_read_per_due_all_in', value: +sim.reminders.itemsPerDueAllIn.toFixed(2), unit: 'items/reminder' },
    { name: 'cost_per_million_requests_usd', value: +sim.costPerMillionListed.toFixed(2), unit: 'USD' },
    { name: 'cost_per_million_requests_all_usd', value: +sim.costPerMillionTotal.toFixed(2), unit: 'USD' },
  );
}

if (only.has('big')) {
  say('\none customer with 10,000 rows (local home: dynalite, local KMS, the Encryption SDK)');
  const big = await bigCustomer(say);
  fresh.push(
    { name: 'export_10k_ms', value: Math.round(big.exportMs), unit: 'ms' },
    { name: 'erasure_10k_ms', value: Math.round(big.erasureMs), unit: 'ms' },
  );
  say(
    `  CPU: export ${big.exportCpuMs.toFixed(0)} ms, erasure ${big.erasureCpuMs.toFixed(0)} ms ` +
      '(server, dynalite and client in this one process)',
  );
}

if (only.has('load')) {
  const seconds = num('BENCH_LOAD_SECONDS', 15);
  say(`\nreads on the local home: autocannon, 16 connections, ${seconds} s`);
  const figures = await apiReadLoad({ customers: 300, connections: 16, durationS: seconds });
  say(
    `  ${figures.rps} requests/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms, ` +
      `${figures.total} requests, ${figures.non2xx} not 2xx, ${figures.errors} errors`,
  );
  fresh.push({ name: 'api_read_rps', value: figures.rps, unit: 'requests/s' }, { name: 'api_read_p99_ms', value: figures.p99, unit: 'ms' });
}

if (only.has('login')) {
  say('\nportal login without its padding (known contact: code stored and sent; unknown: nothing)');
  say(JSON.stringify(await loginBench(), null, 2));
}

const metrics = merge(previous, fresh);
writeResults(RESULTS, { metrics });
writeFileSync(README, withTable(readFileSync(README, 'utf8'), readmeTable(metrics)));
const used = process.cpuUsage(cpu0);
say(`\n${readmeTable(metrics)}`);
say(
  `\nwrote ${RESULTS} and the README table; ${((performance.now() - started) / 1000).toFixed(0)} s wall, ` +
    `${((used.user + used.system) / 1e6).toFixed(0)} s CPU, load average ${load()}`,
);
