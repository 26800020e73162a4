/**
 * The simulated workload: which operations, how often, on which customers. Staff traffic picks customers
 * by a Zipf law over a random ranking (a few customers are read very often, most rarely); portal traffic
 * (sign-ins, exports, erasures) picks them uniformly: customers come back on their own schedule.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';

export type Op =
  | 'read'
  | 'search'
  | 'listInteractions'
  | 'listPurchases'
  | 'accessLog'
  | 'create'
  | 'interaction'
  | 'purchase'
  | 'consent'
  | 'signIn'
  | 'export'
  | 'erasure';

/**
 * Operations in percent. A sign-in is four requests (login, verify, the dashboard's GET /v1/me and its
 * first access-log page); an erasure is one request plus, after the grace period, one run of the erasure
 * function; every other operation is one request.
 */
export const MIX: Readonly<Record<Op, number>> = {
  read: 38,
  search: 15,
  listInteractions: 5,
  listPurchases: 4,
  accessLog: 1,
  create: 5,
  interaction: 14,
  purchase: 10,
  consent: 4,
  signIn: 3,
  export: 0.7,
  erasure: 0.3,
};

/** Deterministic PRNG (mulberry32): the same seed gives the same workload. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranks 0..n-1 with P(rank k) proportional to 1 / (k + 1)^s. */
export function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / (k + 1) ** s;
  return () => {
    const u = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Picks operations in the proportions of `mix`. */
export function opPicker(mix: Readonly<Record<Op, number>>, random: () => number): () => Op {
  const entries = Object.entries(mix) as [Op, number][];
  const sum = entries.reduce((s, [, w]) => s + w, 0);
  return () => {
    let u = random() * sum;
    for (const [op, w] of entries) if ((u -= w) < 0) return op;
    return entries.at(-1)![0];
  };
}

/** A shuffled 0..n-1 (Fisher–Yates): which customer holds which popularity rank. */
export function permutation(n: number, random: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

export interface EventSpec {
  method: string;
  resource: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Cognito group of the staff caller, as API Gateway's authorizer passes it. */
  staffRole?: 'agent' | 'privacy_officer';
  /** Portal session token. */
  token?: string;
  sourceIp?: string;
}

let requestSerial = 0;

/** An API Gateway REST proxy event as the API function receives it. */
export function apiEvent(spec: EventSpec): APIGatewayProxyEvent {
  const path = spec.resource.replace(/\{(\w+)\}/g, (_, name: string) => spec.params?.[name] ?? '');
  const headers: Record<string, string> = { ...(spec.headers ?? {}) };
  if (spec.body !== undefined) headers['content-type'] = 'application/json';
  if (spec.token) headers.authorization = `Bearer ${spec.token}`;
  const claims = spec.staffRole ? { claims: { sub: `staff-${spec.staffRole}-1`, 'cognito:groups': spec.staffRole } } : null;
  return {
    resource: spec.resource,
    path,
    httpMethod: spec.method,
    headers,
    multiValueHeaders: {},
    queryStringParameters: spec.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: spec.params ?? null,
    stageVariables: null,
    body: spec.body === undefined ? null : JSON.stringify(spec.body),
    isBase64Encoded: false,
    requestContext: {
      requestId: `sim-${++requestSerial}`,
      resourcePath: spec.resource,
      httpMethod: spec.method,
      stage: 'prod',
      authorizer: claims,
      identity: { sourceIp: spec.sourceIp ?? '198.51.100.7' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}
