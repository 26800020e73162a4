/**
 * A wrong method is 405 with Allow on every path, in AWS too. API Gateway answers a method a resource has
 * no Method for with "Missing Authentication Token" (our 404), so each resource with routes also has an
 * ANY method: the same Lambda proxy, no authorizer. API Gateway prefers a declared method over ANY, so
 * ANY carries only undeclared methods, with the request's own method in `httpMethod`.
 *
 * The template is checked, and the API function's bundle from cdk.out is invoked with the events ANY
 * delivers. Its AWS SDK points at a recorder that refuses every call: a 405 must not need one.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnMethod } from 'aws-cdk-lib/aws-apigateway';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SECURITY_HEADERS } from '../../lambdas/http/middleware';
import { allowedMethods } from '../../lambdas/http/routes';
import { API_ROUTES } from '../../lib/api-routes';
import { loadApiBundle, restProxyEvent, stageNameOf, type BundleHandler } from './support/api-bundle';
import { apiMethods, buildCrm, resourcesOf, synthCrm, type BuiltCrm } from './support/crm-app';

/** Every method API Gateway's ANY stands for. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const routePaths = [...new Set(API_ROUTES.map((r) => r.path))];
/** Shaped like a portal session token, so that a handler which got as far as sessions would look it up. */
const FORGED = `forged${'x'.repeat(37)}`;

let crm: BuiltCrm;
let template: Template;
let methods: Map<string, Record<string, any>>;
let handler: BundleHandler;
let stageName: string;
let recorder: Server;
const awsCalls: string[] = [];
const logged: string[] = [];
const exercised = new Set<string>();

beforeAll(async () => {
  crm = buildCrm({ bundling: true });
  template = Template.fromJSON(crm.app.synth().getStackByName(crm.stateless.stackName).template);
  methods = apiMethods(template);
  stageName = stageNameOf(template);
  // Any AWS call the function makes lands here and is refused (a client error, so the SDK does not retry).
  recorder = createServer((req, res) => {
    awsCalls.push(`${req.method} ${req.headers.host}${req.url} ${req.headers['x-amz-target'] ?? ''}`.trim());
    req.resume();
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ValidationException', message: 'recorded, refused' }));
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  const services = ['DYNAMODB', 'KMS', 'SESV2', 'SNS', 'SCHEDULER'];
  const endpoints = Object.fromEntries([['AWS_ENDPOINT_URL', url], ...services.map((s) => [`AWS_ENDPOINT_URL_${s}`, url])]);
  handler = await loadApiBundle(crm, template, { tablePrefix: 'crm-dev-', endpoints });
}, 300_000);

afterAll(async () => {
  await new Promise((resolve) => recorder?.close(resolve));
  crm?.cleanup();
});

beforeEach(() => {
  awsCalls.length = 0;
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => (logged.push(String(chunk)), true));
  }
});

const declaredOn = (path: string): string[] => API_ROUTES.filter((r) => r.path === path).map((r) => r.method);
const header = (res: APIGatewayProxyResult, name: string) =>
  Object.entries(res.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1] as string | undefined;
const allowOf = (res: APIGatewayProxyResult) => (header(res, 'allow') ?? '').split(/,\s*/).filter(Boolean).sort();
const SOME_ID = '3f0c5a52-7c1e-4b8e-9a51-0d2f3c4b5a69';
/** A path's parameters, filled in with a UUID, as a real client would send them. */
const paramsOf = (path: string) => Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], SOME_ID]));

/** `method` on `path` as API Gateway delivers it when the resource's ANY method matched. */
async function throughAny(method: string, path: string, extra: { headers?: Record<string, string>; body?: string } = {}) {
  const any = methods.get(`ANY ${path}`);
  if (!any) throw new Error(`The template has no ANY ${path}`);
  exercised.add(`ANY ${path}`);
  // ANY has no authorizer (the template test checks it), so API Gateway passes no claims, whatever the caller sends.
  if (any.AuthorizationType !== 'NONE') throw new Error(`ANY ${path} has an authorizer: its events would carry claims`);
  const event = restProxyEvent(method, path, {
    stageName,
    requestId: `any-${exercised.size}`,
    params: paramsOf(path),
    headers: { 'user-agent': 'method-test', ...extra.headers },
    body: extra.body,
    claims: null,
  });
  return handler(event);
}

