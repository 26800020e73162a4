/**
 * bench/results.json (`{"metrics":[{"name","value","unit"}]}`) and the README's Performance table made
 * from it. The targets are issue 12's; a metric without one is reported only.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface Metric {
  name: string;
  value: number;
  unit: string;
}

export interface Results {
  metrics: Metric[];
}

export const TARGETS: Readonly<Record<string, { max?: number; min?: number }>> = {
  kms_calls_per_request: { max: 0.01 },
  kms_calls_per_warm_read: { max: 0 },
  kms_calls_per_warm_search: { max: 0 },
  reminder_items_read_per_due: { max: 2 },
  cost_per_million_requests_usd: { max: 7 },
  bundle_max_kb: { max: 1024 },
  init_max_ms: { max: 150 },
  export_10k_ms: { max: 2000 },
  erasure_10k_ms: { max: 10_000 },
  api_read_p99_ms: { max: 60 },
};

/** The order of the table: issue 12's list first, then anything else measured. */
export const METRIC_ORDER = [
  'kms_calls_per_request',
  'kms_calls_per_warm_read',
  'kms_calls_per_warm_search',
  'reminder_items_read_per_due',
  'reminder_items_read_per_run',
  'reminder_items_read_per_due_all_in',
  'cost_per_million_requests_usd',
  'cost_per_million_requests_all_usd',
  'bundle_max_kb',
  'init_max_ms',
  'export_10k_ms',
  'erasure_10k_ms',
  'api_read_rps',
  'api_read_p99_ms',
] as const;

export function met(m: Metric): boolean | undefined {
  const t = TARGETS[m.name];
  if (!t || !Number.isFinite(m.value)) return undefined;
  return (t.max === undefined || m.value <= t.max) && (t.min === undefined || m.value >= t.min);
}

function targetText(name: string): string {
  const t = TARGETS[name];
  if (!t) return 'report';
  return t.max !== undefined ? `≤ ${t.max}` : `≥ ${t.min}`;
}

/** Metrics in table order, replacing same-named ones of `previous` (a section re-run keeps the others). */
export function merge(previous: Metric[], fresh: Metric[]): Metric[] {
  const byName = new Map(previous.map((m) => [m.name, m]));
  for (const m of fresh) byName.set(m.name, m);
  const rank = (n: string) => {
    const i = (METRIC_ORDER as readonly string[]).indexOf(n);
    return i < 0 ? METRIC_ORDER.length : i;
  };
  return [...byName.values()].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

const show = (v: number): string => (Number.isInteger(v) ? String(v) : String(+v.toPrecision(4)));

export function readmeTable(metrics: Metric[]): string {
  const rows = metrics.map((m) => {
    const ok = met(m);
    return `| \`${m.name}\` | ${show(m.value)} | ${m.unit} | ${targetText(m.name)} | ${ok === undefined ? '—' : ok ? 'yes' : 'no'} |`;
  });
  return ['| metric | value | unit | target | met |', '|---|---:|---|---|---|', ...rows].join('\n');
}

export const README_START = '<!-- bench:results:start (npm run bench writes this table from bench/results.json) -->';
export const README_END = '<!-- bench:results:end -->';

/** The README with the table between the markers replaced. */
export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error('README.md has no bench results markers.');
  return `${readme.slice(0, start + README_START.length)}\n${table}\n${readme.slice(end)}`;
}

/** The table now between the markers. */
export function tableIn(readme: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error('README.md has no bench results markers.');
  return readme.slice(start + README_START.length, end).trim();
}

export function readResults(path: string): Results {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Results;
  } catch {
    return { metrics: [] };
  }
}

export function writeResults(path: string, results: Results): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
