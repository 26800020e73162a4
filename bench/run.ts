/**
 * `npm run bench`: throughput and latency of the hot paths on the local home (in-memory dynalite,
 * local KMS, the real Encryption SDK), plus the per-value cost of the cipher and the key cache's effect,
 * and the portal login's unpadded paths (`npm run bench -- --login` runs only that part).
 * Figures, not pass/fail: tests never time anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { EsdkFieldCipher } from '../lambdas/adapters/crypto/esdk-cipher';
import { silentLog } from '../lambdas/adapters/logger';
import { startHome } from '../local/home';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const N = Number(process.env.BENCH_N ?? 300);
const token = 'bench-admin-token-0123456789';

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, p50: +q(0.5).toFixed(2), p95: +q(0.95).toFixed(2), p99: +q(0.99).toFixed(2), mean: +(s.reduce((a, b) => a + b, 0) / s.length).toFixed(2) };
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

async function cipherBench() {
  const cipher = new EsdkFieldCipher();
  const key = randomBytes(32);
  const value = new TextEncoder().encode(JSON.stringify({ name: 'Ada Lovelace', contact: { type: 'email', value: 'ada@example.com' } }));
  const ctx = { customerId: '6f1c2b5e-8a7d-4c3b-9e2f-1a2b3c4d5e6f', category: 'contact' };
  const enc: number[] = [];
  const dec: number[] = [];
  let ct: Uint8Array = new Uint8Array();
  for (let i = 0; i < 2000; i++) {
    const [te, c] = await time(() => cipher.encrypt(key, ctx.customerId, value, ctx));
    const [td] = await time(() => cipher.decrypt(key, ctx.customerId, c, ctx));
    enc.push(te);
    dec.push(td);
    ct = c;
  }
  return { encryptMs: stats(enc.slice(100)), decryptMs: stats(dec.slice(100)), plaintextBytes: value.length, ciphertextBytes: ct.length };
}

async function apiBench() {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-'));
  const home = await startHome({
    dataDir,
    port: 0,
    inMemory: true,
    log: silentLog,
    jobIntervalMs: 0,
    staffTokensJson: JSON.stringify([{ token, staffId: 'bench', role: 'admin' }]),
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${home.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (res.status >= 400) throw new Error(`bench: ${method} ${path} → ${res.status}`);
    return json as { customerId: string };
  };
  try {
    const rssBefore = process.memoryUsage().rss;
    const create: number[] = [];
    const ids: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const [t, c] = await time(() => call('POST', '/v1/customers', { name: `Bench Person ${i}`, email: `bench${i}@example.com` }));
      create.push(t);
      ids.push(c.customerId);
    }
    const createWall = performance.now() - t0;
    const read: number[] = [];
    for (const id of ids) read.push((await time(() => call('GET', `/v1/customers/${id}`)))[0]);
    const search: number[] = [];
    for (let i = 0; i < N; i++) search.push((await time(() => call('POST', '/v1/customers/search', { email: `BENCH${i}@example.com` })))[0]);
    return {
      customers: N,
      createMs: stats(create),
      createPerSecond: +((N / createWall) * 1000).toFixed(1),
      warmReadMs: stats(read),
      searchMs: stats(search),
      rssGrowthMiB: +((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(1),
      cachedKeys: home.app.vault.cachedKeys,
    };
  } finally {
    await home.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Portal login without its time padding (budget 0): the slow path (a known contact: code stored and
 * sent) and the fast one (unknown contact). LOGIN_BUDGET_MS in lambdas/core/sign-in.ts is the smallest
 * 50 ms step at or above the slow path's p99, measured from the client over loopback HTTP.
 */
async function loginBench() {
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

const only = process.argv.includes('--login');
const results = only
  ? { node: process.version, login: await loginBench() }
  : { node: process.version, cipher: await cipherBench(), api: await apiBench(), login: await loginBench() };
console.log(JSON.stringify(results, null, 2));
