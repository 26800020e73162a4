/**
 * Key policies of the data key and the MAC key (issue 10, item 8): the account administers them, only
 * the named function roles use them, and only under the customer-key encryption context. Tables stay
 * encrypted with the data key through DynamoDB.
 */
import { DecryptCommand, GenerateDataKeyCommand, GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsdkFieldCipher } from '../../lambdas/adapters/crypto/esdk-cipher';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store';
import { AwsKeyService } from '../../lambdas/adapters/kms/aws-kms';
import { silentLog } from '../../lambdas/adapters/logger';
import { createApp } from '../../lambdas/core/app';
import { tableNamesFromPrefix } from '../../lambdas/core/policy/tables';
import { KEY_ADMIN_ACTIONS } from '../../lib/key-policies';
import { startDynalite, type TestDb } from '../support/dynalite';
import { installFakeKms, type FakeKms } from '../support/fake-kms';
import { asArray, iamStatements, resourcesOf, synthCrm, type SynthesizedCrm } from './support/crm-app';

type Statement = {
  Sid?: string;
  Effect: string;
  Principal?: any;
  Action: string | string[];
  Condition?: Record<string, Record<string, any>>;
};

/** Every action a key can be used (not administered) with: none may reach the account unconditionally. */
const USE_ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateMac',
  'kms:VerifyMac',
  'kms:Sign',
  'kms:Verify',
  'kms:CreateGrant',
  'kms:DeriveSharedSecret',
];
const matches = (pattern: string, action: string) => new RegExp(`^${pattern.replace(/\*/g, '.*')}$`, 'i').test(action);

let crm: SynthesizedCrm;
let dataKey: Statement[];
let macKey: Statement[];
beforeAll(() => {
  crm = synthCrm();
  const policyOf = (key: unknown) => {
    const id = crm.stateful.getLogicalId((key as { node: { defaultChild: never } }).node.defaultChild);
    return crm.statefulTemplate.toJSON().Resources[id].Properties.KeyPolicy.Statement as Statement[];
  };
  dataKey = policyOf(crm.stateful.dataKey);
  macKey = policyOf(crm.stateful.macKey);
});
afterAll(() => crm?.cleanup());

const resolve = (v: unknown) =>
  JSON.stringify(v)
    .replace(/\{"Ref":"AWS::Partition"\}/g, 'aws')
    .replace(/\{"Ref":"AWS::AccountId"\}/g, 'ACCOUNT');
