/** Helpers for the data-category tests: create customers over the API, read raw rows as a leaked table shows them. */
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { expect } from 'vitest';
import type { TableId } from '../../lambdas/core/policy/tables';
import { TOKENS, type TestHome, type TestResponse } from '../support/home';
import { rowCounts } from '../support/tables';

export type RawRow = Record<string, AttributeValue>;

let serial = 0;

/** A new customer with a unique email; returns its id. */
export async function newCustomer(home: TestHome, body: Record<string, unknown> = {}): Promise<string> {
  serial += 1;
  const res = await home.request('POST', '/v1/customers', {
    token: TOKENS.agent,
    body: { name: `Test Person ${serial}`, email: `person${serial}.${Date.now()}@example.com`, ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.customerId;
}

export async function rawRows(home: TestHome, table: TableId): Promise<RawRow[]> {
  const out: RawRow[] = [];
  let start: RawRow | undefined;
  do {
    const page = await home.dynamo.send(new ScanCommand({ TableName: `crm-local-${table}`, ExclusiveStartKey: start }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

export const nowEpoch = (home: TestHome) => Math.floor(home.clock.now().getTime() / 1000);

export async function accessActions(home: TestHome, customerId: string): Promise<string[]> {
  const log = await home.request('GET', `/v1/customers/${customerId}/access-log`, { token: TOKENS.officer });
  expect(log.status).toBe(200);
  return log.body.items.map((e: { action: string }) => e.action);
}

/** `send` is refused, 400 problem+json with `code` naming exactly `fields`, and no table gains or loses a row. */
export async function expectRefusedWritingNothing(
  home: TestHome,
  send: () => Promise<TestResponse>,
  code: string,
  fields: readonly string[],
): Promise<void> {
  const before = await rowCounts(home.dynamo);
  const res = await send();
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.body.code).toBe(code);
  expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([...fields].sort());
  expect(await rowCounts(home.dynamo)).toEqual(before);
}

export async function grantAnalytics(home: TestHome, customerId: string): Promise<void> {
  const res = await home.request('PUT', `/v1/customers/${customerId}/consent`, {
    token: TOKENS.agent,
    body: { analytics: true, source: 'in_person' },
  });
  expect(res.status, res.text).toBe(200);
}
