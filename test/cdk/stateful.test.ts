import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_TABLES, AWS_TABLES, physicalName, type IndexSpec, type TableId } from '../../lambdas/core/policy/tables';
import { parseConfig } from '../../lib/config';
import { StatefulStack } from '../../lib/stateful-stack';
import { cdkJsonContext, resourcesOf } from './support/crm-app';

let template: Template;
let dataKeyId: string;
let macKeyId: string;

beforeAll(() => {
  const app = new App();
  const config = parseConfig(cdkJsonContext());
  const stack = new StatefulStack(app, 'Stateful', { config, env: { region: config.region } });
  template = Template.fromStack(stack);
  dataKeyId = stack.getLogicalId(stack.dataKey.node.defaultChild as never);
  macKeyId = stack.getLogicalId(stack.macKey.node.defaultChild as never);
});

const tableNamed = (id: string) => {
  const match = resourcesOf(template, 'AWS::DynamoDB::GlobalTable').find(
    ([, r]) => r.Properties?.TableName === physicalName('crm-dev-', id as TableId),
  );
  if (!match) throw new Error(`no table ${id}`);
  return match[1];
};

describe('stateful stack: tables from the table specs', () => {
  it('deploys exactly the tables the specs mark for AWS, none of the local stand-ins', () => {
    const names = resourcesOf(template, 'AWS::DynamoDB::GlobalTable')
      .map(([, r]) => r.Properties?.TableName)
      .sort();
    expect(names).toEqual(AWS_TABLES.map((t) => physicalName('crm-dev-', t.name as TableId)).sort());
    for (const local of ALL_TABLES.filter((t) => t.localOnly)) expect(names).not.toContain(physicalName('crm-dev-', local.name as TableId));
  });

  it.each(AWS_TABLES.map((t) => [t.name, t] as const))('%s is encrypted with the customer-managed key', (name) => {
    const table = tableNamed(name);
    expect(table.Properties?.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    expect(table.Properties?.Replicas[0].SSESpecification).toEqual({ KMSMasterKeyId: { 'Fn::GetAtt': [dataKeyId, 'Arn'] } });
  });

  it.each(AWS_TABLES.map((t) => [t.name, t] as const))('%s keeps point-in-time recovery for the window its spec sets', (name, spec) => {
    expect(tableNamed(name).Properties?.Replicas[0].PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
      RecoveryPeriodInDays: spec.pitrDays,
    });
  });

  it('a shredded customer key, a retired branch or beacon key and every contact-to-customer link stay in backups one day, data 35', () => {
    const forgetFast = ['customer-keys', 'key-store', 'contact-index', 'sessions', 'idempotency'];
    for (const name of forgetFast)
      expect(tableNamed(name).Properties?.Replicas[0].PointInTimeRecoverySpecification.RecoveryPeriodInDays).toBe(1);
    for (const spec of AWS_TABLES.filter((t) => !forgetFast.includes(t.name))) {
      expect(tableNamed(spec.name).Properties?.Replicas[0].PointInTimeRecoverySpecification.RecoveryPeriodInDays).toBe(35);
    }
  });

  it.each(AWS_TABLES.map((t) => [t.name, t] as const))('%s expires rows by TTL on the attribute its spec names', (name, spec) => {
    expect(spec.ttlAttribute).toBeTruthy();
    expect(tableNamed(name).Properties?.TimeToLiveSpecification).toEqual({ AttributeName: spec.ttlAttribute, Enabled: true });
  });

  it.each(AWS_TABLES.map((t) => [t.name, t] as const))(
    '%s has the key schema of its spec, on-demand billing and deletion protection, and is retained',
    (name, spec) => {
      const table = tableNamed(name);
      const keys = [
        { AttributeName: spec.partitionKey.name, KeyType: 'HASH' },
        ...(spec.sortKey ? [{ AttributeName: spec.sortKey.name, KeyType: 'RANGE' }] : []),
      ];
      expect(table.Properties?.KeySchema).toEqual(keys);
      expect(table.Properties?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties?.Replicas[0].DeletionProtectionEnabled).toBe(true);
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    },
  );

  it('streams the old image of deleted customers, and only where a spec asks for a stream', () => {
    for (const spec of AWS_TABLES) {
      const stream = tableNamed(spec.name).Properties?.StreamSpecification;
      if (spec.stream) expect(stream).toEqual({ StreamViewType: spec.stream });
      else expect(stream).toBeUndefined();
    }
    expect(tableNamed('customers').Properties?.StreamSpecification).toEqual({ StreamViewType: 'OLD_IMAGE' });
  });

  it.each(AWS_TABLES.map((t) => [t.name, t] as const))('%s has exactly the global secondary indexes of its spec', (name, spec) => {
    const expected = (spec.indexes ?? []).map((i: IndexSpec) => ({
      IndexName: i.name,
      KeySchema: [
        { AttributeName: i.partitionKey.name, KeyType: 'HASH' },
        ...(i.sortKey ? [{ AttributeName: i.sortKey.name, KeyType: 'RANGE' }] : []),
      ],
      Projection: { ProjectionType: i.projection },
    }));
    expect(tableNamed(name).Properties?.GlobalSecondaryIndexes ?? []).toEqual(expected);
  });

  it('sessions, idempotency and contact-index rows can be found by customerId, keys only, for the erasure cascade', () => {
    for (const name of ['sessions', 'idempotency', 'contact-index']) {
      const table = tableNamed(name).Properties;
      expect(table?.GlobalSecondaryIndexes).toEqual([
        {
          IndexName: 'byCustomer',
          KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ]);
      expect(table?.AttributeDefinitions).toContainEqual({ AttributeName: 'customerId', AttributeType: 'S' });
    }
  });
});

describe('stateful stack: keys', () => {
  it('the table and key-wrapping key is a symmetric CMK with rotation, retained', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true, KeySpec: Match.absent() }),
      DeletionPolicy: 'Retain',
    });
    expect(template.toJSON().Resources[dataKeyId].Properties.EnableKeyRotation).toBe(true);
  });

  it('the blind index uses a KMS HMAC_256 key for GenerateMac, retained', () => {
    const key = template.toJSON().Resources[macKeyId];
    expect(key.Properties).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it('key policies name only the account (narrowed by conditions, see key-policies.test.ts) or the DynamoDB service', () => {
    const root = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } };
    for (const [, key] of resourcesOf(template, 'AWS::KMS::Key')) {
      for (const s of key.Properties!.KeyPolicy.Statement) {
        expect([root, { Service: 'dynamodb.amazonaws.com' }]).toContainEqual(s.Principal);
        expect(s.Action).not.toContain('kms:*');
      }
    }
  });
});