describe('the template', () => {
  it('gives every resource with routes an ANY method: the Lambda proxy of its declared methods, no authorizer, no API key', () => {
    for (const path of routePaths) {
      const any = methods.get(`ANY ${path}`);
      expect(any, path).toBeDefined();
      expect(any!.AuthorizationType, path).toBe('NONE');
      expect(any!.AuthorizerId, path).toBeUndefined();
      expect(any!.ApiKeyRequired ?? false, path).toBe(false);
      const declared = methods.get(`${declaredOn(path)[0]} ${path}`)!;
      expect(any!.Integration, path).toEqual(declared.Integration);
      expect(any!.Integration.Type).toBe('AWS_PROXY');
    }
  });

  it('puts ANY nowhere else: a path without routes (/, /v1, /v1/customers/{id}/…) stays a 404 at the gateway', () => {
    const anyPaths = [...methods.keys()].filter((k) => k.startsWith('ANY ')).map((k) => k.slice('ANY '.length));
    expect(anyPaths.sort()).toEqual([...routePaths].sort());
    const withMethods = new Set([...methods.keys()].map((k) => k.split(' ')[1]));
    expect([...withMethods].sort()).toEqual([...routePaths].sort());
    expect(resourcesOf(template, 'AWS::ApiGateway::Resource').length).toBeGreaterThan(withMethods.size);
  });

  it('leaves the declared methods as they were: their own authorizer, validator and path parameters', () => {
    const declared = [...methods.keys()].filter((k) => !k.startsWith('ANY '));
    expect(declared.sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of API_ROUTES) {
      const m = methods.get(`${route.method} ${route.path}`)!;
      expect(m.AuthorizationType, route.path).toBe(route.auth === 'staff' ? 'COGNITO_USER_POOLS' : 'NONE');
      expect(m.RequestValidatorId, route.path).toBeDefined();
      if (route.auth === 'staff') expect(m.RequestParameters['method.request.header.Authorization']).toBe(true);
    }
  });

  it('needs no invoke permission of its own: the one stage-wide statement covers every method', () => {
    const permissions = resourcesOf(template, 'AWS::Lambda::Permission');
    const fromApi = permissions.filter(([, p]) => p.Properties?.Principal === 'apigateway.amazonaws.com');
    expect(fromApi).toHaveLength(1);
    const arn = fromApi[0][1].Properties?.SourceArn['Fn::Join'][1] as unknown[];
    expect(arn.at(-1)).toBe(`/${stageName}/*/*`);
  });

  it('acknowledges exactly the missing authorizer on each ANY method (AwsSolutions-APIG4, -COG4), saying why', () => {
    for (const path of routePaths) {
      const resource = crm.stateless.api.api.root.resourceForPath(path);
      const cfn = resource.node.findChild('ANY').node.defaultChild as CfnMethod;
      const acks = cfn.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>));
      expect(acks.map(([id]) => id.replace(/^annotation::/i, '')).sort(), path).toEqual(['AwsSolutions-APIG4', 'AwsSolutions-COG4']);
      for (const [, reason] of acks) expect(reason).toMatch(/405 with the Allow list .* before reading any token, session or body/);
    }
  });

  it('refuses to deploy a path without all of its routes (ANY would let the function serve the missing one)', () => {
    const erasure = API_ROUTES.filter((r) => r.path === '/v1/me/erasure');
    expect(erasure.length).toBeGreaterThan(1);
    const partial = API_ROUTES.filter((r) => r !== erasure[0]);
    expect(() => buildCrm({ routes: partial }).cleanup()).toThrow(`/v1/me/erasure is deployed without ${erasure[0]!.method}`);
    // Leaving a whole path out is fine.
    const built = buildCrm({ routes: API_ROUTES.filter((r) => r.path !== '/v1/me/erasure') });
    built.cleanup();
  });

  it('with staffOrigins, the gateway still answers each staff preflight itself (a declared OPTIONS wins over ANY)', () => {
    const cors = synthCrm({ context: { staffOrigins: ['https://crm-tool.shop.test'] } });
    try {
      const m = apiMethods(cors.statelessTemplate);
      const staffPaths = [...new Set(API_ROUTES.filter((r) => r.auth === 'staff').map((r) => r.path))];
      for (const path of staffPaths) {
        expect(m.get(`OPTIONS ${path}`)?.Integration.Type, path).toBe('MOCK');
        expect(m.get(`ANY ${path}`)?.Integration.Type, path).toBe('AWS_PROXY');
      }
    } finally {
      cors.cleanup();
    }
  }, 60_000);
});

