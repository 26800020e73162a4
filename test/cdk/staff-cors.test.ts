/**
 * CORS for browser-based staff tools: `staffOrigins` enables it on the staff routes for exactly those
 * origins, preflight included; the portal and public routes stay same-origin only.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config';
import { withStaffCors } from '../../lambdas/handlers/staff-cors';
import { API_ROUTES } from '../../lib/api-routes';
import { type ConfigError, parseConfig } from '../../lib/config';
import { apiGatewayEvent } from '../support/api-gateway';
import { apiMethods, cdkJsonContext, resourcesOf, synthCrm, type SynthesizedCrm } from './support/crm-app';

const ORIGINS = ['https://crm-tool.shop.test', 'https://admin.shop.test:8443'];
let plain: SynthesizedCrm;
let cors: SynthesizedCrm;
beforeAll(() => {
  plain = synthCrm();
  cors = synthCrm({ context: { staffOrigins: ORIGINS } });
}, 60_000);
afterAll(() => {
  plain?.cleanup();
  cors?.cleanup();
});

const staffPaths = [...new Set(API_ROUTES.filter((r) => r.auth === 'staff').map((r) => r.path))];
const options = (crm: SynthesizedCrm) => [...apiMethods(crm.statelessTemplate)].filter(([k]) => k.startsWith('OPTIONS '));

describe('staffOrigins in the template', () => {
  it('is empty by default: no preflight anywhere, no CORS header on gateway errors', () => {
    expect(plain.config.staffOrigins).toEqual([]);
    expect(options(plain)).toEqual([]);
    for (const [, r] of resourcesOf(plain.statelessTemplate, 'AWS::ApiGateway::GatewayResponse')) {
      expect(Object.keys(r.Properties?.ResponseParameters ?? {}).some((k) => k.includes('Access-Control'))).toBe(false);
    }
  });

  it('adds a preflight to exactly the resources of staff routes, allowing only their staff methods and exactly those origins', () => {
    const preflights = new Map(options(cors).map(([k, m]) => [k.slice('OPTIONS '.length), m]));
    expect([...preflights.keys()].sort()).toEqual([...staffPaths].sort());
    for (const path of ['/portal', '/v1/me', '/v1/portal/login', '/v1/erasure-receipts/{receiptId}'])
      expect(preflights.has(path)).toBe(false);
    for (const [path, m] of preflights) {
      expect(m.AuthorizationType).toBe('NONE');
      expect(m.Integration.Type).toBe('MOCK');
      const [response] = m.Integration.IntegrationResponses;
      const methods = API_ROUTES.filter((r) => r.auth === 'staff' && r.path === path).map((r) => r.method);
      expect(response.ResponseParameters).toMatchObject({
        'method.response.header.Access-Control-Allow-Origin': `'${ORIGINS[0]}'`,
        'method.response.header.Access-Control-Allow-Methods': `'${methods.join(',')}'`,
        'method.response.header.Access-Control-Allow-Headers': "'Authorization,Content-Type,Idempotency-Key'",
        'method.response.header.Vary': "'Origin'",
      });
      expect(response.ResponseParameters['method.response.header.Access-Control-Allow-Credentials']).toBeUndefined();
      // The second origin is answered with itself, any other origin with the first (which the browser refuses).
      expect(response.ResponseTemplates['application/json']).toContain(`#if($origin == "${ORIGINS[1]}")`);
    }
  });

  it('tells the API function the origins; gateway errors carry a fixed origin only when there is exactly one', () => {
    const t = cors.statelessTemplate;
    const api = t.toJSON().Resources[cors.stateless.getLogicalId(cors.stateless.functions.api.fn.node.defaultChild as never)];
    expect(JSON.parse(api.Properties.Environment.Variables[ENV.staffOrigins])).toEqual(ORIGINS);
    const single = synthCrm({ context: { staffOrigins: 'https://crm-tool.shop.test' } });
    try {
      for (const [, r] of resourcesOf(single.statelessTemplate, 'AWS::ApiGateway::GatewayResponse')) {
        expect(r.Properties?.ResponseParameters).toMatchObject({
          'gatewayresponse.header.Access-Control-Allow-Origin': "'https://crm-tool.shop.test'",
        });
      }
    } finally {
      single.cleanup();
    }
    for (const [, r] of resourcesOf(t, 'AWS::ApiGateway::GatewayResponse')) {
      expect(r.Properties?.ResponseParameters['gatewayresponse.header.Access-Control-Allow-Origin']).toBeUndefined();
    }
  }, 60_000);

  it('stays clean under cdk-nag (each preflight acknowledged on its own method)', () => {
    const crm = synthCrm({ context: { staffOrigins: ORIGINS } });
    try {
      const app: App = crm.app;
      const packs = [new AwsSolutionsChecks(), new NIST80053R5Checks()];
      Validations.of(app).addPlugins(...packs);
      expect(() => app.synth()).not.toThrow();
    } finally {
      crm.cleanup();
    }
  }, 60_000);
});

describe('staffOrigins in the configuration', () => {
  const problems = (raw: Record<string, unknown>) => {
    try {
      parseConfig({ ...cdkJsonContext(), ...raw });
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };

  it('accepts a list, a JSON list or comma-separated origins, and refuses anything that is not an exact origin', () => {
    expect(parseConfig({ ...cdkJsonContext(), staffOrigins: 'https://a.shop.test, https://b.shop.test' }).staffOrigins).toEqual([
      'https://a.shop.test',
      'https://b.shop.test',
    ]);
    expect(parseConfig({ ...cdkJsonContext(), staffOrigins: '["https://a.shop.test"]' }).staffOrigins).toEqual(['https://a.shop.test']);
    for (const bad of [
      '*',
      'https://*.shop.test',
      'https://a.shop.test/tool',
      'http://a.shop.test',
      'https://A.shop.test',
      'tool.shop.test',
    ]) {
      expect(problems({ staffOrigins: [bad] }), bad).toEqual([expect.stringMatching(/^staffOrigins: /)]);
    }
    expect(problems({ staffOrigins: ['http://localhost:5173'] })).toEqual([]);
    expect(problems({ stage: 'prod', senderEmail: 'p@shop.test', staffOrigins: ['http://localhost:5173'] })).toEqual([
      expect.stringMatching(/^staffOrigins: .*localhost only on stage dev/),
    ]);
  });
});

describe("the API function's responses", () => {
  const inner = async () => ({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{}' });
  const handler = withStaffCors(inner, ORIGINS);
  const withOrigin = (method: string, resource: string, origin?: string) => {
    const event = apiGatewayEvent(method, resource, { groups: 'agent' });
    if (origin) event.headers = { ...event.headers, Origin: origin };
    return event;
  };

  it('allow a listed origin on a staff route, and only that origin', async () => {
    const allowed = await handler(withOrigin('GET', '/v1/customers/{id}', ORIGINS[1]));
    expect(allowed.headers).toMatchObject({ 'Access-Control-Allow-Origin': ORIGINS[1], Vary: 'Origin' });
    const other = await handler(withOrigin('GET', '/v1/customers/{id}', 'https://evil.test'));
    expect(other.headers?.['Access-Control-Allow-Origin']).toBeUndefined();
    expect(other.headers?.Vary).toBe('Origin');
  });

  it('never on portal or public routes: the portal is same-origin only', async () => {
    for (const resource of ['/v1/me', '/portal', '/v1/portal/login']) {
      const res = await handler(withOrigin('GET', resource, ORIGINS[0]));
      expect(res.headers).toEqual({ 'Content-Type': 'application/json' });
    }
  });
});
