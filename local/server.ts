/**
 * The local HTTP server: turns each request into an API Gateway proxy event and hands it to the same
 * handler function Lambda runs. It plays API Gateway's part too: route matching, the staff token check
 * (placing Cognito-shaped claims), and the local-only /dev routes.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { bearerToken } from '../lambdas/http/auth';
import type { ApiHandler } from '../lambdas/http/api';
import { SECURITY_HEADERS } from '../lambdas/http/middleware';
import { LOCAL_ROUTES } from '../lambdas/http/local-routes';
import { problem } from '../lambdas/http/problem';
import { matchPath } from '../lambdas/http/routes';
import { stageOf, stripBasePath } from './base-path';
import { parseClockRequest } from './dev-clock';
import { indexPage } from './index-page';
import { findStaff, type StaffToken } from './staff-tokens';

/** API Gateway's own payload limit; the handler enforces the API's 64 KB. */
const GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

export interface DevRoutes {
  outbox(): unknown;
  advanceClock(seconds: number): Promise<{ now: string }>;
  /** Back to real time (offset 0). */
  resetClock(): Promise<{ now: string }>;
}

export interface LocalServerOptions {
  handler: ApiHandler;
  staffTokens: readonly StaffToken[];
  dev: DevRoutes;
  isReady: () => boolean;
  /** The /dev routes (outbox, clock): only when listening on loopback, never on a shared interface. */
  devRoutes: boolean;
  /** Serve the API and page under this path (e.g. `/dev`), as API Gateway does under a stage; '' for none. */
  basePath?: string;
}

/**
 * Reads the whole body, keeping at most `GATEWAY_MAX_BYTES`. A larger body is still read to its end
 * (and dropped): leaving it unread would close the connection, and a keep-alive client's next request
 * on it would fail instead of being served.
 */
async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= GATEWAY_MAX_BYTES) chunks.push(chunk as Buffer);
    else chunks.length = 0;
  }
  return size > GATEWAY_MAX_BYTES ? 'too-large' : Buffer.concat(chunks);
}

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  res.writeHead(result.statusCode, headers);
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

function json(status: number, body: unknown): APIGatewayProxyResult {
  return { statusCode: status, headers: { 'content-type': 'application/json', ...SECURITY_HEADERS }, body: JSON.stringify(body) };
}

function withHeaders(r: APIGatewayProxyResult): APIGatewayProxyResult {
  return { ...r, headers: { ...SECURITY_HEADERS, ...(r.headers ?? {}) } };
}

export function toEvent(
  req: IncomingMessage,
  url: URL,
  resource: string,
  params: Record<string, string>,
  body: Buffer,
  authorizer?: Record<string, unknown>,
  basePath = '',
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    headers[k] = Array.isArray(v) ? v.join(',') : v;
    multi[k] = Array.isArray(v) ? v : [v];
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const requestId = randomUUID();
  return {
    resource,
    // As API Gateway: the path without the stage; requestContext keeps the stage and the full path.
    path: stripBasePath(basePath, url.pathname) ?? url.pathname,
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders: multi,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(params).length ? params : null,
    stageVariables: null,
    body: body.length ? body.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: authorizer ?? null,
      protocol: 'HTTP/1.1',
      httpMethod: req.method ?? 'GET',
      // What API Gateway puts there; the sign-in rate limit keys on it (hashed), and no log line carries it.
      identity: { sourceIp: req.socket.remoteAddress ?? '' } as APIGatewayProxyEvent['requestContext']['identity'],
      path: url.pathname,
      stage: stageOf(basePath),
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: resource,
    },
  };
}

export function createLocalServer(opts: LocalServerOptions): Server {
  return createServer((req, res) => {
    void handle(req, res, opts).catch(() => {
      if (!res.headersSent) send(res, withHeaders(problem(500, 'internal_error', 'Something went wrong on our side.')));
      else res.destroy();
    });
  });
}

