/** The served OpenAPI document, and a check that a real response matches what it documents. */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import type { TestHome, TestResponse } from './home';

export interface OpenApiSpec {
  doc: any;
  /** Knows the document's components as `openapi.json#/components/...`. */
  ajv: Ajv2020;
  /** `METHOD /path` of every operation `conforms` has checked. */
  checked: Set<string>;
  /** Validates a real response against the document's schema for that operation and status. */
  conforms(method: string, path: string, res: Pick<TestResponse, 'status' | 'body' | 'headers'>): void;
}

/**
 * Fetches the document from `home`. `bodiless`: a 204, or a media type documented without a schema
 * (static portal assets), passes once its status is documented.
 */
export async function loadOpenApi(home: TestHome, opts: { bodiless?: boolean } = {}): Promise<OpenApiSpec> {
  const res = await home.request('GET', '/v1/openapi.json');
  expect(res.status).toBe(200);
  const doc = res.body;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi.json', components: doc.components }, 'openapi.json');
  const checked = new Set<string>();
  return {
    doc,
    ajv,
    checked,
    conforms(method, path, res) {
      const op = doc.paths[path]?.[method.toLowerCase()];
      expect(op, `${method} ${path} documented`).toBeDefined();
      const response = op.responses[String(res.status)];
      expect(response, `${method} ${path} documents status ${res.status}`).toBeDefined();
      checked.add(`${method} ${path}`);
      if (opts.bodiless && res.status === 204) return;
      const contentType = (res.headers.get('content-type') ?? '').split(';')[0];
      const media = response.content?.[contentType];
      expect(media, `${method} ${path} ${res.status} documents ${contentType}`).toBeDefined();
      if (opts.bodiless && !media.schema) return;
      const schema = JSON.parse(JSON.stringify(media.schema).replaceAll('"#/components/', '"openapi.json#/components/'));
      const validate = ajv.compile(schema);
      expect(validate(res.body), `${method} ${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
    },
  };
}

/** A test home that also holds its OpenAPI document. */
export type OpenApiHome = TestHome & OpenApiSpec;

/** Waits for `started` and fetches its document (closing the home if that fails). */
export async function withOpenApi(started: Promise<TestHome>, opts: { bodiless?: boolean } = {}): Promise<OpenApiHome> {
  const home = await started;
  try {
    return Object.assign(home, await loadOpenApi(home, opts));
  } catch (err) {
    await home.close();
    throw err;
  }
}
