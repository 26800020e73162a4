/** bench/results.json and the README's Performance table, which npm run bench writes from it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { merge, met, readmeTable, README_END, README_START, readResults, tableIn, withTable } from '../../bench/results';

const ISSUE_12 = [
  'kms_calls_per_request',
  'kms_calls_per_warm_read',
  'kms_calls_per_warm_search',
  'reminder_items_read_per_due',
  'cost_per_million_requests_usd',
  'bundle_max_kb',
  'init_max_ms',
  'export_10k_ms',
  'erasure_10k_ms',
  'api_read_rps',
  'api_read_p99_ms',
];

describe('bench/results.json', () => {
  const { metrics } = readResults('bench/results.json');

  it('holds every metric issue 12 names, each a number with a unit', () => {
    expect(metrics.map((m) => m.name)).toEqual(expect.arrayContaining(ISSUE_12));
    for (const m of metrics) {
      expect(Object.keys(m).sort(), m.name).toEqual(['name', 'unit', 'value']);
      expect(Number.isFinite(m.value), m.name).toBe(true);
      expect(m.unit, m.name).not.toBe('');
    }
  });

  it('is what the README shows', () => {
    expect(tableIn(readFileSync('README.md', 'utf8'))).toBe(readmeTable(metrics));
  });
});

describe('the results table', () => {
  it('says whether each target is met, and "report" where there is none', () => {
    expect(met({ name: 'bundle_max_kb', value: 1024, unit: 'KB' })).toBe(true);
    expect(met({ name: 'bundle_max_kb', value: 1024.1, unit: 'KB' })).toBe(false);
    expect(met({ name: 'api_read_rps', value: 5, unit: 'requests/s' })).toBeUndefined();
    expect(
      readmeTable([
        { name: 'kms_calls_per_warm_read', value: 0, unit: 'calls' },
        { name: 'api_read_rps', value: 312.5, unit: 'requests/s' },
      ]),
    ).toBe(
      [
        '| metric | value | unit | target | met |',
        '|---|---:|---|---|---|',
        '| `kms_calls_per_warm_read` | 0 | calls | ≤ 0 | yes |',
        '| `api_read_rps` | 312.5 | requests/s | report | — |',
      ].join('\n'),
    );
  });

  it("keeps the figures of sections not run, in the issue's order", () => {
    const merged = merge(
      [
        { name: 'api_read_rps', value: 1, unit: 'r' },
        { name: 'init_max_ms', value: 200, unit: 'ms' },
      ],
      [
        { name: 'init_max_ms', value: 120, unit: 'ms' },
        { name: 'kms_calls_per_request', value: 0.5, unit: 'c' },
      ],
    );
    expect(merged.map((m) => [m.name, m.value])).toEqual([
      ['kms_calls_per_request', 0.5],
      ['init_max_ms', 120],
      ['api_read_rps', 1],
    ]);
  });

  it('replaces only what is between the markers', () => {
    const readme = `# x\n\n${README_START}\nold\n${README_END}\nafter\n`;
    expect(withTable(readme, 'new')).toBe(`# x\n\n${README_START}\nnew\n${README_END}\nafter\n`);
    expect(() => withTable('# no markers', 'new')).toThrow(/markers/);
  });
});