/** The local-only route at `path`, if any, with the method it takes. */
function localRoute(path: string): { method: string; path: string } | undefined {
  return Object.values(LOCAL_ROUTES).find((r) => r.path === path);
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: LocalServerOptions): Promise<void> {
  const method = req.method ?? 'GET';
  const body = await readBody(req);
  if (body === 'too-large') return send(res, withHeaders(problem(413, 'payload_too_large', 'The request body is too large.')));
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return send(res, withHeaders(problem(400, 'bad_request', 'The request target is not a valid path.')));
  }

  // The local-only helpers (start page, outbox, clock) stay at the root, outside any base path, so they
  // are never taken for a stage; /health lives under the base path, as the API does.
  const devHelper = url.pathname === LOCAL_ROUTES.outbox.path || url.pathname === LOCAL_ROUTES.clock.path;
  if (devHelper && !opts.devRoutes) return send(res, withHeaders(problem(404, 'not_found', 'No such route.')));
  const local = localRoute(url.pathname);
  if (local && local !== LOCAL_ROUTES.health && local.method !== method && (local === LOCAL_ROUTES.home || opts.devRoutes)) {
    return send(res, withHeaders(problem(405, 'method_not_allowed', `Use ${local.method}.`, { headers: { allow: local.method } })));
  }
  if (url.pathname === LOCAL_ROUTES.home.path && method === LOCAL_ROUTES.home.method) return send(res, indexPage());
  if (url.pathname === LOCAL_ROUTES.outbox.path && method === LOCAL_ROUTES.outbox.method) return send(res, json(200, opts.dev.outbox()));
  if (url.pathname === LOCAL_ROUTES.clock.path && method === LOCAL_ROUTES.clock.method) {
    // JSON only: a web page cannot send that cross-origin without a preflight this server never answers.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return send(res, withHeaders(problem(415, 'unsupported_media_type', 'Send the body as application/json.')));
    }
    const clock = parseClockRequest(body.toString('utf8'));
    if ('errors' in clock) return send(res, withHeaders(problem(400, 'validation_failed', clock.detail, { errors: clock.errors })));
    return send(res, json(200, 'reset' in clock ? await opts.dev.resetClock() : await opts.dev.advanceClock(clock.advanceSeconds)));
  }

  const basePath = opts.basePath ?? '';
  const path = stripBasePath(basePath, url.pathname);
  if (path === undefined) return send(res, withHeaders(problem(404, 'not_found', 'No such route.')));
  if (path === LOCAL_ROUTES.health.path) {
    const { method: allowed } = LOCAL_ROUTES.health;
    if (method !== allowed)
      return send(res, withHeaders(problem(405, 'method_not_allowed', `Use ${allowed}.`, { headers: { allow: allowed } })));
    return send(res, json(opts.isReady() ? 200 : 503, { status: opts.isReady() ? 'ok' : 'starting' }));
  }

  const match = matchPath(method, path);
  if (!match) return send(res, withHeaders(problem(404, 'not_found', 'No such route.')));
  if ('allowed' in match)
    return send(
      res,
      withHeaders(problem(405, 'method_not_allowed', `Use ${match.allowed.join(', ')}.`, { headers: { allow: match.allowed.join(', ') } })),
    );

  let authorizer: Record<string, unknown> | undefined;
  if (match.route.auth === 'staff') {
    // What API Gateway's Cognito authorizer does: refuse before the function runs, else pass claims.
    const token = bearerToken(req.headers as Record<string, string>);
    const staff = token ? findStaff(opts.staffTokens, token) : undefined;
    if (!staff)
      return send(
        res,
        withHeaders(problem(401, 'unauthorized', 'A valid staff bearer token is required.', { headers: { 'www-authenticate': 'Bearer' } })),
      );
    authorizer = { claims: { sub: staff.staffId, 'cognito:groups': staff.role } };
  }
  const event = toEvent(req, url, match.route.path, match.params, body, authorizer, basePath);
  send(res, await opts.handler(event));
}
