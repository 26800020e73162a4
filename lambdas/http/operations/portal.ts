/** Portal operations: the customer id always comes from the session principal, never from the request. */
import { unpackText } from '../../core/shared/packed-text';
import type { Operations, OpRequest } from '../operation';
import { PORTAL_ASSETS_PACKED } from '../portal-assets.generated';
import { requireCustomer } from './util';

interface PortalAssets {
  html: string;
  css: string;
  js: string;
}

let assets: PortalAssets | undefined;

/** The page as portal/build.ts built it, unpacked on the first request for it (not at every cold start) and kept. */
const portalAssets = (): PortalAssets => (assets ??= JSON.parse(unpackText(PORTAL_ASSETS_PACKED)) as PortalAssets);

/** The page's own policy: scripts, styles and requests to this origin only; no framing, no inline code. */
export const PORTAL_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The caller's address as API Gateway saw it: only ever hashed, for the sign-in rate limit. */
function clientOf(req: OpRequest): string | undefined {
  return req.event.requestContext?.identity?.sourceIp || undefined;
}

export const portalOperations: Operations = {
  portalLogin: async (req, app) => {
    await app.signIn.login(req.body, clientOf(req));
    const minutes = Math.round(app.signIn.settings.codeTtlSeconds / 60);
    return {
      status: 202,
      body: { detail: `If this email or phone belongs to a customer, a code is on its way. It works once, for ${minutes} minutes.` },
    };
  },
  portalVerify: async (req, app) => {
    const { token, expiresAt, absoluteExpiresAt } = await app.signIn.verify(req.body, clientOf(req));
    return { status: 200, body: { token, expiresAt, absoluteExpiresAt } };
  },
  portalLogout: async (req, app) => {
    const principal = requireCustomer(req);
    await app.sessions.end(principal.sessionId);
    await app.accessLog.append(principal.customerId, principal, 'sign_out');
    return { status: 204 };
  },
  getMe: async (req, app) => {
    const view = await app.portal.me(requireCustomer(req));
    return { status: 200, body: view.erasure ? view : { ...view, erasureIfRequestedNow: app.erasure.wouldRunAt() } };
  },
  exportMe: async (req, app) => {
    const principal = requireCustomer(req);
    const data = await app.exports.forCustomer(principal.customerId, principal);
    const day = data.generatedAt.slice(0, 10);
    return {
      status: 200,
      headers: { 'content-disposition': `attachment; filename="my-data-${day}.json"` },
      raw: { contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(data, null, 2)}\n` },
    };
  },
  getMyAccessLog: async (req, app) => ({ status: 200, body: await app.portal.accessLog(requireCustomer(req), req.query) }),
  setMyConsent: async (req, app) => {
    const principal = requireCustomer(req);
    return { status: 200, body: await app.consent.set(principal, principal.customerId, req.body, 'portal') };
  },
  requestMyErasure: async (req, app) => {
    const principal = requireCustomer(req);
    return { status: 202, body: await app.erasure.request(principal, principal.customerId) };
  },
  cancelMyErasure: async (req, app) => {
    const principal = requireCustomer(req);
    return { status: 200, body: await app.erasure.cancel(principal, principal.customerId) };
  },
  portalPage: async () => ({
    status: 200,
    headers: { 'content-security-policy': PORTAL_CSP },
    raw: { contentType: 'text/html; charset=utf-8', body: portalAssets().html },
  }),
  portalScript: async () => ({ status: 200, raw: { contentType: 'text/javascript; charset=utf-8', body: portalAssets().js } }),
  portalStyles: async () => ({ status: 200, raw: { contentType: 'text/css; charset=utf-8', body: portalAssets().css } }),
};
