import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../lambdas/adapters/logger';
import { startHome } from '../local/home';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const home = await startHome({
  dataDir: mkdtempSync(join(tmpdir(), 'x-')),
  port: 0,
  inMemory: true,
  log: silentLog,
  jobIntervalMs: 0,
  staffTokensJson: JSON.stringify([{ token: 'bench-agent-token-0123456789', staffId: 'b', role: 'agent' }]),
});
const staff = { kind: 'staff', staffId: 'bench', role: 'agent' } as const;
const ids: string[] = [];
for (let i = 0; i < 100; i++)
  ids.push((await home.app.customers.create(staff, { name: `P ${i}`, email: `l${i}@bench.example` })).customer.customerId);
const t0 = performance.now();
const c0 = process.cpuUsage();
const N = 500;
for (let i = 0; i < N; i++) {
  const r = await fetch(`${home.url}/v1/customers/${ids[i % 100]}`, { headers: { authorization: 'Bearer bench-agent-token-0123456789' } });
  await r.text();
}
const c = process.cpuUsage(c0);
console.log('per request wall', ((performance.now() - t0) / N).toFixed(2), 'cpu', ((c.user + c.system) / 1000 / N).toFixed(2));
await home.close();
