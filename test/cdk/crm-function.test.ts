import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdkEsbuildOptions } from '../../bench/bundles';
import { ENV } from '../../lambdas/config';
import { tableEnvVar } from '../../lambdas/core/policy/tables';
import { CrmFunction, KEY_ACTIONS, TABLE_ACTIONS } from '../../lib/constructs/crm-function';
import { asArray, iamStatements, resourcesOf } from './support/crm-app';

/** A bare stack holding one function, a table and the two keys; nothing else from the app. */
function bareFunction(opts: { bundling?: boolean; outdir?: string } = {}) {
  const app = new App({ outdir: opts.outdir, context: opts.bundling ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Bare', { env: { region: 'eu-west-1' } });
  const key = new Key(stack, 'DataKey', { enableKeyRotation: true });
  const macKey = new Key(stack, 'MacKey', { keySpec: KeySpec.HMAC_256, keyUsage: KeyUsage.GENERATE_VERIFY_MAC });
  const logKey = new Key(stack, 'LogKey', { enableKeyRotation: true });
  const table = new TableV2(stack, 'Customers', {
    partitionKey: { name: 'customerId', type: AttributeType.STRING },
    encryption: TableEncryptionV2.customerManagedKey(key),
  });
  const fn = new CrmFunction(stack, 'Probe', {
    entry: 'test/cdk/fixtures/bundle-probe.ts',
    functionName: 'crm-test-probe',
    description: 'probe',
    logRetention: RetentionDays.TWO_WEEKS,
    logKey,
    environment: { CALLER_SETTING: 'kept' },
    noDeadLetterQueueBecause: 'A probe for construct tests; nothing invokes it asynchronously, so nothing could land in a queue.',
  });
  return { app, stack, fn, table: { id: 'customers' as const, table }, key, macKey };
}

const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

describe('CrmFunction in a bare stack', () => {
  it('runs Node.js 24 on ARM64 with active tracing and source-mapped stack traces', () => {
    const { stack } = bareFunction();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps', CALLER_SETTING: 'kept' }) },
    });
  });

  it('writes to a log group of its own, with retention and encryption, and may write nowhere else', () => {
    const { stack, fn } = bareFunction();
    const template = Template.fromStack(stack);
    const logGroupId = logicalId(stack, fn.logGroup);
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/lambda/crm-test-probe',
      RetentionInDays: 14,
      KmsKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
    const logs = iamStatements(template).filter(({ statement }) => asArray(statement.Action).some((a: string) => a.startsWith('logs:')));
    expect(logs.map(({ statement }) => statement.Resource)).toEqual([{ 'Fn::GetAtt': [logGroupId, 'Arn'] }]);
  });

  it('its role has no inline policy and no AWS-managed policy: one customer-managed policy of its own', () => {
    const { stack } = bareFunction();
    const template = Template.fromStack(stack);
    expect(resourcesOf(template, 'AWS::IAM::Policy')).toEqual([]);
    const [[roleId, role]] = resourcesOf(template, 'AWS::IAM::Role');
    expect(role.Properties?.Policies).toBeUndefined();
    expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: [{ Ref: roleId }] });
  });

  it('bindTable with read operations sets the table variable and grants exactly those reads, through DynamoDB only', () => {
    const { stack, fn, table, key } = bareFunction();
    fn.bindTable({ table, access: ['get', 'query'] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [tableEnvVar('customers')]: { Ref: logicalId(stack, table.table) } }) },
    });
    const statements = iamStatements(template).map((s) => s.statement);
    const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(logicalId(stack, table.table)));
    expect(onTable).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: { 'Fn::GetAtt': [logicalId(stack, table.table), 'Arn'] },
      },
    ]);
    const onKey = statements.filter((s) => JSON.stringify(s.Resource).includes(logicalId(stack, key)));
    expect(onKey).toEqual([
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:DescribeKey'],
        Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } },
      }),
    ]);
  });

  it('bindTable maps each Store operation to its one DynamoDB action and never grants what the store adapter does not send', () => {
    const { stack, fn, table } = bareFunction();
    fn.bindTable({ table, access: ['get', 'put', 'delete', 'batchDelete', 'query', 'scan'] });
    const actions = iamStatements(Template.fromStack(stack))
      .map((s) => s.statement)
      .filter((s) => JSON.stringify(s.Resource).includes(logicalId(stack, table.table)))
      .flatMap((s) => asArray(s.Action) as string[]);
    const all = ['BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'Scan'].map((a) => `dynamodb:${a}`);
    expect(actions.sort()).toEqual(all);
    expect([...new Set(Object.values(TABLE_ACTIONS))].sort()).toEqual(all);
  });

  it('a write operation adds the table-key actions DynamoDB needs to encrypt', () => {
    const { stack, fn, table, key } = bareFunction();
    fn.bindTable({ table, access: ['delete'] });
    const onKey = iamStatements(Template.fromStack(stack))
      .map((s) => s.statement)
      .filter((s) => JSON.stringify(s.Resource).includes(logicalId(stack, key)));
    expect(asArray(onKey[0].Action).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
  });

  it("queryIndex grants Query on the spec's own indexes by name, and the table itself only the other operations", () => {
    const { stack, fn, table } = bareFunction();
    fn.bindTable({ table: { id: 'sessions', table: table.table }, access: ['queryIndex', 'delete'] });
    const arn = { 'Fn::GetAtt': [logicalId(stack, table.table), 'Arn'] };
    const onTable = iamStatements(Template.fromStack(stack))
      .map((s) => s.statement)
      .filter((s) => JSON.stringify(s.Resource).includes(logicalId(stack, table.table)));
    expect(onTable).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:DeleteItem', Resource: arn },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [arn, '/index/byCustomer']] } },
    ]);
  });

  it('a table bound without queryIndex gets no index ARN, and queryIndex on a table without indexes is refused', () => {
    const { stack, fn, table } = bareFunction();
    fn.bindTable({ table: { id: 'sessions', table: table.table }, access: ['query'] });
    expect(JSON.stringify(iamStatements(Template.fromStack(stack)))).not.toContain('/index/');
    const other = bareFunction();
    const keys = { id: 'customer-keys' as const, table: other.table.table };
    expect(() => other.fn.bindTable({ table: keys, access: ['queryIndex'] })).toThrow(/customer-keys has no index/);
    expect(() => other.fn.bindTable({ table: other.table, access: [] })).toThrow(/at least one operation/);
  });

  it.each([
    ['wrap', ENV.kmsKeyId, 'key'],
    ['unwrap', ENV.kmsKeyId, 'key'],
    ['mac', ENV.macKeyId, 'macKey'],
  ] as const)('bindKey(%s) sets %s and grants only that use of the key', (use, envVar, which) => {
    const built = bareFunction();
    const key = built[which];
    built.fn.bindKey({ key, use });
    const template = Template.fromStack(built.stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [envVar]: { 'Fn::GetAtt': [logicalId(built.stack, key), 'Arn'] } }) },
    });
    const onKey = iamStatements(template)
      .map((s) => s.statement)
      .filter((s) => JSON.stringify(s.Resource).includes(logicalId(built.stack, key)));
    expect(onKey).toHaveLength(1);
    expect(asArray(onKey[0].Action).sort()).toEqual([...KEY_ACTIONS[use]].sort());
  });

  it('refuses to bind the same variable twice (a wiring mistake, not an update)', () => {
    const { fn, table, key } = bareFunction();
    fn.bindTable({ table, access: ['get'] });
    expect(() => fn.bindTable({ table, access: ['put'] })).toThrow(/CRM_TABLE_CUSTOMERS is already bound/);
    fn.bindKey({ key, use: 'unwrap' });
    expect(() => fn.bindKey({ key, use: 'wrap' })).toThrow(/CRM_KMS_KEY_ID is already bound/);
  });

  it('requires a dead-letter queue, or a reason why the function never needs one', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'NoDlq', { env: { region: 'eu-west-1' } });
    expect(
      () =>
        new CrmFunction(stack, 'F', {
          entry: 'test/cdk/fixtures/bundle-probe.ts',
          functionName: 'f',
          description: 'f',
          logRetention: RetentionDays.ONE_WEEK,
          logKey: new Key(stack, 'K'),
        }),
    ).toThrow(/deadLetterQueue or noDeadLetterQueueBecause/);
  });
});

