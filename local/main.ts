/** `npm start`: the whole product on one machine — API, portal, embedded database. */
import { parseDomainSettings } from '../lambdas/settings';
import { startHome } from './home';

// The SDK's notice about Node 20 support is for library maintainers; Lambda runs Node 24 anyway.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const dataDir = process.env.CRM_DATA_DIR ?? '.crm-data';
const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('PORT must be a port number.');
  process.exit(1);
}

// The same schema as the Lambda functions' environment; a bad value stops start-up with its message.
const domain = parseDomainSettings(process.env);
if (!domain.ok) {
  console.error(domain.problems.join('\n'));
  process.exit(1);
}

// A bad setting stops start-up with its message, not a stack trace.
const home = await startHome({
  settings: domain.value.app,
  dataDir,
  port,
  host: process.env.HOST ?? '127.0.0.1',
  dynamodbEndpoint: process.env.CRM_DYNAMODB_ENDPOINT || undefined,
  staffTokensJson: process.env.CRM_STAFF_TOKENS || undefined,
  basePath: process.env.CRM_BASE_PATH,
}).catch((e: unknown) => {
  console.error(`privacy-crm could not start: ${(e as Error).message}`);
  process.exit(1);
});

// Signals are handled before the banner says we are up: a SIGTERM right after it still shuts down cleanly.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing open requests and closing the database`);
    home.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

const lines = [
  `privacy-crm is running at ${home.url}`,
  `  portal:    ${home.apiUrl}/portal`,
  `  openapi:   ${home.apiUrl}/v1/openapi.json`,
  `  data dir:  ${dataDir}`,
];
const offsetDays = (home.clock.now().getTime() - Date.now()) / 86_400_000;
if (Math.abs(offsetDays) >= 1 / 24) lines.push(`  clock:     ${home.clock.now().toISOString()} (moved ${offsetDays.toFixed(1)} days ahead by POST /dev/clock; delete ${dataDir}/clock.json to reset)`);
if (home.generatedToken) lines.push(`  admin token (kept in ${dataDir}/admin-token): ${home.generatedToken.token}`);
else lines.push(`  staff tokens: ${home.staffTokens.length} from CRM_STAFF_TOKENS`);
console.log(lines.join('\n'));
