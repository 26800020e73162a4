/** Helpers for the portal tests: a home with test-sized sign-in limits, customers, codes from the outbox. */
import { expect } from 'vitest';
import type { PortalSettings } from '../../lambdas/core/portal/services';
import type { HomeOptions } from '../../local/home';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

/** Roomy per-client limit (every test request comes from 127.0.0.1) and a short login budget, unless a test needs others. */
export async function startPortalHome(portal: PortalSettings = {}, options: Partial<HomeOptions> = {}): Promise<TestHome> {
  return startTestHome({
    ...options,
    settings: {
      ...options.settings,
      portal: {
        ...portal,
        signIn: { loginBudgetMs: 120, perClient: { limit: 10_000, windowSeconds: 600 }, ...portal.signIn },
      },
    },
  });
}

export type ContactInput = { email: string } | { phone: string };

export async function createCustomer(
  home: TestHome,
  body: { name: string } & ContactInput & { consent?: { communications?: boolean } },
): Promise<string> {
  const res = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.customerId as string;
}

/** The newest code sent to `to` (as the customer would read it in their inbox or SMS). */
export function lastCode(home: TestHome, to: string): string | undefined {
  const codes = home.outbox.list().filter((m) => m.to === to && /sign-in code/i.test(m.body));
  const last = codes.at(-1);
  return last ? /\b(\d{6,12})\b/.exec(last.body)?.[1] : undefined;
}

export function messagesTo(home: TestHome, to: string) {
  return home.outbox.list().filter((m) => m.to === to);
}

/** Login + verify with the code from the outbox; returns the session token. */
export async function signIn(home: TestHome, contact: ContactInput): Promise<string> {
  const to = 'email' in contact ? contact.email : contact.phone;
  const login = await home.request('POST', '/v1/portal/login', { body: contact });
  expect(login.status).toBe(202);
  const code = lastCode(home, to);
  expect(code, 'a code was sent').toBeDefined();
  const verify = await home.request('POST', '/v1/portal/verify', { body: { ...contact, code } });
  expect(verify.status, JSON.stringify(verify.body)).toBe(200);
  return verify.body.token as string;
}
