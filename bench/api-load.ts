/**
 * Read throughput and latency of the local home (npm start's stack: real HTTP server, in-memory dynalite,
 * local KMS, the Encryption SDK): autocannon with 16 connections reading customers (GET /v1/customers/{id},
 * each request a customer of a few hundred, so the key cache is warm as on a busy instance). autocannon
 * runs in a child process, so it does not share the server's event loop.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../lambdas/adapters/logger';
import { startHome } from '../local/home';

const TOKEN = 'bench-agent-token-0123456789';

/** Runs in the child: autocannon's programmatic API, one customer after another. */
const CLIENT = `
import autocannon from 'autocannon';
const { url, ids, token, connections, duration } = JSON.parse(process.env.LOAD);
let i = 0;
const result = await autocannon({
  url, connections, duration,
  headers: { authorization: 'Bearer ' + token },
  requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: '/v1/customers/' + ids[i++ % ids.length] }) }],
});
const { requests, latency, non2xx, errors } = result;
console.log(JSON.stringify({ rps: requests.average, p50: latency.p50, p99: latency.p99, non2xx, errors, total: requests.total }));
`;

export interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

export async function apiReadLoad(opts: { customers: number; connections: number; durationS: number }): Promise<LoadFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-load-'));
  const home = await startHome({
    dataDir,
    port: 0,
    inMemory: true,
    log: silentLog,
    jobIntervalMs: 0,
    staffTokensJson: JSON.stringify([{ token: TOKEN, staffId: 'bench', role: 'agent' }]),
  });
  try {
    const staff = { kind: 'staff', staffId: 'bench', role: 'agent' } as const;
    const ids: string[] = [];
    for (let i = 0; i < opts.customers; i++) {
      ids.push((await home.app.customers.create(staff, { name: `Load Person ${i}`, email: `load${i}@bench.example` })).customer.customerId);
    }
    const env = {
      ...process.env,
      LOAD: JSON.stringify({ url: home.url, ids, token: TOKEN, connections: opts.connections, duration: opts.durationS }),
    };
    // Async child: the server in this process must keep answering while autocannon runs.
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', CLIENT], { env, cwd: process.cwd(), maxBuffer: 1 << 20 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
    });
    return JSON.parse(out.trim().split('\n').at(-1)!) as LoadFigures;
  } finally {
    await home.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
