/**
 * The Lambda composition root: real AWS adapters behind the same ports and the same `createApp` as the
 * local home. The environment (set by the CDK stack, names in lambdas/config.ts and `tableEnvVar`) is
 * read once per cold start. Each function gets only the tables and keys its role may use: a missing
 * table name, data or MAC key, scheduler or sender fails when first used, with a message naming the variable.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { ENV } from '../config';
import { createApp, type App } from '../core/app';
import type { KeyService, Log, Scheduler } from '../core/shared/ports';
import { AWS_TABLES, tableEnvVar, type TableId, type TableNames } from '../core/policy/tables';
import { EsdkFieldCipher } from '../adapters/crypto/esdk-cipher';
import { DynamoStore } from '../adapters/dynamodb/store';
import { AwsKeyService } from '../adapters/kms/aws-kms';
import { createLogger } from '../adapters/logger';
import { EmfMetrics } from '../adapters/metrics';
import { powertoolsTracer, type ClientTracer } from '../adapters/tracing';
import type { Metrics } from '../core/shared/metrics';
import { AwsNotifier } from '../adapters/notify/aws-notifier';
import { AwsScheduler } from '../adapters/scheduler/aws-scheduler';
import type { CategoryId } from '../core/policy/inventory';
import { parseDomainSettings, type DomainSettings } from '../settings';

export interface AwsEnvironment {
  /** Physical names of the tables this function was given ('' for the others). */
  tableNames: TableNames;
  /** Unset for a function that opens nothing (the schedule reconcile): using the key then fails, naming the variable. */
  kmsKeyId?: string;
  macKeyId?: string;
  scheduler?: { groupName: string; roleArn: string; deadLetterArn: string; targetArn: string };
  emailFrom?: string;
  sesConfigurationSet?: string;
  erasureGraceDays?: number;
  retentionDays: Partial<Record<CategoryId, number>>;
  /** The settings createApp takes, parsed by the schema both homes share. */
  domain: DomainSettings;
  defaultPhoneRegion?: string;
  stage?: string;
  /** Origins of browser-based staff tools (CORS on the staff routes). */
  staffOrigins: string[];
}

