/** The command line as a new user meets it: help, a taken port, and re-applying erasures while a server runs. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/adapters/logger';
import { startHome } from '../../local/home';
import { helpText, LOCAL_SETTINGS, settingsMarkdown } from '../../local/settings';

const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'crm-cli-'));
  dirs.push(d);
  return d;
};

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (30 s at most), with the SDK's Node-version notice off as `npm start` has it. */
function run(cmd: string, args: string[], env: Record<string, string>): Promise<Ran> {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after 30 s:\n${stdout}${stderr}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
const main = (args: string[], env: Record<string, string>) => run(process.execPath, ['--import', 'tsx', 'local/main.ts', ...args], env);
const reapply = (env: Record<string, string>) => run(process.execPath, ['--import', 'tsx', 'local/reapply-erasures.ts'], env);

describe('npm start -- --help', () => {
  it('prints every setting with its default and exits 0, starting nothing and creating no data dir', async () => {
    const dataDir = join(tempDir(), 'data');
    const ran = await main(['--help'], { CRM_DATA_DIR: dataDir, PORT: '1' });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe(helpText());
    for (const s of LOCAL_SETTINGS) {
      expect(ran.stdout).toMatch(new RegExp(`^  ${s.name} +${(s.default ?? 'unset').replaceAll('.', '\\.')} `, 'm'));
    }
    expect(ran.stdout).not.toContain('running at');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('answers -h through npm start too', async () => {
    const dataDir = join(tempDir(), 'data');
    const ran = await run('npm', ['start', '--silent', '--', '-h'], { CRM_DATA_DIR: dataDir });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain(helpText());
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses an unknown argument in one line that points at --help', async () => {
    const ran = await main(['--port', '4000'], { CRM_DATA_DIR: join(tempDir(), 'data') });
    expect(ran.code).toBe(1);
    expect(ran.stderr.trim().split('\n')).toEqual([expect.stringMatching(/Unknown argument --port.*--help/)]);
  });

  it("is the README's Configuration table", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = /<!-- settings:start -->\n([\s\S]*?)\n<!-- settings:end -->/.exec(readme)?.[1];
    expect(section, 'README has the settings markers').toBeDefined();
    expect(section).toBe(settingsMarkdown());
  });
});

describe('npm start on a port already in use', () => {
  it('says so in one line naming the port and PORT, exits 1, and writes nothing to the data dir', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const parent = tempDir();
      const ran = await main([], { CRM_DATA_DIR: join(parent, 'data'), PORT: String(port) });
      expect(ran.code).toBe(1);
      expect(ran.stdout).toBe('');
      const lines = ran.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`Port ${port}`);
      expect(lines[0]).toMatch(/set PORT to another port/);
      expect(readdirSync(parent)).toEqual([]);
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });
});

describe('npm run reapply-erasures', () => {
  it('refuses in one line while a server holds the data dir, and runs once it has stopped', async () => {
    const dataDir = tempDir();
    const home = await startHome({ dataDir, port: 0, log: silentLog, jobIntervalMs: 0 });
    let closed = false;
    try {
      const refused = await reapply({ CRM_DATA_DIR: dataDir });
      expect(refused.code).toBe(1);
      const lines = refused.stderr.trim().split('\n');
      expect(lines).toEqual([
        `${dataDir} is in use by a running privacy-crm (pid ${process.pid}): ` +
          'stop npm start first, then run npm run reapply-erasures again.',
      ]);
      expect(refused.stderr).not.toMatch(/Database is closed/);
      // The server was not disturbed.
      expect((await fetch(`${home.url}/health`)).status).toBe(200);
      await home.close();
      closed = true;
      const ran = await reapply({ CRM_DATA_DIR: dataDir });
      expect(ran.stderr).toBe('');
      expect(ran.code).toBe(0);
      expect(ran.stdout).toMatch(/^Ledger replayed: 0 completed erasure\(s\)/);
      expect(existsSync(join(dataDir, 'server.pid'))).toBe(false);
    } finally {
      if (!closed) await home.close();
    }
  });
});
