/**
 * The project's one way to build a Lambda function: Node.js 24 on ARM64, an esbuild ESM bundle
 * (minified, with source maps, AWS SDK bundled so the code runs against the versions it was tested
 * with), active tracing, a log group of its own with retention and a KMS key, and a role that holds
 * only what the `bind*` calls grant. Each `bind*` call sets the environment variable the code reads
 * and the least-privilege grant together, so the two cannot drift apart.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config';
import { TABLES, tableEnvVar, type TableId } from '../../lambdas/core/policy/tables';
import { roleNameOf, type KeyUse } from '../function-roles';

export type { KeyUse };
import { REPO_ROOT } from '../paths';
import { acknowledge } from './acknowledge';
import { bundleAliasArgs } from './bundle-aliases';
import { ManagedPolicyRole } from './managed-policy-role';

export const RUNTIME = Runtime.NODEJS_24_X;

/**
 * The operations of the Store port (lambdas/core/shared/ports.ts), each with the one DynamoDB action its
 * adapter (lambdas/adapters/dynamodb/store.ts) sends. Nothing the adapter never sends (UpdateItem,
 * the batch calls, ConditionCheckItem, DescribeTable) can be granted. `queryIndex` is a Query
 * authorised against the table's index ARNs, `query` one against the table itself.
 */
export const TABLE_ACTIONS = {
  get: 'dynamodb:GetItem',
  put: 'dynamodb:PutItem',
  delete: 'dynamodb:DeleteItem',
  batchDelete: 'dynamodb:BatchWriteItem',
  query: 'dynamodb:Query',
  queryIndex: 'dynamodb:Query',
  scan: 'dynamodb:Scan',
} as const;

export type TableOperation = keyof typeof TABLE_ACTIONS;

/** Exactly the operations a function performs on one table. */
export type TableAccess = readonly TableOperation[];

const WRITES: readonly TableOperation[] = ['put', 'delete', 'batchDelete'];

/** What DynamoDB needs from the caller on a table encrypted with a customer-managed key. */
const TABLE_KEY_ACTIONS = {
  read: ['kms:Decrypt', 'kms:DescribeKey'],
  readWrite: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
} as const;

export const KEY_ACTIONS: Record<KeyUse, readonly string[]> = {
  wrap: ['kms:GenerateDataKey', 'kms:Decrypt'],
  unwrap: ['kms:Decrypt'],
  mac: ['kms:GenerateMac'],
};

/** A table with the spec id the Lambda code knows it by (`tableEnvVar(id)`). */
export interface CrmTable {
  readonly id: TableId;
  readonly table: ITableV2;
}

export interface CrmFunctionProps {
  /** Handler module relative to the repository root, exporting `handler`. */
  entry: string;
  functionName: string;
  description: string;
  logRetention: RetentionDays;
  /** Key the log group is encrypted with (its key policy must admit CloudWatch Logs). */
  logKey: IKey;
  memorySize?: number;
  timeout?: Duration;
  /** Extra variables; merged with (never replacing) the ones this construct sets. */
  environment?: Record<string, string>;
  /** For asynchronously invoked functions: where events go after the last retry. */
  deadLetterQueue?: IQueue;
  /** For functions invoked synchronously (API, stream): why a function-level DLQ would never fill. */
  noDeadLetterQueueBecause?: string;
  /** Asynchronous retries (0-2). */
  retryAttempts?: number;
}

