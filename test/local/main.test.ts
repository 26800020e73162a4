/** `npm start` as a user runs it: a real process, a data dir on disk, signals. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_TABLES } from '../../lambdas/core/policy/tables';
import { startDynalite } from '../support/dynalite';

const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>, viaNpm = false): Promise<Running> {
  const [cmd, args] = viaNpm ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', 'local/main.ts']];
  const child = spawn(cmd, args as string[], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], output: () => out, exited });
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}:\n${out}`));
    });
  });
}

const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'crm-main-'));
  dirs.push(d);
  return d;
};

describe('npm start', () => {
  it('prints a generated admin token, keeps data on disk across a graceful restart, and stops cleanly on SIGTERM', async () => {
    const dir = dataDir();
    const first = await start({ CRM_DATA_DIR: dir });
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    const token = /admin token \(kept in .*admin-token\): (\S+)/.exec(first.output())?.[1];
    expect(token).toBeTruthy();
    const created = await fetch(`${first.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Disk Person', email: 'disk@example.com' }),
    });
    expect(created.status).toBe(201);
    const { customerId } = (await created.json()) as { customerId: string };
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'admin-token')).mode & 0o777).toBe(0o600);

    const second = await start({ CRM_DATA_DIR: dir });
    expect(second.output()).toContain(token!);
    const found = await fetch(`${second.url}/v1/customers/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'DISK@example.com' }),
    });
    expect(await found.json()).toEqual({ customerId });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(first.output() + second.output()).not.toContain('disk@example.com');
  });

  it('uses CRM_DYNAMODB_ENDPOINT and CRM_STAFF_TOKENS when given, creating the tables there', async () => {
    const db = await startDynalite('unused-');
    try {
      const staff = JSON.stringify([{ token: 'ops-token-0123456789abcdef', staffId: 'ops-1', role: 'agent' }]);
      const run = await start({ CRM_DATA_DIR: dataDir(), CRM_DYNAMODB_ENDPOINT: db.endpoint, CRM_STAFF_TOKENS: staff });
      expect(run.output()).toContain('staff tokens: 1 from CRM_STAFF_TOKENS');
      const tables = (await db.client.send(new ListTablesCommand({}))).TableNames ?? [];
      for (const t of ALL_TABLES) expect(tables).toContain(`crm-local-${t.name}`);
      const res = await fetch(`${run.url}/v1/customers`, {
        method: 'POST',
        headers: { authorization: 'Bearer ops-token-0123456789abcdef', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Endpoint Person', phone: '+44 20 7946 0958' }),
      });
      expect(res.status).toBe(201);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('refuses to start with malformed settings, saying which', async () => {
    await expect(start({ CRM_DATA_DIR: dataDir(), CRM_STAFF_TOKENS: '[{"token":"short","staffId":"x","role":"agent"}]' })).rejects.toThrow(
      /CRM_STAFF_TOKENS\[0\]\.token/,
    );
    await expect(start({ CRM_DATA_DIR: dataDir(), CRM_RETENTION_DAYS: '{"receipts": 1}' })).rejects.toThrow(/receipts is not a category/);
  });

  it('stops the server when SIGTERM reaches `npm start` itself, and refuses a second server on the same data dir', async () => {
    const dir = dataDir();
    const run = await start({ CRM_DATA_DIR: dir }, true);
    expect((await fetch(`${run.url}/health`)).status).toBe(200);
    await expect(start({ CRM_DATA_DIR: dir })).rejects.toThrow(/is in use by another privacy-crm \(pid \d+\)/);
    run.child.kill('SIGTERM');
    // npm itself may end by the signal (no exit code) depending on how it was started; what matters is the server.
    await run.exited;
    await expect
      .poll(
        () =>
          fetch(`${run.url}/health`).then(
            () => 'up',
            () => 'down',
          ),
        { timeout: 5_000 },
      )
      .toBe('down');
    // The lock went with the server: the next start works.
    const again = await start({ CRM_DATA_DIR: dir });
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});
