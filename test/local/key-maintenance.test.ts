/** `npm run rebuild-index` and `npm run rewrap-keys` against the local home. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalKeyService } from '../../lambdas/adapters/kms/local-kms';
import { silentLog } from '../../lambdas/adapters/logger';
import { startHome } from '../../local/home';
import { parseArgs, runKeyJob, summary } from '../../local/key-maintenance';
import { startTestHome, STAFF_TOKENS_JSON, TOKENS } from '../support/home';
import { scanAll } from '../support/tables';

const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/key-maintenance.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('the key jobs on a running home (instances refresh at once)', () => {
  it('rebuild-index changes every index entry and search still finds everyone; rewrap-keys --rotate moves every key', async () => {
    const home = await startTestHome({ settings: { vault: { keyRefreshMs: 0 } } });
    try {
      const emails = Array.from({ length: 6 }, (_, n) => `job${n}@example.com`);
      const ids: string[] = [];
      for (const email of emails)
        ids.push((await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: 'Job Test', email } })).body.customerId);
      const before = new Set((await scanAll(home.dynamo))['contact-index']!.map((r) => r.lookup!.S));
      const keys = await LocalKeyService.fromDirectory(home.dataDir);
      const options = { client: home.dynamo, prefix: 'crm-local-', keys, clock: home.clock, exclusive: true, totalSegments: 3 };

      const rebuilt = await runKeyJob('rebuild-index', options);
      expect(summary('rebuild-index', rebuilt)).toBe(
        'Blind index under beacon version 2: 6 scanned, 6 changed, 0 unchanged, 0 failed; retired beacon@1.',
      );
      const after = (await scanAll(home.dynamo))['contact-index']!.map((r) => r.lookup!.S);
      expect(after).toHaveLength(6);
      for (const lookup of after) expect(before.has(lookup)).toBe(false);
      for (const [n, email] of emails.entries()) {
        const found = await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email } });
        expect(found.body.customerId).toBe(ids[n]);
      }

      const rewrapped = await runKeyJob('rewrap-keys', { ...options, rotate: true });
      expect(rewrapped.counts).toMatchObject({ scanned: 6, changed: 6, failed: 0 });
      expect(rewrapped.retired.length).toBeGreaterThan(0);
      expect((await scanAll(home.dynamo))['customer-keys']!.every((r) => r.branchVersion?.N === '2')).toBe(true);
      home.app.vault.evict(ids[0]!);
      const read = await home.request('POST', `/v1/customers/${ids[0]}/reveal`, {
        token: TOKENS.officer,
        body: { purpose: 'key job check' },
      });
      expect(read.body.email).toBe(emails[0]);
    } finally {
      await home.close();
    }
  });
});

describe('npm run rebuild-index', () => {
  it('refuses while a server holds the data dir, and rebuilds once it has stopped', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-keyjob-'));
    dirs.push(dataDir);
    const home = await startHome({ dataDir, port: 0, log: silentLog, jobIntervalMs: 0, staffTokensJson: STAFF_TOKENS_JSON });
    try {
      const res = await fetch(`${home.url}/v1/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.agent}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Disk Customer', email: 'disk@example.com' }),
      });
      expect(res.status).toBe(201);
      const refused = await run(['rebuild-index'], { CRM_DATA_DIR: dataDir });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toMatch(
        /in use by a running privacy-crm .*stop npm start first, then run npm run rebuild-index again\.$/,
      );
    } finally {
      await home.close();
    }
    const ran = await run(['rebuild-index', '--segments', '2'], { CRM_DATA_DIR: dataDir });
    expect(ran.stderr).toBe('');
    expect(ran.stdout.trim()).toBe('Blind index under beacon version 2: 1 scanned, 1 changed, 0 unchanged, 0 failed; retired beacon@1.');
    expect(ran.code).toBe(0);
  });

  it('says what it accepts', () => {
    expect(() => parseArgs(['rebuild-index', '--rotate'])).toThrow(/Unknown argument --rotate/);
    expect(() => parseArgs(['rebuild-index', '--aws'])).toThrow(/--aws needs --kms-key-id/);
    expect(() => parseArgs(['rebuild-index', '--segments', '0'])).toThrow(/--segments must be 1 to 64/);
    expect(parseArgs(['rewrap-keys', '--rotate', '--prefix', 'p-'], {})).toMatchObject({
      job: 'rewrap-keys',
      rotate: true,
      prefix: 'p-',
      segments: 4,
    });
  });
});
