/**
 * The text policy (issue 10, item 4): name, summary, purpose and reason refuse characters that make a
 * value look like something else; newlines only in a summary; names stored in NFC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

let home: TestHome;
let customerId: string;
beforeAll(async () => {
  home = await startTestHome();
  const created = await home.request('POST', '/v1/customers', {
    token: TOKENS.agent,
    body: { name: 'Text Policy', email: 'text-policy@example.com' },
  });
  customerId = created.body.customerId;
});
afterAll(async () => home?.close());

/** Each class the policy refuses, with one character of it (as JSON escapes, so the test file stays plain). */
const REFUSED: [string, string][] = [
  ['a C0 control character (BEL)', '\\u0007'],
  ['a tab', '\\t'],
  ['DEL', '\\u007f'],
  ['a C1 control character (NEL)', '\\u0085'],
  ['a right-to-left override', '\\u202e'],
  ['a left-to-right embedding', '\\u202a'],
  ['a first-strong isolate', '\\u2068'],
  ['a pop-directional isolate', '\\u2069'],
  ['a zero-width space', '\\u200b'],
  ['a zero-width joiner', '\\u200d'],
  ['a word joiner', '\\u2060'],
  ['a byte-order mark', '\\ufeff'],
  ['an unpaired high surrogate', '\\ud800'],
  ['an unpaired low surrogate', '\\udc00'],
];
const NEWLINES: [string, string][] = [
  ['a line feed', '\\n'],
  ['a carriage return', '\\r'],
  ['a line separator', '\\u2028'],
];

/** Sends `template` with `$` replaced by a JSON escaped, so lone surrogates reach the server as sent. */
const send = (method: string, path: string, template: string, escaped: string, token: string = TOKENS.admin) =>
  home.request(method, path, { token, rawBody: template.replace('$', escaped), headers: { 'content-type': 'application/json' } });

type Field = [string, string, string, string];
const FIELDS: Field[] = [
  ['name (create)', 'POST', '/v1/customers', '{"name":"Eve $Mallory","email":"eve@example.com"}'],
  ['name (change)', 'PATCH', '/v1/customers/:id', '{"name":"Eve $Mallory"}'],
  ['summary', 'POST', '/v1/customers/:id/interactions', '{"channel":"chat","summary":"Asked about $ the invoice"}'],
  ['purpose', 'POST', '/v1/customers/:id/reveal', '{"purpose":"billing $dispute"}'],
  ['reason', 'PUT', '/v1/customers/:id/legal-hold', '{"reason":"Case $42"}'],
  ['purpose (contact change)', 'PATCH', '/v1/customers/:id', '{"email":"eve.new@example.com","purpose":"moved $house"}'],
  ['reason (lifting a hold)', 'DELETE', '/v1/customers/:id/legal-hold', '{"reason":"Case $42 closed"}'],
];
const fieldOf = (label: string) => label.split(' ')[0];

describe.each(FIELDS)('%s', (label, method, path, template) => {
  const refused = label === 'summary' ? REFUSED : [...REFUSED, ...NEWLINES];
  it(`refuses ${refused.length} kinds of character, each with a 400 naming the field, and stores nothing`, async () => {
    const before = await rowCounts(home.dynamo);
    for (const [what, escaped] of refused) {
      const res = await send(method, path.replace(':id', customerId), template, escaped);
      expect(res.status, what).toBe(400);
      expect(res.headers.get('content-type'), what).toBe('application/problem+json');
      expect(res.body.errors, what).toEqual([{ field: fieldOf(label), message: expect.any(String) }]);
    }
    expect(await rowCounts(home.dynamo)).toEqual(before);
  });
});

describe('what the policy lets through', () => {
  it('newlines in a summary, kept as written', async () => {
    const res = await send(
      'POST',
      `/v1/customers/${customerId}/interactions`,
      '{"channel":"phone","summary":"Line one$Line two"}',
      '\\r\\n',
    );
    expect(res.status).toBe(201);
    expect(res.body.summary).toBe('Line one\r\nLine two');
  });

  it('names in any script, with emoji (surrogate pairs) and right-to-left text', async () => {
    for (const name of ['Zoë 🙂 Ångström', 'שרה כהן', 'محمد علي', '山田 太郎']) {
      const res = await home.request('POST', '/v1/customers', {
        token: TOKENS.agent,
        body: { name, email: `script-${name.length}-${encodeURIComponent(name).length}@example.com` },
      });
      expect(res.status, name).toBe(201);
    }
  });

  it('stores a name in NFC: a decomposed é comes back composed, on create and on change', async () => {
    const decomposed = 'Ame\u0301lie Poulain';
    const created = await home.request('POST', '/v1/customers', {
      token: TOKENS.agent,
      body: { name: decomposed, email: 'amelie@example.com' },
    });
    expect(created.status).toBe(201);
    const id = created.body.customerId;
    const reveal = () => home.request('POST', `/v1/customers/${id}/reveal`, { token: TOKENS.officer, body: { purpose: 'NFC check' } });
    expect((await reveal()).body.name).toBe('Am\u00e9lie Poulain');
    expect((await home.request('PATCH', `/v1/customers/${id}`, { token: TOKENS.agent, body: { name: 'Zoe\u0308 Poulain' } })).status).toBe(
      200,
    );
    expect((await reveal()).body.name).toBe('Zo\u00eb Poulain');
  });
});