export class CrmFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: ManagedPolicyRole;
  readonly logGroup: LogGroup;
  private readonly bound = new Map<string, string>();

  constructor(scope: Construct, id: string, props: CrmFunctionProps) {
    super(scope, id);
    if (!props.deadLetterQueue === !props.noDeadLetterQueueBecause) {
      throw new Error(`${this.node.path}: give either deadLetterQueue or noDeadLetterQueueBecause.`);
    }

    this.role = new ManagedPolicyRole(this, 'Role', {
      // Named, so key policies can admit it by ARN (lib/key-policies.ts).
      roleName: roleNameOf(props.functionName),
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.functionName}`,
    });

    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention,
      encryptionKey: props.logKey,
      // Logs hold no personal data and are operational; a torn-down stack should leave no log group
      // behind that would block redeploying the same function name.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.logGroup.grantWrite(this.role);

    const { NODE_OPTIONS: extraNodeOptions, ...environment } = props.environment ?? {};

    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      functionName: props.functionName,
      description: props.description,
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts,
      environment: {
        ...environment,
        NODE_OPTIONS: ['--enable-source-maps', extraNodeOptions].filter(Boolean).join(' '),
        POWERTOOLS_SERVICE_NAME: props.functionName,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        // Stack traces need only the mappings; the sources would double the asset.
        sourcesContent: false,
        // Prefer the ESM builds of dependencies (the AWS SDK ships both).
        mainFields: ['module', 'main'],
        // Bundle the AWS SDK too: the code runs against the versions in package-lock.json.
        externalModules: [],
        // Safeguard: a CommonJS dependency that calls require() at run time (a Node built-in, say)
        // fails in an ESM bundle with "Dynamic require is not supported" unless a require exists.
        banner: "import { createRequire as crmCreateRequire } from 'node:module'; const require = crmCreateRequire(import.meta.url);",
        // Code a function never runs, and a second copy of bn.js, left out (lib/constructs/bundle-aliases.ts).
        esbuildArgs: bundleAliasArgs(),
      },
    });

    const cfnFunction = this.fn.node.defaultChild!;
    if (props.noDeadLetterQueueBecause) acknowledge(cfnFunction, 'NIST.800.53.R5-LambdaDLQ', props.noDeadLetterQueueBecause);
    acknowledge(
      cfnFunction,
      'NIST.800.53.R5-LambdaInsideVPC',
      'The function talks only to AWS APIs (DynamoDB, KMS, SES, SNS, Scheduler, X-Ray) over TLS with IAM-signed requests; a VPC would ' +
        'add a NAT gateway or interface endpoints for KMS, SES, SNS, Scheduler and X-Ray (about USD 80 a month in two AZs) and would ' +
        'protect no resource reachable only inside it.',
    );
    acknowledge(
      cfnFunction,
      'NIST.800.53.R5-LambdaConcurrency',
      'Reserved concurrency is not set: new accounts have a total of 10 and Lambda refuses reservations that leave fewer than 10 ' +
        'unreserved. Load is bounded by stage throttling, the WAF sign-in rate rule and, for the stream, by its shards.',
    );
    acknowledge(
      this.role.node.findChild('Permissions').node.defaultChild!,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) has no resource-level permissions; AWS documents "*" as the ' +
        'only resource.',
    );
  }

  get functionArn(): string {
    return this.fn.functionArn;
  }

  /** One call: the table's name in `tableEnvVar(id)` and exactly the DynamoDB and KMS actions of the `access` operations. */
  bindTable({ table, access }: { table: CrmTable; access: TableAccess }): this {
    if (access.length === 0) throw new Error(`${this.node.path}: bindTable(${table.id}) needs at least one operation.`);
    const envVar = tableEnvVar(table.id);
    this.claim(envVar, `table ${table.id}`);
    this.fn.addEnvironment(envVar, table.table.tableName);
    const onTable = [...new Set(access.filter((op) => op !== 'queryIndex').map((op) => TABLE_ACTIONS[op]))].sort();
    if (onTable.length > 0) {
      this.role.addToPrincipalPolicy(new PolicyStatement({ actions: onTable, resources: [table.table.tableArn] }));
    }
    if (access.includes('queryIndex')) {
      // A query on a global secondary index is authorised against the index's own ARN.
      const indexArns = (TABLES[table.id].indexes ?? []).map((i) => `${table.table.tableArn}/index/${i.name}`);
      if (indexArns.length === 0) throw new Error(`${this.node.path}: table ${table.id} has no index to query.`);
      this.role.addToPrincipalPolicy(new PolicyStatement({ actions: [TABLE_ACTIONS.queryIndex], resources: indexArns }));
    }
    const key = table.table.encryptionKey;
    if (key) {
      // Only through DynamoDB: this grant does not let the function call KMS with the table key itself.
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: [...TABLE_KEY_ACTIONS[access.some((op) => WRITES.includes(op)) ? 'readWrite' : 'read']],
          resources: [key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }

  /** One call: the key's ARN in the variable the code reads for `use`, and only that use's KMS actions. */
  bindKey({ key, use }: { key: IKey; use: KeyUse }): this {
    const envVar = use === 'mac' ? ENV.macKeyId : ENV.kmsKeyId;
    this.claim(envVar, `key (${use})`);
    this.fn.addEnvironment(envVar, key.keyArn);
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: [...KEY_ACTIONS[use]], resources: [key.keyArn] }));
    return this;
  }

  /** Sets a variable once; binding the same variable twice is a wiring mistake, not an update. */
  setEnvironment(name: string, value: string): this {
    this.claim(name, 'setting');
    this.fn.addEnvironment(name, value);
    return this;
  }

  private claim(envVar: string, what: string): void {
    const previous = this.bound.get(envVar);
    if (previous) throw new Error(`${this.node.path}: ${envVar} is already bound (${previous}); bind each ${what} once.`);
    this.bound.set(envVar, what);
  }
}
