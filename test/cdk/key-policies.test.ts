/**
 * Key policies of the data key and the MAC key (issue 10, item 8; issue 12): the account administers
 * them, only the named function roles use them, and only under the encryption contexts of the key
 * hierarchy (branch keys, the beacon key, customer keys from before branch keys). Tables stay
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
  const direct = (action: string) => allowing(dataKey, action).filter((s) => !s.Condition?.StringEquals?.['kms:ViaService']);
  const bySid = (action: string) => Object.fromEntries(direct(action).map((s) => [s.Sid, s]));
  const serving = ['api', 'erasure', 'ttl-stream', 'reminders', 'key-maintenance'].map((f) => `crm-dev-${f}-role`);

  it('Decrypt: branch keys and older customer keys for every function role, the beacon key for two; each under its context', () => {
    const statements = bySid('kms:Decrypt');
    expect(Object.keys(statements).sort()).toEqual(
      ['NamedFunctionsUnwrapBranchKeys', 'NamedFunctionsUnwrapCustomerKeysFromBeforeBranchKeys', 'NamedFunctionsUseTheBeaconKey'].sort(),
    );
    expect(arnsOf(statements.NamedFunctionsUnwrapBranchKeys!)).toEqual(serving.map(roleArn));
    expect(arnsOf(statements.NamedFunctionsUnwrapCustomerKeysFromBeforeBranchKeys!)).toEqual(serving.map(roleArn));
    expect(arnsOf(statements.NamedFunctionsUseTheBeaconKey!)).toEqual(['crm-dev-api-role', 'crm-dev-key-maintenance-role'].map(roleArn));
    expect(statements.NamedFunctionsUnwrapBranchKeys!.Condition).toMatchObject({
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose', 'keyId', 'version'] },
      Null: { 'kms:EncryptionContext:keyId': 'false', 'kms:EncryptionContext:version': 'false' },
      StringEquals: { 'kms:EncryptionContext:purpose': 'branch-key' },
    });
    expect(statements.NamedFunctionsUseTheBeaconKey!.Condition?.StringEquals).toEqual({ 'kms:EncryptionContext:purpose': 'beacon-key' });
    expect(statements.NamedFunctionsUnwrapCustomerKeysFromBeforeBranchKeys!.Condition).toMatchObject({
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['customerId', 'purpose'] },
      Null: { 'kms:EncryptionContext:customerId': 'false' },
      StringEquals: { 'kms:EncryptionContext:purpose': 'customer-data-key' },
    });
  });

  it('GenerateDataKey: branch and beacon keys, by the API and key-maintenance roles only; no customer key is made by KMS', () => {
    const statements = direct('kms:GenerateDataKey');
    expect(statements.map((s) => s.Sid).sort()).toEqual(['NamedFunctionsMakeBranchKeys', 'NamedFunctionsUseTheBeaconKey']);
    for (const s of statements) expect(arnsOf(s)).toEqual(['crm-dev-api-role', 'crm-dev-key-maintenance-role'].map(roleArn));
    const purposes = statements.map((s) => s.Condition?.StringEquals?.['kms:EncryptionContext:purpose']);
    expect(purposes.sort()).toEqual(['beacon-key', 'branch-key']);
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

describe('who may use the MAC key (blind indexes from before beacon keys)', () => {
  it('GenerateMac with HMAC-SHA-256: the API and key-maintenance roles only; nobody may VerifyMac', () => {
    const direct = allowing(macKey, 'kms:GenerateMac');
    expect(direct).toHaveLength(1);
    expect(arnsOf(direct[0])).toEqual(['crm-dev-api-role', 'crm-dev-key-maintenance-role'].map(roleArn));
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
    const named = (policy: Statement[], action: string) => [
      ...new Set(
        allowing(policy, action)
          .filter((s) => s.Condition?.ArnEquals)
          .flatMap(arnsOf)
          .sort(),
      ),
    ];
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

  it('satisfies the key policy on every GenerateDataKey and Decrypt of a create, a reveal, a search and the old format', async () => {
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
    const second = appInstance();
    await second.customers.reveal(staff, customer.customerId, 'context check');
    await second.customers.search(staff, { email: 'context@example.com' });
    // A customer key in the format before branch keys, read once.
    const dataKeyArn = 'arn:aws:kms:eu-west-1:1:key/data';
    const oldKms = new AwsKeyService({ client: new KMSClient({ region: 'eu-west-1' }), keyId: dataKeyArn, macKeyId: '' });
    const legacy = await oldKms.generateDataKey({ customerId: 'c-legacy', purpose: 'customer-data-key' });
    await appInstance().vault.unwrap('c-legacy', { wrappedKey: legacy.wrapped });

    const generated = kms.mock.commandCalls(GenerateDataKeyCommand).map((c) => c.args[0].input.EncryptionContext!);
    const decrypted = kms.mock.commandCalls(DecryptCommand).map((c) => c.args[0].input.EncryptionContext!);
    const purposes = (contexts: Record<string, string>[]) => [...new Set(contexts.map((c) => c.purpose))].sort();
    expect(purposes(generated)).toEqual(['beacon-key', 'branch-key', 'customer-data-key']); // the last one made by this test only
    expect(purposes(decrypted)).toEqual(['beacon-key', 'branch-key', 'customer-data-key']);
    expect(kms.mock.commandCalls(GenerateMacCommand).every((c) => c.args[0].input.MacAlgorithm === 'HMAC_SHA_256')).toBe(true);
    const apiMay = (action: string, context: Record<string, string>) =>
      allowing(dataKey, action)
        .filter((s) => arnsOf(s).includes(roleArn('crm-dev-api-role')))
        .some((s) => contextAllowed(s, context));
    for (const context of generated.filter((c) => c.purpose !== 'customer-data-key')) {
      expect(apiMay('kms:GenerateDataKey', context), JSON.stringify(context)).toBe(true);
    }
    for (const context of decrypted) expect(apiMay('kms:Decrypt', context), JSON.stringify(context)).toBe(true);
    // The check can fail: no customer key is made by KMS any more; another purpose, a missing key id, or an extra key is refused.
    expect(apiMay('kms:GenerateDataKey', { customerId: customer.customerId, purpose: 'customer-data-key' })).toBe(false);
    expect(apiMay('kms:Decrypt', { purpose: 'something-else', keyId: 'branch-01', version: '1' })).toBe(false);
    expect(apiMay('kms:Decrypt', { purpose: 'branch-key', version: '1' })).toBe(false);
    expect(apiMay('kms:Decrypt', { purpose: 'beacon-key', keyId: 'beacon', version: '1', customerId: 'x' })).toBe(false);
    expect(apiMay('kms:Decrypt', { purpose: 'customer-data-key' })).toBe(false);
  });
});
