/**
 * The served OpenAPI document passes both third-party linters: Spectral (spectral:oas plus the OWASP
 * API ruleset, as configured in .spectral.yaml) with no error or warning, and Redocly's recommended
 * rules (redocly.yaml) with none either. The document is the exact body GET /v1/openapi.json answers.
 * Both CLIs run offline from node_modules, side by side; each also lints a canary document with one
 * known defect, which proves its rules were loaded (an empty result could otherwise mean no rules).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/adapters/logger';
import type { App } from '../../lambdas/core/app';
import { DependencyUnavailableError, RateLimitedError } from '../../lambdas/core/shared/errors';
import { createApiHandler } from '../../lambdas/http/api';
import { toProblem } from '../../lambdas/http/problem';
import { REPO_ROOT } from '../../lib/paths';
import { apiGatewayEvent } from '../support/api-gateway';

const run = promisify(execFile);
const bin = (path: string) => join(REPO_ROOT, 'node_modules', path);

interface SpectralResult {
  code: string;
  severity: number;
  source: string;
  path: string[];
  message: string;
}
interface RedoclyReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { source: { ref: string } }[] }[];
}

let dir: string;
let served: string;
let spectral: SpectralResult[];
let redocly: RedoclyReport[];

beforeAll(async () => {
  // The public route needs no app: the handler answers it from the route table alone.
  const res = await createApiHandler({} as App, { log: silentLog })(apiGatewayEvent('GET', '/v1/openapi.json'));
  expect(res.statusCode).toBe(200);
  served = res.body;
  dir = mkdtempSync(join(tmpdir(), 'crm-contract-'));
  writeFileSync(join(dir, 'openapi.json'), served);
  // One defect each linter must report: a request string without maxLength, and no servers.
  const canary = JSON.parse(served);
  canary.components.schemas.RevealRequest.properties.purpose = { type: 'string' };
  delete canary.servers;
  writeFileSync(join(dir, 'canary.json'), JSON.stringify(canary));

  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  const [, redoclyRun] = await Promise.all([
    run(
      process.execPath,
      [
        bin('@stoplight/spectral-cli/dist/index.js'),
        'lint',
        '-q',
        '-r',
        join(REPO_ROOT, '.spectral.yaml'),
        '-f',
        'json',
        '-o',
        join(dir, 'spectral.json'),
        'openapi.json',
        'canary.json',
      ],
      { cwd: dir, env },
    ).catch((e: { code?: number }) => {
      if (e.code !== 1) throw e; // 1: problems found (the canary's); anything else is a broken run.
    }),
    run(
      process.execPath,
      [
        bin('@redocly/cli/bin/cli.js'),
        'lint',
        '--config',
        join(REPO_ROOT, 'redocly.yaml'),
        '--format',
        'json',
        'openapi.json',
        'canary.json',
      ],
      { cwd: dir, env },
    ).catch((e: { code?: number; stdout?: string }) => {
      if (e.code !== 1 || !e.stdout) throw e;
      return { stdout: e.stdout };
    }),
  ]);
  spectral = JSON.parse(readFileSync(join(dir, 'spectral.json'), 'utf8'));
  // One JSON report per file, one after the other.
  redocly = redoclyRun.stdout.split(/(?<=\})\s*(?=\{\s*"totals")/).map((part) => JSON.parse(part) as RedoclyReport);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bySource = (file: string) => (r: SpectralResult) => r.source.endsWith(file);
const line = (r: SpectralResult) => `${r.code} at ${r.path.join('.')}: ${r.message}`;

describe('the served OpenAPI document', () => {
  it('has no Spectral error or warning (spectral:oas and OWASP, .spectral.yaml)', () => {
    expect(spectral.filter(bySource('canary.json')).map((r) => r.code)).toContain('owasp:api4:2023-string-limit');
    expect(
      spectral
        .filter(bySource('openapi.json'))
        .filter((r) => r.severity <= 1)
        .map(line),
    ).toEqual([]);
  });

  it('has no Redocly error or warning (recommended)', () => {
    const problems = (file: string) => redocly.flatMap((r) => r.problems).filter((p) => p.location[0]?.source.ref.endsWith(file));
    expect(problems('canary.json').map((p) => p.ruleId)).toContain('no-empty-servers');
    expect(problems('openapi.json').map((p) => `${p.severity} ${p.ruleId}: ${p.message}`)).toEqual([]);
  });

  it('switches off only the Spectral rules the issue allows, each with a reason', () => {
    const lines = readFileSync(join(REPO_ROOT, '.spectral.yaml'), 'utf8').split('\n');
    const off = lines.flatMap((l, i) => (/^\s+(\S+): off\s*$/.test(l) ? [{ rule: /^\s+(\S+):/.exec(l)![1], reason: lines[i - 1] }] : []));
    expect(off.map((o) => o.rule).sort()).toEqual(
      [
        'owasp:api4:2023-rate-limit',
        'owasp:api2:2023-read-restricted',
        'owasp:api2:2023-write-restricted',
        'owasp:api8:2023-define-error-responses-401',
        'owasp:api4:2023-string-restricted',
        'owasp:api4:2023-array-limit',
      ].sort(),
    );
    for (const o of off) expect(o.reason, o.rule).toMatch(/^\s*# \S.{20,}/);
  });

  it('bounds every array it answers with maxItems, but the export, which holds every row by design', () => {
    const unbounded: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (Array.isArray(node)) {
        for (const [i, n] of node.entries()) visit(n, `${path}/${i}`);
        return;
      }
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (o.type === 'array' && typeof o.maxItems !== 'number') unbounded.push(path);
      for (const [k, v] of Object.entries(o)) visit(v, `${path}/${k}`);
    };
    const doc = JSON.parse(served);
    visit(doc.paths, '#/paths');
    visit(doc.components.schemas, '#/components/schemas');
    const outsideExport = unbounded.filter((p) => !p.startsWith('#/components/schemas/CustomerExport/'));
    expect(outsideExport).toEqual([]);
    // The check sees arrays: the export's own lists are found, and exempt.
    expect(unbounded.length).toBeGreaterThan(0);
  });
});

describe('what the document says about retries and origins, in the real answers', () => {
  it('every 429 and 503 carries Retry-After in whole seconds, and no answer carries Access-Control-Allow-Origin', () => {
    const doc = JSON.parse(served);
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        for (const status of ['429', '503'])
          expect(op.responses[status].headers['Retry-After'].required, `${method} ${path} ${status}`).toBe(true);
      }
    }
    for (const error of [new RateLimitedError('Slow down.', 2.5), new DependencyUnavailableError('KMS')]) {
      const answer = toProblem(error);
      expect(answer.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(Object.keys(answer.headers).map((h) => h.toLowerCase())).not.toContain('access-control-allow-origin');
    }
  });
});