export class ConfigurationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid function environment: ${problems.join('; ')}`);
    this.name = 'ConfigurationError';
  }
}

const optional = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

/** Parses the function's environment; every problem is reported at once. */
export function readEnvironment(env: NodeJS.ProcessEnv): AwsEnvironment {
  const problems: string[] = [];
  const tableNames = Object.fromEntries(
    [...AWS_TABLES.map((t) => t.name as TableId), 'schedules' as TableId].map((id) => [id, optional(env, tableEnvVar(id)) ?? '']),
  ) as TableNames;
  if (!AWS_TABLES.some((t) => tableNames[t.name as TableId])) problems.push('no table is configured (CRM_TABLE_* variables)');

  const schedulerVars = [ENV.schedulerGroup, ENV.schedulerRoleArn, ENV.schedulerDlqArn, ENV.erasureFunctionArn].map((n) =>
    optional(env, n),
  );
  const schedulerSet = schedulerVars.filter(Boolean).length;
  if (schedulerSet > 0 && schedulerSet < schedulerVars.length) {
    problems.push(`${ENV.schedulerGroup}, ${ENV.schedulerRoleArn}, ${ENV.schedulerDlqArn} and ${ENV.erasureFunctionArn} go together`);
  }
  const [groupName, roleArn, deadLetterArn, targetArn] = schedulerVars;

  // The settings the local home reads too, through the same schema.
  const domain = parseDomainSettings(env);
  if (!domain.ok) problems.push(...domain.problems);

  let staffOrigins: string[] = [];
  const origins = optional(env, ENV.staffOrigins);
  if (origins !== undefined) {
    try {
      const parsed: unknown = JSON.parse(origins);
      const isOrigin = (o: unknown) => typeof o === 'string' && /^https?:\/\/[^/\s]+$/.test(o);
      if (!Array.isArray(parsed) || !parsed.every(isOrigin)) throw new Error('not a list of origins');
      staffOrigins = parsed;
    } catch {
      problems.push(`${ENV.staffOrigins} must be a JSON list of origins such as ["https://crm-tool.example.com"]`);
    }
  }

  if (problems.length > 0 || !domain.ok) throw new ConfigurationError(problems);
  return {
    staffOrigins,
    domain: domain.value,
    retentionDays: domain.value.retentionDays,
    tableNames,
    kmsKeyId: optional(env, ENV.kmsKeyId),
    macKeyId: optional(env, ENV.macKeyId),
    scheduler: groupName && roleArn && deadLetterArn && targetArn ? { groupName, roleArn, deadLetterArn, targetArn } : undefined,
    emailFrom: optional(env, ENV.emailFrom),
    sesConfigurationSet: optional(env, ENV.sesConfigurationSet),
    erasureGraceDays: domain.value.erasureGraceDays,
    defaultPhoneRegion: domain.value.defaultPhoneRegion,
    stage: optional(env, ENV.stage),
  };
}

/** Injected in tests (aws-sdk-client-mock, a DynamoDB client pointed at dynalite). */
export interface AwsClients {
  dynamodb?: DynamoDBClient;
  kms?: KMSClient;
  scheduler?: SchedulerClient;
  ses?: SESv2Client;
  sns?: SNSClient;
}

export interface AwsRuntime {
  app: App;
  log: Log;
  config: AwsEnvironment;
  /** Writes the invocation's business metrics; every handler calls it once per invocation. */
  flush(): void;
}

export interface AwsRuntimeOptions {
  clients?: AwsClients;
  log?: Log;
  /** Default: Powertools Tracer (off outside Lambda). */
  tracer?: ClientTracer;
  /** Default: EMF through Powertools Metrics. */
  metrics?: Metrics & { flush(): void };
}

/** For functions without the scheduler binding: using it is a wiring mistake, said plainly. */
const unconfiguredScheduler: Scheduler = {
  schedule: async () => {
    throw new Error(`This function cannot schedule erasures: ${ENV.schedulerGroup} and its companions are not set.`);
  },
  cancel: async () => {
    throw new Error(`This function cannot cancel erasures: ${ENV.schedulerGroup} and its companions are not set.`);
  },
  exists: async () => {
    throw new Error(`This function cannot look up erasure schedules: ${ENV.schedulerGroup} and its companions are not set.`);
  },
};

/** For functions without the data key: creating or opening a customer key is a wiring mistake, said plainly. */
const noDataKey: KeyService = {
  generateDataKey: async () => {
    throw new Error(`This function has no data key: ${ENV.kmsKeyId} is not set.`);
  },
  unwrapDataKey: async () => {
    throw new Error(`This function has no data key: ${ENV.kmsKeyId} is not set.`);
  },
  mac: async () => {
    throw new Error(`This function has no blind-index key: ${ENV.macKeyId} is not set.`);
  },
};

/** Without the legacy MAC key: blind indexes from before beacon keys are not searched (none exist, or they were rebuilt). */
function withoutMac(keys: KeyService): KeyService {
  return {
    generateDataKey: (c) => keys.generateDataKey(c),
    unwrapDataKey: (w, c) => keys.unwrapDataKey(w, c),
  };
}

export function createAwsRuntime(config: AwsEnvironment, options: AwsRuntimeOptions = {}): AwsRuntime {
  const service = process.env.POWERTOOLS_SERVICE_NAME ?? 'privacy-crm';
  const log = options.log ?? createLogger(service);
  const clients = options.clients ?? {};
  const tracer = options.tracer ?? powertoolsTracer(service);
  const metrics = options.metrics ?? new EmfMetrics({ service: config.stage ? `crm-${config.stage}` : 'privacy-crm' });
  const dynamodb = tracer.capture(clients.dynamodb ?? new DynamoDBClient({}));
  const kms = tracer.capture(clients.kms ?? new KMSClient({}));
  const awsKeys = config.kmsKeyId ? new AwsKeyService({ client: kms, keyId: config.kmsKeyId, macKeyId: config.macKeyId ?? '' }) : undefined;
  const scheduler = config.scheduler
    ? new AwsScheduler({ client: tracer.capture(clients.scheduler ?? new SchedulerClient({})), ...config.scheduler })
    : unconfiguredScheduler;
  const notifier = new AwsNotifier({
    ses: tracer.capture(clients.ses ?? new SESv2Client({})),
    sns: tracer.capture(clients.sns ?? new SNSClient({})),
    emailFrom: config.emailFrom,
    configurationSetName: config.sesConfigurationSet,
  });
  const app = createApp(
    {
      store: new DynamoStore({ client: dynamodb, tableNames: config.tableNames }),
      keys: !awsKeys ? noDataKey : config.macKeyId ? awsKeys : withoutMac(awsKeys),
      cipher: new EsdkFieldCipher(),
      clock: { now: () => new Date() },
      notifier,
      scheduler,
      log,
      metrics,
    },
    config.domain.app,
  );
  return { app, log, config, flush: () => metrics.flush() };
}

let runtime: AwsRuntime | undefined;

/** The function's runtime, built on first use (the cold start) from `process.env`, then reused. */
export function awsRuntime(): AwsRuntime {
  runtime ??= createAwsRuntime(readEnvironment(process.env));
  return runtime;
}

/** Runs one invocation of a handler and then writes its business metrics (also when it fails). */
export async function invocation<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    runtime?.flush();
  }
}
