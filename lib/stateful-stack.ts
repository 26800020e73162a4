/**
 * Everything that holds data or keys, apart from the code that uses it: the KMS keys and every table
 * the table specs name. All of it is retained when the stack is deleted.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { AWS_TABLES, physicalName, type TABLES, type KeyType, type TableId, type TableSpec } from '../lambdas/core/policy/tables';
import { namePrefix, type CrmConfig } from './config';
import type { CrmTable } from './constructs/crm-function';
import { dataKeyPolicy, macKeyPolicy } from './key-policies';

/** Tables that exist in AWS (the local home's stand-ins for AWS services excluded). */
export type AwsTableId = { [K in TableId]: (typeof TABLES)[K] extends { localOnly: true } ? never : K }[TableId];

export interface StatefulStackProps extends StackProps {
  config: CrmConfig;
}

const ATTRIBUTE_TYPES: Record<KeyType, AttributeType> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};

export class StatefulStack extends Stack {
  /** Encrypts every table and wraps the per-customer data keys. */
  readonly dataKey: Key;
  /** HMAC_256 key behind the blind index; it never leaves KMS. */
  readonly macKey: Key;
  readonly tables: Readonly<Record<AwsTableId, CrmTable>>;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const prefix = namePrefix(props.config);

    this.dataKey = new Key(this, 'DataKey', {
      alias: `alias/${prefix}data`,
      description: 'privacy-crm: encrypts every table and wraps the per-customer data keys',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
      // Administration by the account, use by named function roles only (see lib/key-policies.ts).
      policy: dataKeyPolicy(this, prefix),
    });

    // KMS rotates only symmetric encryption keys; a new MAC key would also orphan every blind index.
    this.macKey = new Key(this, 'MacKey', {
      alias: `alias/${prefix}blind-index`,
      description: 'privacy-crm: HMAC-SHA256 blind index of normalised contacts (GenerateMac)',
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
      policy: macKeyPolicy(this, prefix),
    });

    const tables: Partial<Record<AwsTableId, CrmTable>> = {};
    for (const spec of AWS_TABLES) {
      const tableId = spec.name as AwsTableId;
      tables[tableId] = { id: tableId, table: this.table(prefix, tableId, spec) };
    }
    this.tables = tables as Record<AwsTableId, CrmTable>;

    // What `npm run reapply-erasures -- --aws` needs after a restore.
    new CfnOutput(this, 'TablePrefix', { value: prefix, description: 'Prefix of every table name (--ledger-prefix)' });
    new CfnOutput(this, 'DataKeyArn', { value: this.dataKey.keyArn, description: 'Key that wraps customer keys (--kms-key-id)' });
  }

  private table(prefix: string, id: AwsTableId, spec: TableSpec): TableV2 {
    return new TableV2(this, `Table-${id}`, {
      tableName: physicalName(prefix, id),
      partitionKey: { name: spec.partitionKey.name, type: ATTRIBUTE_TYPES[spec.partitionKey.type] },
      sortKey: spec.sortKey ? { name: spec.sortKey.name, type: ATTRIBUTE_TYPES[spec.sortKey.type] } : undefined,
      globalSecondaryIndexes: spec.indexes?.map((i) => ({
        indexName: i.name,
        partitionKey: { name: i.partitionKey.name, type: ATTRIBUTE_TYPES[i.partitionKey.type] },
        projectionType: ProjectionType[i.projection],
      })),
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.customerManagedKey(this.dataKey),
      timeToLiveAttribute: spec.ttlAttribute,
      // The window is part of the erasure design: 35 days for data, 1 day for the customer keys and the
      // contact index, so a shredded key (and the contact's link) is gone from every backup a day later.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: spec.pitrDays },
      dynamoStream: spec.stream === 'OLD_IMAGE' ? StreamViewType.OLD_IMAGE : undefined,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
