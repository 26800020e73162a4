/**
 * The architecture, enforced: dependency-cruiser's layer rules and no cycles (type-only imports
 * counted), files short enough to read in one sitting, lines of at most 140 characters (Biome's
 * formatter wraps code; strings, comments and markup are checked here), and the few casts that remain justified.
 * docs/ARCHITECTURE.md draws the layers these rules check.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_DIRS = ['lambdas', 'local', 'lib', 'bin', 'portal'];

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: { name: string }[];
}

function cruise(): { violations: Violation[]; modules: number } {
  const bin = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const out = execFileSync(process.execPath, [bin, ...SOURCE_DIRS, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const result = JSON.parse(out) as { summary: { violations: Violation[]; totalCruised: number } };
  return { violations: result.summary.violations, modules: result.summary.totalCruised };
}

function sourceFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...SOURCE_DIRS], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out.split('\n').filter((f) => /\.(ts|mts)$/.test(f) && !/\.generated\.ts$/.test(f));
}

describe('architecture', () => {
  const { violations, modules } = cruise();

  it('dependency-cruiser sees the whole source tree', () => {
    expect(modules).toBeGreaterThan(100);
  });

  it('has no import cycles anywhere, type-only imports included', () => {
    const cycles = violations
      .filter((v) => v.rule.name === 'no-circular')
      .map((v) => [v.from, ...(v.cycle ?? []).map((c) => c.name)].join(' → '));
    expect(cycles).toEqual([]);
  });

  it('keeps every layer rule (policy < shared < customer < categories | forgetting | portal < app; core imports nothing outside)', () => {
    const broken = violations.filter((v) => v.rule.name !== 'no-circular').map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(broken).toEqual([]);
  });

  it('keeps every source file at 300 lines or fewer (generated files aside)', () => {
    const long = sourceFiles()
      .map((f) => [f, readFileSync(join(ROOT, f), 'utf8').split('\n').length - 1] as const)
      .filter(([, n]) => n > 300)
      .map(([f, n]) => `${f}: ${n} lines`);
    expect(long).toEqual([]);
  });

  it('keeps every line of code, tests, bench and markup at 140 characters or fewer (generated files aside)', () => {
    const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...SOURCE_DIRS, 'test', 'bench', 'client'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const files = out.split('\n').filter((f) => /\.(ts|mts|js|mjs|cjs|html|css)$/.test(f) && !/\.generated\.ts$/.test(f));
    expect(files.length).toBeGreaterThan(200);
    const long = files.flatMap((f) =>
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > 140 ? [`${f}:${i + 1}: ${line.length} characters`] : [])),
    );
    expect(long).toEqual([]);
  });

  it('has at most 3 double casts in lambdas/ and local/, each with a comment saying why', () => {
    const casts = sourceFiles()
      .filter((f) => f.startsWith('lambdas/') || f.startsWith('local/'))
      .flatMap((f) =>
        readFileSync(join(ROOT, f), 'utf8')
          .split('\n')
          .map((line, i, lines) => ({ where: `${f}:${i + 1}`, line, before: lines[i - 1] ?? '' }))
          .filter(({ line }) => line.includes('as unknown as')),
      );
    expect(casts.length).toBeLessThanOrEqual(3);
    for (const c of casts) expect(`${c.before}\n${c.line}`, c.where).toMatch(/\/\/|\/\*/);
  });
});
