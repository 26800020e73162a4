/**
 * The deployed artifact: the API function's bundle exactly as `cdk synth` builds it (`index.mjs` of its
 * asset in cdk.out), invoked with API Gateway REST proxy events made from the template itself: each
 * method of an AWS::ApiGateway::Resource path, the stage's name in requestContext, Cognito claims for
 * the methods with the Cognito authorizer, and the function's own environment variables. Every route is
 * called, and the answers (status, content type, body with ids and dates masked) equal the local home's
 * for the same flow.
 *
 * The bundle carries its own copy of the AWS SDK, out of reach of aws-sdk-client-mock. It is pointed at
 * services with the SDK's per-service endpoint variables: DynamoDB at dynalite (AWS_ENDPOINT_URL_DYNAMODB),
 * KMS, SES, SNS and Scheduler at an HTTP fake (test/support/aws-http-fake.ts) whose KMS is the real-crypto
 * fake of fake-kms.ts, bridged over the wire.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAwsHttpFake, type AwsHttpFake } from '../support/aws-http-fake';
import { startDynalite, type TestDb } from '../support/dynalite';
import { installFakeKms, type FakeKms } from '../support/fake-kms';
import { startTestHome, TOKENS, type TestHome } from '../support/home';
import { loadApiBundle, restProxyEvent, stageNameOf } from './support/api-bundle';
import { apiMethods, buildCrm, type BuiltCrm } from './support/crm-app';
import { Template } from 'aws-cdk-lib/assertions';

type Role = 'agent' | 'privacy_officer' | 'admin';
const STAFF_IDS: Record<Role, string> = { agent: 'staff-agent-1', privacy_officer: 'staff-officer-1', admin: 'staff-admin-1' };
const LOCAL_TOKENS: Record<Role, string> = { agent: TOKENS.agent, privacy_officer: TOKENS.officer, admin: TOKENS.admin };

interface Call {
  params?: Record<string, string>;
  body?: unknown;
  staff?: Role;
  /** A portal session token. */
  session?: string;
}
interface Answer {
  status: number;
  type: string;
  body: any;
  text: string;
}
interface Target {
  call(method: string, resource: string, opts?: Call): Promise<Answer>;
  /** The one-time code last sent to `email`. */
  lastCode(email: string): string;
}

const concrete = (resource: string, params: Record<string, string> = {}) => resource.replace(/\{(\w+)\}/g, (_, k: string) => params[k]);
const parse = (text: string) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
const codeIn = (body: string) => /\b(\d{6,12})\b/.exec(body)?.[1] ?? '';

let crm: BuiltCrm;
let template: Template;
let db: TestDb;
let kms: FakeKms;
let aws: AwsHttpFake;
let home: TestHome;
let deployed: Target;
let local: Target;
const invoked = new Set<string>();
const logged: string[] = [];

beforeAll(async () => {
  crm = buildCrm({ bundling: true });
  const assembly = crm.app.synth();
  template = Template.fromJSON(assembly.getStackByName(crm.stateless.stackName).template);
  db = await startDynalite('crm-dev-');
  kms = installFakeKms();
  aws = await startAwsHttpFake();
  home = await startTestHome();

  // The API function as the template declares it: its code asset and its environment.
  const endpoints = { AWS_ENDPOINT_URL_DYNAMODB: db.endpoint, ...aws.endpoints };
  const handler = await loadApiBundle(crm, template, { tablePrefix: 'crm-dev-', endpoints });
  const methods = apiMethods(template);
  const stageName = stageNameOf(template);
  deployed = {
    async call(method, resource, opts = {}) {
      const declared = methods.get(`${method} ${resource}`);
      if (!declared) throw new Error(`The template has no ${method} ${resource}`);
      invoked.add(`${method} ${resource}`);
      const cognito = declared.AuthorizationType === 'COGNITO_USER_POOLS';
      if (cognito !== Boolean(opts.staff)) throw new Error(`${method} ${resource}: staff ${Boolean(opts.staff)}, authorizer ${cognito}`);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'deployed-test' };
      if (opts.session) headers.authorization = `Bearer ${opts.session}`;
      const event = restProxyEvent(method, resource, {
        stageName,
        requestId: `req-${invoked.size}`,
        params: opts.params,
        headers,
        body: opts.body === undefined ? null : JSON.stringify(opts.body),
        // API Gateway's Cognito authorizer passes the token's claims; groups as "a,b".
        claims: opts.staff ? { sub: STAFF_IDS[opts.staff], 'cognito:groups': opts.staff } : null,
      });
      const res = await handler(event);
      const text = res.isBase64Encoded ? Buffer.from(res.body, 'base64').toString('utf8') : res.body;
      const type = String(Object.entries(res.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '');
      return { status: res.statusCode, type, body: parse(text), text };
    },
    lastCode: (email) => codeIn(aws.mails.filter((m) => m.to === email).at(-1)?.body ?? ''),
  };
  local = {
    async call(method, resource, opts = {}) {
      const token = opts.staff ? LOCAL_TOKENS[opts.staff] : opts.session;
      const res = await home.request(method, concrete(resource, opts.params), { token, body: opts.body });
      return { status: res.status, type: res.headers.get('content-type') ?? '', body: res.body, text: res.text };
    },
    lastCode: (email) =>
      codeIn(
        home.outbox
          .list()
          .filter((m) => m.to === email)
          .at(-1)?.body ?? '',
      ),
  };
}, 300_000);

