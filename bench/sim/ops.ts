/**
 * The simulated operations, each as the requests a staff tool or a customer's browser would send, to
 * any API instance. Every request advances simulated time by one arrival interval.
 */
import type { ApiHandler } from '../../lambdas/http/api';
import type { ErasureHandler } from '../../lambdas/jobs/erasure';
import type { CapturingNotifier, CapturingScheduler, SimClock } from '../counting';
import type { Fleet } from './fleet';
import { Meter } from './meter';
import { apiEvent, type EventSpec, type Op } from './workload';

/** The customers: in creation order, a popularity ranking over them, and the erased ones to skip. */
export class Population {
  readonly ids: string[] = [];
  readonly emails: string[] = [];
  private readonly erased = new Set<number>();
  constructor(
    private readonly random: () => number,
    private readonly rank: () => number,
    private ranking: Int32Array = new Int32Array(0),
  ) {}

  add(id: string, email: string): void {
    this.ids.push(id);
    this.emails.push(email);
  }
  rankWith(ranking: Int32Array): void {
    this.ranking = ranking;
  }
  /** A customer by popularity (staff traffic). */
  hot(): number {
    return this.live(() => this.ranking[this.rank()]!);
  }
  /** Any customer alike (portal traffic). */
  any(): number {
    return this.live(() => Math.floor(this.random() * this.ids.length));
  }
  erase(i: number): void {
    this.erased.add(i);
  }
  private live(pick: () => number): number {
    for (;;) {
      const i = pick();
      if (!this.erased.has(i)) return i;
    }
  }
}

export interface SimContext {
  clock: SimClock;
  requestsPerSecond: number;
  random: () => number;
  people: Population;
  api: Fleet<ApiHandler>;
  erasureFleet: Fleet<ErasureHandler>;
  notifier: CapturingNotifier;
  scheduler: CapturingScheduler;
  meter: Meter;
  apiMemoryMb: number;
  erasureMemoryMb: number;
  /** The sign-in padding production waits out on every login: billed, though the simulator skips the wait. */
  loginBudgetMs: number;
  /** Portal sessions of recent sign-ins (customer index → token), oldest first. */
  sessions: Map<number, string>;
}

export interface Answer {
  status: number;
  body: any;
}

/** One request to any API instance, measured. */
export async function call(ctx: SimContext, op: string, spec: EventSpec, floorMs = 0): Promise<Answer> {
  const instance = ctx.api.pick();
  const event = apiEvent(spec);
  const [res, cpuMs] = await Meter.cpu(() => instance.handler(event));
  ctx.meter.api(
    op,
    cpuMs,
    ctx.apiMemoryMb,
    { resource: spec.resource, method: spec.method, status: res.statusCode, responseBytes: Buffer.byteLength(res.body ?? '') },
    floorMs,
  );
  ctx.clock.advance(1000 / ctx.requestsPerSecond);
  let body: unknown;
  try {
    body = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, body };
}

const agent = 'agent' as const;
let created = 0;