describe('the deployed bundle, reached through ANY', () => {
  it('answers every method a path does not declare with 405, problem+json and Allow listing exactly its declared methods', async () => {
    let checked = 0;
    for (const path of routePaths) {
      const declared = declaredOn(path);
      expect(allowedMethods(path).sort(), `the router and the gateway agree on ${path}`).toEqual([...declared].sort());
      for (const method of METHODS.filter((m) => !declared.includes(m))) {
        const res = await throughAny(method, path);
        expect(res.statusCode, `${method} ${path}`).toBe(405);
        expect(allowOf(res), `${method} ${path}`).toEqual([...declared].sort());
        expect(header(res, 'content-type')).toBe('application/problem+json');
        expect(JSON.parse(res.body)).toMatchObject({ status: 405, code: 'method_not_allowed', title: 'Method Not Allowed' });
        for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(header(res, k), k).toBe(v);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(routePaths.length * 3);
    expect(awsCalls).toEqual([]);
  });

  it('answers before reading a token, a session or a body: a forged bearer token and a large non-JSON body change nothing', async () => {
    for (const path of routePaths) {
      const [undeclared] = METHODS.filter((m) => !declaredOn(path).includes(m));
      const bodies = [
        ['text/plain', 'not JSON at all'], // else 415
        ['application/json', 'x'.repeat(70 * 1024)], // else 413
        ['application/json', '{"not": json'], // else 400
        ['application/json', '{"email":"someone@example.org"}'],
      ];
      for (const [type, body] of bodies) {
        const res = await throughAny(undeclared, path, { headers: { authorization: `Bearer ${FORGED}`, 'content-type': type }, body });
        expect(res.statusCode, `${undeclared} ${path} with ${type}`).toBe(405);
      }
    }
    // No session lookup, no key, no table: the refusal costs nothing but the invocation.
    expect(awsCalls).toEqual([]);
    expect(logged.join('')).not.toContain(FORGED);
  });

  it('/v1/customers/search is its own resource: GET, PUT, PATCH, DELETE are 405 with Allow: POST, no lookup of "search"', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const res = await throughAny(method, '/v1/customers/search');
      expect(res.statusCode, method).toBe(405);
      expect(header(res, 'allow')).toBe('POST');
    }
    expect(awsCalls).toEqual([]);
  });

  it('HEAD is not served as GET (ANY has no authorizer to check it with): 405, Allow names GET and not HEAD', async () => {
    for (const path of routePaths.filter((p) => declaredOn(p).includes('GET'))) {
      const res = await throughAny('HEAD', path);
      expect(res.statusCode, path).toBe(405);
      expect(allowOf(res), path).toContain('GET');
      expect(allowOf(res), path).not.toContain('HEAD');
    }
  });

  it('every ANY method of the template was called', () => {
    expect(exercised.size).toBe(routePaths.length);
    expect([...exercised].sort()).toEqual([...methods.keys()].filter((k) => k.startsWith('ANY ')).sort());
  });

  it('the recorder does see the calls a request makes: a forged portal session on a declared route is looked up', async () => {
    const me = methods.get('GET /v1/me')!;
    expect(me.AuthorizationType).toBe('NONE');
    const headers = { authorization: `Bearer ${FORGED}` };
    const res = await handler(restProxyEvent('GET', '/v1/me', { stageName, requestId: 'control', headers }));
    expect(res.statusCode).not.toBe(405);
    expect(awsCalls.length).toBeGreaterThan(0);
  });
});