afterAll(async () => {
  await home?.close();
  await aws?.close();
  kms?.restore();
  await db?.close();
  crm?.cleanup();
});

/** The same requests, in the same order, on one target; every answer kept. */
async function flow(target: Target): Promise<Record<string, Answer>> {
  const out: Record<string, Answer> = {};
  const step = async (name: string, method: string, resource: string, opts?: Call) => {
    out[name] = await target.call(method, resource, opts);
    return out[name];
  };
  const email = 'deployed.person@example.org';
  await step('inventory', 'GET', '/v1/privacy/inventory');
  await step('openapi', 'GET', '/v1/openapi.json');
  await step('portal page', 'GET', '/portal');
  await step('portal script', 'GET', '/portal/app.js');
  await step('portal styles', 'GET', '/portal/app.css');
  await step('create refused (unknown field)', 'POST', '/v1/customers', {
    staff: 'agent',
    body: { name: 'X Y', email: 'x@example.org', notes: 'no' },
  });
  const created = await step('create', 'POST', '/v1/customers', {
    staff: 'agent',
    body: { name: 'Deployed Person', email, consent: { communications: true } },
  });
  const id = { id: created.body?.customerId as string };
  await step('search', 'POST', '/v1/customers/search', { staff: 'agent', body: { email: 'Deployed.Person@example.org' } });
  await step('read', 'GET', '/v1/customers/{id}', { staff: 'agent', params: id });
  await step('read unknown', 'GET', '/v1/customers/{id}', { staff: 'agent', params: { id: '00000000-0000-4000-8000-000000000000' } });
  await step('rename', 'PATCH', '/v1/customers/{id}', { staff: 'agent', params: id, body: { name: 'Deployed Persona' } });
  await step('reveal as agent', 'POST', '/v1/customers/{id}/reveal', { staff: 'agent', params: id, body: { purpose: 'Identity check' } });
  await step('reveal', 'POST', '/v1/customers/{id}/reveal', { staff: 'privacy_officer', params: id, body: { purpose: 'Identity check' } });
  await step('interaction', 'POST', '/v1/customers/{id}/interactions', {
    staff: 'agent',
    params: id,
    body: { channel: 'email', summary: 'Asked about a refund' },
  });
  await step('interactions', 'GET', '/v1/customers/{id}/interactions', { staff: 'agent', params: id });
  await step('purchase', 'POST', '/v1/customers/{id}/purchases', {
    staff: 'agent',
    params: id,
    body: { currency: 'EUR', items: [{ sku: 'KETTLE-1', quantity: 2, unitPriceMinor: 2999 }] },
  });
  await step('purchases', 'GET', '/v1/customers/{id}/purchases', { staff: 'agent', params: id });
  await step('event without consent', 'POST', '/v1/customers/{id}/events', {
    staff: 'agent',
    params: id,
    body: { type: 'page_view', path: '/kettles' },
  });
  await step('consent', 'PUT', '/v1/customers/{id}/consent', { staff: 'agent', params: id, body: { analytics: true, source: 'email' } });
  await step('event', 'POST', '/v1/customers/{id}/events', {
    staff: 'agent',
    params: id,
    body: { type: 'page_view', path: '/kettles?colour=red' },
  });
  await step('hold', 'PUT', '/v1/customers/{id}/legal-hold', {
    staff: 'privacy_officer',
    params: id,
    body: { reason: 'Dispute 42 with the bank' },
  });
  await step('lift', 'DELETE', '/v1/customers/{id}/legal-hold', { staff: 'privacy_officer', params: id });
  const erasure = await step('erasure', 'POST', '/v1/customers/{id}/erasure', { staff: 'privacy_officer', params: id });
  await step('receipt', 'GET', '/v1/erasure-receipts/{receiptId}', { params: { receiptId: erasure.body?.receiptId } });
  await step('cancel erasure', 'DELETE', '/v1/customers/{id}/erasure', { staff: 'privacy_officer', params: id });
  await step('access log', 'GET', '/v1/customers/{id}/access-log', { staff: 'admin', params: id });

  await step('login', 'POST', '/v1/portal/login', { body: { email } });
  await step('verify wrong', 'POST', '/v1/portal/verify', { body: { email, code: '00000000' } });
  const verified = await step('verify', 'POST', '/v1/portal/verify', { body: { email, code: target.lastCode(email) } });
  const session = verified.body?.token as string;
  await step('me', 'GET', '/v1/me', { session });
  await step('me without session', 'GET', '/v1/me');
  await step('export', 'GET', '/v1/me/export', { session });
  await step('my access log', 'GET', '/v1/me/access-log', { session });
  await step('my consent', 'PUT', '/v1/me/consent', { session, body: { analytics: false } });
  await step('my erasure', 'POST', '/v1/me/erasure', { session });
  await step('cancel my erasure', 'DELETE', '/v1/me/erasure', { session });
  await step('logout', 'POST', '/v1/portal/logout', { session });
  await step('me after logout', 'GET', '/v1/me', { session });
  return out;
}