const roleArn = (name: string) => `arn:aws:iam::ACCOUNT:role/${name}`;
const arnsOf = (s: Statement): string[] =>
  asArray(s.Condition?.ArnEquals?.['aws:PrincipalArn']).map((a: any) =>
    (a['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : resolve(p).replace(/"/g, ''))).join(''),
  );
const allowing = (policy: Statement[], action: string) =>
  policy.filter((s) => s.Effect === 'Allow' && asArray(s.Action).some((a) => matches(a, action)));

describe.each([
  ['data key', () => dataKey],
  ['MAC key', () => macKey],
])('the %s policy', (_name, policy) => {
  it('gives the account no kms:* and no use of the key without conditions', () => {
    for (const s of policy()) {
      expect(asArray(s.Action)).not.toContain('kms:*');
      if (!s.Condition)
        for (const use of USE_ACTIONS)
          expect(
            asArray(s.Action).some((a) => matches(a, use)),
            `${s.Sid} grants ${use}`,
          ).toBe(false);
    }
  });

  it('gives key administration to the account', () => {
    const admin = policy().find((s) => s.Sid === 'AccountAdministersTheKey')!;
    expect(resolve(admin.Principal)).toContain(':root');
    expect(admin.Condition).toBeUndefined();
    expect([...asArray(admin.Action)].sort()).toEqual([...KEY_ADMIN_ACTIONS].sort());
    for (const needed of [
      'kms:DescribeKey',
      'kms:PutKeyPolicy',
      'kms:EnableKey',
      'kms:DisableKey',
      'kms:ScheduleKeyDeletion',
      'kms:CancelKeyDeletion',
      'kms:TagResource',
      'kms:CreateAlias',
    ]) {
      expect(
        asArray(admin.Action).some((a) => matches(a, needed)),
        needed,
      ).toBe(true);
    }
    // CreateGrant would let an administrator hand itself the use the policy withholds.
    expect(asArray(admin.Action).some((a) => matches(a, 'kms:CreateGrant'))).toBe(false);
  });
});

describe('who may use the data key directly', () => {
  it('Decrypt: the four function roles, only under the customer-key encryption context', () => {
    const direct = allowing(dataKey, 'kms:Decrypt').filter((s) => !s.Condition?.StringEquals?.['kms:ViaService']);
    expect(direct).toHaveLength(1);
    expect(arnsOf(direct[0])).toEqual(
      ['crm-dev-api-role', 'crm-dev-erasure-role', 'crm-dev-ttl-stream-role', 'crm-dev-reminders-role'].map(roleArn),
    );
    expect(direct[0].Condition).toMatchObject({
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['customerId', 'purpose'] },
      Null: { 'kms:EncryptionContext:customerId': 'false' },
      StringEquals: { 'kms:EncryptionContext:purpose': 'customer-data-key' },
    });
  });

  it('GenerateDataKey: the API role only, under the same context', () => {
    const direct = allowing(dataKey, 'kms:GenerateDataKey').filter((s) => !s.Condition?.StringEquals?.['kms:ViaService']);
    expect(direct).toHaveLength(1);
    expect(arnsOf(direct[0])).toEqual([roleArn('crm-dev-api-role')]);
    expect(direct[0].Condition?.StringEquals).toEqual({ 'kms:EncryptionContext:purpose': 'customer-data-key' });
  });

  it('DynamoDB may use it for the tables on behalf of callers in the account (grants included), nobody directly', () => {
    const via = dataKey.filter((s) => s.Condition?.StringEquals?.['kms:ViaService']);
    expect(via).toHaveLength(1);
    expect(via[0].Condition!.StringEquals).toEqual({
      'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com',
      'kms:CallerAccount': { Ref: 'AWS::AccountId' },
    });
    expect(asArray(via[0].Action)).toEqual(
      expect.arrayContaining([
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:DescribeKey',
        'kms:CreateGrant',
      ]),
    );
    const service = dataKey.find((s) => s.Principal?.Service === 'dynamodb.amazonaws.com')!;
    expect(asArray(service.Action).every((a) => ['kms:Describe*', 'kms:Get*', 'kms:List*'].includes(a))).toBe(true);
    for (const [, table] of resourcesOf(crm.statefulTemplate, 'AWS::DynamoDB::GlobalTable')) {
      expect(table.Properties?.Replicas[0].SSESpecification.KMSMasterKeyId['Fn::GetAtt'][0]).toBe(
        crm.stateful.getLogicalId(crm.stateful.dataKey.node.defaultChild as never),
      );
    }
  });
});

describe('who may use the MAC key', () => {
  it('GenerateMac with HMAC-SHA-256: the API role only; nobody may VerifyMac', () => {
    const direct = allowing(macKey, 'kms:GenerateMac');
    expect(direct).toHaveLength(1);
    expect(arnsOf(direct[0])).toEqual([roleArn('crm-dev-api-role')]);
    expect(direct[0].Condition?.StringEquals).toEqual({ 'kms:MacAlgorithm': 'HMAC_SHA_256' });
    expect(allowing(macKey, 'kms:VerifyMac')).toEqual([]);
  });
});

describe('the roles the key policies name', () => {
  it('are the function roles of the stateless stack, and exactly those whose own policies use a key directly', () => {
    const roles = Object.fromEntries(
      resourcesOf(crm.statelessTemplate, 'AWS::IAM::Role').map(([id, r]) => [id, r.Properties?.RoleName as string | undefined]),
    );
    const policyRoles = Object.fromEntries(
      resourcesOf(crm.statelessTemplate, 'AWS::IAM::ManagedPolicy').map(([id, p]) => [id, roles[p.Properties?.Roles[0].Ref]]),
    );
    const directUsers = (action: string) =>
      [
        ...new Set(
          iamStatements(crm.statelessTemplate)
            .filter(({ statement }) => asArray(statement.Action).includes(action) && !statement.Condition?.StringEquals?.['kms:ViaService'])
            .map(({ owner }) => roleArn(policyRoles[owner]!)),
        ),
      ].sort();
    const named = (policy: Statement[], action: string) =>
      allowing(policy, action)
        .filter((s) => s.Condition?.ArnEquals)
        .flatMap(arnsOf)
        .sort();
    expect(directUsers('kms:Decrypt')).toEqual(named(dataKey, 'kms:Decrypt'));
    expect(directUsers('kms:GenerateDataKey')).toEqual(named(dataKey, 'kms:GenerateDataKey'));
    expect(directUsers('kms:GenerateMac')).toEqual(named(macKey, 'kms:GenerateMac'));
  });

  it('are built by name, so the stateful stack refers to nothing in the stateless one (no cycle)', () => {
    expect(JSON.stringify(crm.statefulTemplate.toJSON())).not.toMatch(/Stateless|Fn::ImportValue|Fn::GetStackOutput/);
    expect(() => crm.app.synth()).not.toThrow();
  });
});

describe('the encryption context the code sends', () => {
  let db: TestDb;
  let kms: FakeKms;
  beforeAll(async () => {
    db = await startDynalite('kp-');
    kms = installFakeKms();
  });
  afterAll(async () => {
    kms?.restore();
    await db?.close();
  });

  /** What KMS would decide for these statements' encryption-context conditions (the subset they use). */
  function contextAllowed(s: Statement, context: Record<string, string>): boolean {
    const keys = Object.keys(context);
    const only = asArray(s.Condition?.['ForAllValues:StringEquals']?.['kms:EncryptionContextKeys']);
    if (!keys.every((k) => only.includes(k))) return false;
    for (const [k, isNull] of Object.entries(s.Condition?.Null ?? {}))
      if ((context[k.replace('kms:EncryptionContext:', '')] === undefined) !== (isNull === 'true')) return false;
    for (const [k, v] of Object.entries(s.Condition?.StringEquals ?? {}))
      if (k.startsWith('kms:EncryptionContext:') && context[k.replace('kms:EncryptionContext:', '')] !== v) return false;
    return true;
  }

  it('satisfies the key policy on every GenerateDataKey and Decrypt of a customer create and reveal', async () => {
    // Two instances, as two Lambda containers: the second has no cached key and must unwrap it.
    const appInstance = () =>
      createApp({
        store: new DynamoStore({ client: db.client, tableNames: tableNamesFromPrefix('kp-') }),
        keys: new AwsKeyService({
          client: new KMSClient({ region: 'eu-west-1' }),
          keyId: 'arn:aws:kms:eu-west-1:1:key/data',
          macKeyId: 'arn:aws:kms:eu-west-1:1:key/mac',
        }),
        cipher: new EsdkFieldCipher(),
        clock: { now: () => new Date() },
        notifier: { send: async () => undefined },
        scheduler: { schedule: async () => undefined, cancel: async () => undefined, exists: async () => false },
        log: silentLog,
      });
    const staff = { kind: 'staff', staffId: 'officer-1', role: 'privacy_officer' } as const;
    const { customer } = await appInstance().customers.create(staff, { name: 'Context Check', email: 'context@example.com' });
    await appInstance().customers.reveal(staff, customer.customerId, 'context check');

    const generated = kms.mock.commandCalls(GenerateDataKeyCommand).map((c) => c.args[0].input.EncryptionContext!);
    const decrypted = kms.mock.commandCalls(DecryptCommand).map((c) => c.args[0].input.EncryptionContext!);
    expect(generated.length).toBeGreaterThan(0);
    expect(kms.mock.commandCalls(GenerateMacCommand).every((c) => c.args[0].input.MacAlgorithm === 'HMAC_SHA_256')).toBe(true);
    const [wrap] = allowing(dataKey, 'kms:GenerateDataKey').filter((s) => s.Condition?.ArnEquals);
    const [unwrap] = allowing(dataKey, 'kms:Decrypt').filter((s) => s.Condition?.ArnEquals);
    for (const context of generated) expect(contextAllowed(wrap, context), JSON.stringify(Object.keys(context))).toBe(true);
    for (const context of decrypted) expect(contextAllowed(unwrap, context), JSON.stringify(Object.keys(context))).toBe(true);
    // The check can fail: another purpose, a missing customer, or an extra key is refused.
    expect(contextAllowed(unwrap, { customerId: customer.customerId, purpose: 'something-else' })).toBe(false);
    expect(contextAllowed(unwrap, { purpose: 'customer-data-key' })).toBe(false);
    expect(contextAllowed(unwrap, { customerId: customer.customerId, purpose: 'customer-data-key', extra: 'x' })).toBe(false);
  });
});
