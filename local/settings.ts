/**
 * The local home's settings (environment variables), defined once: `npm start -- --help` prints them and
 * the README's Configuration table is this list (a test keeps the two in sync).
 */
export interface LocalSetting {
  name: string;
  /** Shown as the default; `undefined`: unset by default. */
  default?: string;
  what: string;
}

export const LOCAL_SETTINGS: readonly LocalSetting[] = [
  { name: 'PORT', default: '3000', what: 'HTTP port' },
  {
    name: 'HOST',
    default: '127.0.0.1',
    what: 'interface to listen on; the `/dev` routes (outbox, clock) exist only on a loopback address',
  },
  {
    name: 'CRM_DATA_DIR',
    default: '.crm-data',
    what: 'tables, master key (mode 0600), admin token, outbox and clock offset; survives restarts',
  },
  {
    name: 'CRM_STAFF_TOKENS',
    what:
      'JSON list `[{"token","staffId","role"}]`, roles `agent`, `privacy_officer`, `admin`; unset: one admin token is generated, ' +
      'kept in the data dir and printed at start',
  },
  {
    name: 'CRM_DYNAMODB_ENDPOINT',
    what: 'an external DynamoDB-compatible endpoint instead of the embedded one (tables are created there if missing)',
  },
  {
    name: 'CRM_DEFAULT_PHONE_REGION',
    what: 'ISO country (e.g. `GB`) for phone numbers given without a country code; unset: numbers must be international',
  },
  {
    name: 'CRM_ERASURE_GRACE_DAYS',
    default: '30',
    what: 'days between an erasure request and the erasure; never more than one calendar month (GDPR Art. 12(3))',
  },
  {
    name: 'CRM_RETENTION_DAYS',
    what: 'per-category retention overrides, JSON such as `{"behaviour": 30}` (category ids as in the inventory)',
  },
  {
    name: 'CRM_BASE_PATH',
    what:
      'serve the API, the portal and `/health` under this path, as API Gateway does under a stage (e.g. `/dev`: `/dev/portal`, ' +
      '`/dev/v1/...`, `/dev/health`); the local-only `/dev/outbox` and `/dev/clock` stay at the root',
  },
  {
    name: 'CRM_BRANCH_KEYS',
    default: '16',
    what: 'how many branch keys new customer keys are spread over (16 to 64); see docs/ARCHITECTURE.md',
  },
  { name: 'LOG_LEVEL', default: 'INFO', what: 'structured JSON logs; they never contain a personal value' },
];

/** The value of a setting: the environment's, else its default. */
export function setting(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const known = LOCAL_SETTINGS.find((s) => s.name === name);
  if (!known) throw new Error(`${name} is not a local setting`);
  return env[name] || known.default;
}

export function settingsMarkdown(): string {
  const rows = LOCAL_SETTINGS.map((s) => `| \`${s.name}\` | ${s.default === undefined ? 'unset' : `\`${s.default}\``} | ${s.what} |`);
  return ['| variable | default | what |', '|---|---|---|', ...rows].join('\n');
}

/** Word-wraps `text` to `width` columns, continuation lines indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** What `npm start -- --help` prints. */
export function helpText(): string {
  const nameWidth = Math.max(...LOCAL_SETTINGS.map((s) => s.name.length)) + 2;
  const defaultWidth = Math.max(...LOCAL_SETTINGS.map((s) => (s.default ?? 'unset').length)) + 2;
  const indent = 2 + nameWidth + defaultWidth;
  const plain = (s: string) => s.replaceAll('`', '');
  const rows = LOCAL_SETTINGS.map((s) => {
    const what = wrap(plain(s.what), Math.max(40, 100 - indent), indent);
    return `  ${s.name.padEnd(nameWidth)}${(s.default ?? 'unset').padEnd(defaultWidth)}${what}`;
  });
  return [
    'usage: npm start [-- --help]',
    '',
    'Runs privacy-crm on this machine: the API, the customer portal and an embedded database.',
    'Settings are environment variables, all optional (e.g. PORT=3001 npm start):',
    '',
    `  ${'variable'.padEnd(nameWidth)}${'default'.padEnd(defaultWidth)}what`,
    ...rows,
    '',
  ].join('\n');
}
