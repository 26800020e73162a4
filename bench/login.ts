/**
 * The portal login's two paths without their time padding (`npm run bench -- --login`): what
 * LOGIN_BUDGET_MS in lambdas/core/portal/sign-in.ts is chosen from.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../lambdas/adapters/logger';
import { startHome } from '../local/home';

const token = 'bench-admin-token-0123456789';

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return {
    n: s.length,
    p50: +q(0.5).toFixed(2),
    p95: +q(0.95).toFixed(2),
    p99: +q(0.99).toFixed(2),
    mean: +(s.reduce((a, b) => a + b, 0) / s.length).toFixed(2),
  };
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

/**
 * Portal login without its time padding (budget 0): the slow path (a known contact: code stored and
 * sent) and the fast one (unknown contact). LOGIN_BUDGET_MS in lambdas/core/sign-in.ts is the smallest
 * 50 ms step at or above the slow path's p99, measured from the client over loopback HTTP.
 */
export async function loginBench() {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-login-'));
  const n = Number(process.env.BENCH_LOGIN_N ?? 200);
  const home = await startHome({
    dataDir,
    port: 0,
    inMemory: true,
    log: silentLog,
    jobIntervalMs: 0,
    staffTokensJson: JSON.stringify([{ token, staffId: 'bench', role: 'admin' }]),
    settings: { portal: { signIn: { loginBudgetMs: 0, perClient: { limit: 1_000_000, windowSeconds: 600 } } } },
  });
  const post = async (path: string, body: unknown, auth = false) => {
    const res = await fetch(`${home.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (res.status >= 400) throw new Error(`bench: POST ${path} → ${res.status}`);
  };
  try {
    for (let i = 0; i < n; i++) await post('/v1/customers', { name: `Login Person ${i}`, email: `login${i}@example.com` }, true);
    const known: number[] = [];
    const unknown: number[] = [];
    // Alternated, so both paths see the same machine load; one login per contact (its own rate limit).
    for (let i = 0; i < n; i++) {
      known.push((await time(() => post('/v1/portal/login', { email: `login${i}@example.com` })))[0]);
      unknown.push((await time(() => post('/v1/portal/login', { email: `nobody${i}@example.com` })))[0]);
    }
    const slow = stats(known.slice(10));
    return { slowPathMs: slow, fastPathMs: stats(unknown.slice(10)), smallestBudgetMs: Math.ceil(slow.p99 / 50) * 50 };
  } finally {
    await home.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
