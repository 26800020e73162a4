/** `npm start`: the whole product on one machine — API, portal, embedded database. */
import { parseDomainSettings } from '../lambdas/settings';
import { startHome } from './home';
import { checkCanListen, describeListenError } from './port-check';
import { helpText, setting } from './settings';

// The SDK's notice about Node 20 support is for library maintainers; Lambda runs Node 24 anyway.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Settings are environment variables; the only argument is a request for the list of them.
const args = process.argv.slice(2);
if (args.some((a) => a === '--help' || a === '-h')) {
  process.stdout.write(helpText());
  process.exit(0);
}
if (args.length) {
  console.error(`Unknown argument ${args[0]}: settings are environment variables, listed by npm start -- --help.`);
  process.exit(1);
}

const dataDir = setting('CRM_DATA_DIR')!;
const host = setting('HOST')!;
const port = Number(setting('PORT'));
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

// Before anything is written to the data directory: a taken port leaves nothing behind.
if (port !== 0) {
  await checkCanListen(port, host).catch((e: unknown) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}

// A bad setting stops start-up with its message, not a stack trace.
const home = await startHome({
  settings: domain.value.app,
  dataDir,
  port,
  host,
  dynamodbEndpoint: setting('CRM_DYNAMODB_ENDPOINT'),
  staffTokensJson: setting('CRM_STAFF_TOKENS'),
  basePath: setting('CRM_BASE_PATH'),
}).catch((e: unknown) => {
  console.error(describeListenError(e, port, host) ?? `privacy-crm could not start: ${(e as Error).message}`);
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
if (Math.abs(offsetDays) >= 1 / 24) {
  const moved = `moved ${offsetDays.toFixed(1)} days ahead by POST /dev/clock; POST {"reset":true} there to undo`;
  lines.push(`  clock:     ${home.clock.now().toISOString()} (${moved})`);
}
if (home.generatedToken) lines.push(`  admin token (kept in ${dataDir}/admin-token): ${home.generatedToken.token}`);
else lines.push(`  staff tokens: ${home.staffTokens.length} from CRM_STAFF_TOKENS`);
console.log(lines.join('\n'));
