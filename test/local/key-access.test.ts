/** The break-glass for a restore: one operator role may unwrap customer keys, then no longer. */
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KEY_CONTEXTS } from '../../lib/key-policies';
import {
  BRANCH_KEY_CONDITION,
  BREAK_GLASS_OLD_KEYS_SID,
  BREAK_GLASS_SID,
  CUSTOMER_KEY_CONDITION,
  changeKeyAccess,
  parseKeyAccessArgs,
} from '../../local/key-access';

const kms = mockClient(KMSClient);
const OPERATOR = 'arn:aws:iam::111122223333:role/restore-operator';
let stored: string;

beforeEach(() => {
  kms.reset();
  stored = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'AccountAdministersTheKey' }, { Sid: 'NamedFunctionsUnwrapCustomerKeys' }],
  });
  kms.on(DescribeKeyCommand).resolves({
    KeyMetadata: { KeyId: 'key-1234', AWSAccountId: '111122223333', CreationDate: new Date(), KeyManager: 'CUSTOMER' } as never,
  });
  kms.on(GetKeyPolicyCommand).callsFake(async () => ({ Policy: stored }));
  kms.on(PutKeyPolicyCommand).callsFake(async (input: { Policy: string }) => {
    stored = input.Policy;
    return {};
  });
});

describe('key-access', () => {
  it('grants one role Decrypt under the branch-key and old customer-key contexts only, replacing a grant, and revokes it', async () => {
    const client = new KMSClient({ region: 'eu-west-1' });
    await changeKeyAccess(client, { key: 'alias/crm-prod-data', grant: 'arn:aws:iam::111122223333:role/someone-else' });
    const sids = await changeKeyAccess(client, { key: 'alias/crm-prod-data', grant: OPERATOR });
    expect(sids).toEqual(['AccountAdministersTheKey', 'NamedFunctionsUnwrapCustomerKeys', BREAK_GLASS_SID, BREAK_GLASS_OLD_KEYS_SID]);
    const statement = (sid: string) => JSON.parse(stored).Statement.find((s: { Sid: string }) => s.Sid === sid);
    const decrypt = { Effect: 'Allow', Principal: { AWS: OPERATOR }, Action: 'kms:Decrypt', Resource: '*' };
    expect(statement(BREAK_GLASS_SID)).toEqual({ Sid: BREAK_GLASS_SID, ...decrypt, Condition: BRANCH_KEY_CONDITION });
    expect(statement(BREAK_GLASS_OLD_KEYS_SID)).toEqual({ Sid: BREAK_GLASS_OLD_KEYS_SID, ...decrypt, Condition: CUSTOMER_KEY_CONDITION });
    expect(kms.commandCalls(PutKeyPolicyCommand)[0].args[0].input).toMatchObject({ KeyId: 'key-1234', PolicyName: 'default' });

    expect(await changeKeyAccess(client, { key: 'alias/crm-prod-data', revoke: true })).toEqual([
      'AccountAdministersTheKey',
      'NamedFunctionsUnwrapCustomerKeys',
    ]);
  });

  it('asks for the same encryption contexts the key policy requires of the functions', () => {
    for (const [condition, context] of [
      [BRANCH_KEY_CONDITION, KEY_CONTEXTS.branchKey],
      [CUSTOMER_KEY_CONDITION, KEY_CONTEXTS.legacyCustomerKey],
    ] as const) {
      expect(condition['ForAllValues:StringEquals']['kms:EncryptionContextKeys']).toEqual([...context.keys]);
      expect(condition.StringEquals['kms:EncryptionContext:purpose']).toBe(context.purpose);
    }
  });

  it('reads its arguments, refusing a grant without a role ARN', () => {
    expect(parseKeyAccessArgs(['--key', 'alias/k', '--principal-arn', OPERATOR, '--grant'])).toEqual({ key: 'alias/k', grant: OPERATOR });
    expect(parseKeyAccessArgs(['--key', 'alias/k', '--revoke'])).toEqual({ key: 'alias/k', revoke: true });
    expect(() => parseKeyAccessArgs(['--key', 'alias/k', '--grant'])).toThrow(/--principal-arn/);
    expect(() => parseKeyAccessArgs(['--key', 'alias/k', '--grant', '--revoke'])).toThrow(/one of --grant, --revoke/);
    expect(() =>
      parseKeyAccessArgs(['--key', 'alias/k', '--principal-arn', 'arn:aws:sts::111122223333:assumed-role/x/y', '--grant']),
    ).toThrow(/role ARN/);
  });
});