export async function run(ctx: SimContext, op: Op): Promise<void> {
  const { people, random } = ctx;
  const id = (i: number) => ({ id: people.ids[i]! });
  switch (op) {
    case 'read':
      await call(ctx, op, { method: 'GET', resource: '/v1/customers/{id}', params: id(people.hot()), staffRole: agent });
      return;
    case 'search': {
      const email = people.emails[people.hot()]!;
      // Typed as it was given: any case, so the normalisation runs as it would.
      await call(ctx, op, {
        method: 'POST',
        resource: '/v1/customers/search',
        body: { email: random() < 0.3 ? email.toUpperCase() : email },
        staffRole: agent,
      });
      return;
    }
    case 'listInteractions':
    case 'listPurchases': {
      const resource = op === 'listInteractions' ? '/v1/customers/{id}/interactions' : '/v1/customers/{id}/purchases';
      await call(ctx, op, { method: 'GET', resource, params: id(people.hot()), query: { limit: '20' }, staffRole: agent });
      return;
    }
    case 'accessLog':
      await call(ctx, op, {
        method: 'GET',
        resource: '/v1/customers/{id}/access-log',
        params: id(people.hot()),
        staffRole: 'privacy_officer',
      });
      return;
    case 'create': {
      const email = `new-${++created}-${Math.floor(random() * 1e9)}@bench.example`;
      const body = { name: `Bench Newcomer ${created}`, email, consent: { communications: random() < 0.5 } };
      const answer = await call(ctx, op, { method: 'POST', resource: '/v1/customers', body, staffRole: agent });
      if (answer.status === 201) people.add(answer.body.customerId, email);
      return;
    }
    case 'interaction':
      await call(ctx, op, {
        method: 'POST',
        resource: '/v1/customers/{id}/interactions',
        params: id(people.hot()),
        body: { channel: random() < 0.5 ? 'chat' : 'phone', summary: 'Asked about the delivery date of an order' },
        staffRole: agent,
      });
      return;
    case 'purchase': {
      const headers: Record<string, string> = random() < 0.5 ? { 'idempotency-key': `sim-${Math.floor(random() * 1e12)}` } : {};
      const items = [{ sku: 'TEA-EARL-GREY', quantity: 1 + Math.floor(random() * 3), unitPriceMinor: 650 }];
      await call(ctx, op, {
        method: 'POST',
        resource: '/v1/customers/{id}/purchases',
        params: id(people.hot()),
        body: { currency: 'EUR', items },
        headers,
        staffRole: agent,
      });
      return;
    }
    case 'consent':
      await call(ctx, op, {
        method: 'PUT',
        resource: '/v1/customers/{id}/consent',
        params: id(people.hot()),
        body: { communications: random() < 0.7, source: 'phone' },
        staffRole: agent,
      });
      return;
    case 'signIn':
      await signIn(ctx, people.any());
      return;
    case 'export': {
      const recent = [...ctx.sessions.entries()];
      if (recent.length === 0) return signIn(ctx, people.any());
      const [, token] = recent[Math.floor(random() * recent.length)]!;
      await call(ctx, op, { method: 'GET', resource: '/v1/me/export', token });
      return;
    }
    case 'erasure':
      await erase(ctx, people.any());
      return;
  }
}

/** Login (the code is read from the notifier, as the customer reads it), verify, then the dashboard's two reads. */
async function signIn(ctx: SimContext, i: number): Promise<void> {
  const email = ctx.people.emails[i]!;
  // Customers sign in from their own addresses: 64,000 of them, so the per-client limit sees realistic spread.
  const sourceIp = `100.${64 + Math.floor(ctx.random() * 64)}.${Math.floor(ctx.random() * 250)}.${Math.floor(ctx.random() * 4) + 1}`;
  await call(ctx, 'signIn', { method: 'POST', resource: '/v1/portal/login', body: { email }, sourceIp }, ctx.loginBudgetMs);
  const code = ctx.notifier.takeCode(email);
  if (!code) return;
  const verified = await call(ctx, 'signIn', { method: 'POST', resource: '/v1/portal/verify', body: { email, code }, sourceIp });
  if (verified.status !== 200) return;
  const token = verified.body.token as string;
  await call(ctx, 'signIn', { method: 'GET', resource: '/v1/me', token, sourceIp });
  await call(ctx, 'signIn', { method: 'GET', resource: '/v1/me/access-log', token, sourceIp });
  ctx.sessions.delete(i);
  ctx.sessions.set(i, token);
  if (ctx.sessions.size > 2000) ctx.sessions.delete(ctx.sessions.keys().next().value!);
}

/** An officer asks for erasure; the erasure function runs it when the grace period is over. */
async function erase(ctx: SimContext, i: number): Promise<void> {
  const customerId = ctx.people.ids[i]!;
  const asked = await call(ctx, 'erasure', {
    method: 'POST',
    resource: '/v1/customers/{id}/erasure',
    params: { id: customerId },
    staffRole: 'privacy_officer',
  });
  if (asked.status !== 202) return;
  const payload = ctx.scheduler.take(customerId);
  if (!payload) return;
  const instance = ctx.erasureFleet.pick();
  const [outcome, cpuMs] = await Meter.cpu(() => instance.handler(payload));
  ctx.meter.invocation('erasureRun', cpuMs, ctx.erasureMemoryMb, outcome.outcome);
  ctx.people.erase(i);
  ctx.sessions.delete(i);
}
