/** A real local home for tests: in-memory dynalite, local KMS key file, outbox, clock — over real HTTP. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../../lambdas/adapters/logger';
import type { Message } from '../../lambdas/core/shared/ports';
import { startHome, type Home, type HomeOptions } from '../../local/home';

export const TOKENS = {
  agent: 'agent-token-0123456789abcdef',
  officer: 'officer-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
} as const;

export const STAFF_TOKENS_JSON = JSON.stringify([
  { token: TOKENS.agent, staffId: 'staff-agent-1', role: 'agent' },
  { token: TOKENS.officer, staffId: 'staff-officer-1', role: 'privacy_officer' },
  { token: TOKENS.admin, staffId: 'staff-admin-1', role: 'admin' },
]);

export interface TestHome extends Home {
  dataDir: string;
  /** Every message sent, as the recipients received it: the outbox itself forgets an erased customer's. */
  sent: Message[];
  request(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string },
  ): Promise<TestResponse>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function startTestHome(options: Partial<HomeOptions> = {}): Promise<TestHome> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-test-'));
  const home = await startHome({
    dataDir,
    port: 0,
    inMemory: true,
    staffTokensJson: STAFF_TOKENS_JSON,
    log: silentLog,
    jobIntervalMs: 0,
    ...options,
  });
  const close = home.close;
  const sent: Message[] = [];
  const send = home.outbox.send.bind(home.outbox);
  home.outbox.send = async (m) => {
    sent.push(m);
    return send(m);
  };
  return Object.assign(home, {
    dataDir,
    sent,
    async close() {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    async request(
      method: string,
      path: string,
      opts: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
    ) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined = opts.rawBody;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] = 'application/json';
      }
      // The /dev helpers stay at the root; everything else is under the base path, if there is one.
      const res = await fetch(`${path.startsWith('/dev/') ? home.url : home.apiUrl}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
  });
}
