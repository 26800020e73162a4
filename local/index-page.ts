/**
 * `GET /` in the local home: a short page pointing at what there is to open, so a first visit to
 * http://127.0.0.1:3000 does not end in a JSON 404. Static, no script, no style: the strict CSP holds.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { SECURITY_HEADERS } from '../lambdas/http/middleware';

/** `base`: the prefix the API is served under ('' at the root). */
export function indexPage(base = ''): APIGatewayProxyResult {
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>privacy-crm</title></head>
<body>
<h1>privacy-crm is running</h1>
<ul>
<li><a href="${base}/portal">Customer portal</a>: customers sign in with a one-time code and see everything held about them.</li>
<li><a href="${base}/v1/openapi.json">API description</a> (OpenAPI 3.1): staff call the API with a bearer token.</li>
<li><a href="${base}/v1/privacy/inventory">Data inventory</a>: what is held, why, and for how long.</li>
</ul>
</body>
</html>
`;
  return { statusCode: 200, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' }, body };
}