/** Ids, dates, tokens and codes differ between two runs; their places and everything else must not. */
function masked(answer: Answer): unknown {
  const ids = new Map<string, string>();
  const mask = (v: unknown, key = ''): unknown => {
    if (typeof v === 'string') {
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) {
        if (!ids.has(v)) ids.set(v, `<id${ids.size}>`);
        return ids.get(v);
      }
      if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) return '<time>';
      if (/token/i.test(key)) return '<token>';
      return v.replace(/\b\d{4}-\d{2}-\d{2}T[\d:.]+Z\b/g, '<time>').replace(/\b\d{4}-\d{2}-\d{2}\b/g, '<day>');
    }
    if (typeof v === 'number' && /expires|At$/i.test(key)) return '<epoch>';
    if (Array.isArray(v)) return v.map((x) => mask(x, key));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x, k)]));
    return v;
  };
  return { status: answer.status, type: answer.type.split(';')[0], body: answer.body === undefined ? answer.text : mask(answer.body) };
}

describe('the deployed API bundle, invoked as API Gateway does', () => {
  let deployedAnswers: Record<string, Answer>;
  let localAnswers: Record<string, Answer>;

  beforeAll(async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (logged.push(String(chunk)), true));
    try {
      deployedAnswers = await flow(deployed);
    } finally {
      vi.restoreAllMocks();
    }
    localAnswers = await flow(local);
  }, 120_000);

  it('is the bundle of the API function, loaded from cdk.out', () => {
    expect(Object.keys(deployedAnswers).length).toBeGreaterThan(30);
    expect(deployedAnswers.create.status).toBe(201);
    expect(aws.mails.map((m) => m.from)).toContain(process.env.CRM_EMAIL_FROM);
    expect(aws.mails.every((m) => m.configurationSet === 'crm-dev-mail')).toBe(true);
  });

  it('covers every declared method of every resource in the template', () => {
    // ANY (a method the resource does not declare) is method-not-allowed.test.ts's.
    const declared = [...apiMethods(template).keys()].filter((k) => !k.startsWith('ANY '));
    expect([...invoked].sort()).toEqual(declared.sort());
  });

  it('answers every step as the local home does (status, content type, body)', () => {
    const statuses = Object.fromEntries(Object.entries(deployedAnswers).map(([k, a]) => [k, a.status]));
    expect(statuses).toMatchObject({
      inventory: 200,
      'portal page': 200,
      'create refused (unknown field)': 400,
      create: 201,
      'read unknown': 404,
      'reveal as agent': 403,
      reveal: 200,
      'event without consent': 409,
      event: 202,
      erasure: 202,
      'cancel erasure': 200,
      login: 202,
      'verify wrong': 401,
      verify: 200,
      me: 200,
      'me without session': 401,
      'my erasure': 202,
      logout: 204,
      'me after logout': 401,
    });
    for (const name of Object.keys(localAnswers)) {
      expect(masked(deployedAnswers[name]), name).toEqual(masked(localAnswers[name]));
    }
  });

  it('scheduled and cancelled erasures in EventBridge Scheduler, and sealed everything with KMS keys of the template', () => {
    expect(deployedAnswers.erasure.status).toBe(202);
    expect(aws.schedules.size).toBe(0);
    expect(kms.mock.calls().length).toBeGreaterThan(0);
  });

  it('logged nothing personal', () => {
    const text = logged.join('');
    for (const personal of ['deployed.person', 'Deployed Person', 'Asked about a refund', 'Dispute 42', 'Identity check'])
      expect(text).not.toContain(personal);
  });
});