describe('CrmFunction bundling (esbuild, locally, no Docker)', () => {
  let outdir: string;
  let assetDir: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'crm-bundle-'));
    const { app } = bareFunction({ bundling: true, outdir });
    app.synth();
    const dirs = readdirSync(outdir).filter((d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'index.mjs')));
    expect(dirs).toHaveLength(1);
    assetDir = join(outdir, dirs[0]);
  }, 120_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('emits one minified ES module with an external source map and no embedded sources', () => {
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(code).toMatch(/^import \{ createRequire as crmCreateRequire \} from 'node:module';/);
    expect(code).toMatch(/export\s*\{[^}]*as handler\s*\}/);
    // esbuild marks each module with a `// path` comment unless it minifies.
    expect(code).not.toMatch(/^\/\/ (node_modules|test)\//m);
    const map = JSON.parse(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8'));
    expect(map.sources.some((s: string) => s.includes('bundle-probe.ts'))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
  });

  it('is what the bench measures: bench/bundles.ts with the same options builds the same bytes', async () => {
    const dir = join(outdir, 'bench');
    await build(cdkEsbuildOptions('test/cdk/fixtures/bundle-probe.ts', dir));
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).toBe(readFileSync(join(assetDir, 'index.mjs'), 'utf8'));
  });

  it('bundles the AWS SDK and the Encryption SDK, and the bundle runs: encrypt and decrypt round-trip', async () => {
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(code).not.toMatch(/from\s*"@aws-sdk\//);
    const mod = await import(pathToFileURL(join(assetDir, 'index.mjs')).href);
    await expect(mod.handler()).resolves.toEqual({ roundTrip: true, clients: true, credentialsFromEnv: true });
  });

  it('passes the module aliases to esbuild: the clients take the environment credentials the runtime sets', () => {
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    // Messages of the default chain's other links (lib/constructs/bundle-aliases.ts leaves them out).
    expect(code).not.toContain('defaultProvider::fromSSO');
    expect(code).not.toContain('Could not load credentials from any providers');
    expect(code).toContain('Unable to find environment variable credentials.');
  });
});
