/** The break-glass for a restore: one operator role may unwrap customer keys, then no longer. */
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CUSTOMER_KEY_CONTEXT } from '../../lib/key-policies';
import { BREAK_GLASS_SID, changeKeyAccess, CUSTOMER_KEY_CONDITION, parseKeyAccessArgs } from '../../local/key-access';

const kms = mockClient(KMSClient);
const OPERATOR = 'arn:aws:iam::111122223333:role/restore-operator';
let stored: string;

beforeEach(() => {
  kms.reset();
  stored = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'AccountAdministersTheKey' }, { Sid: 'NamedFunctionsUnwrapCustomerKeys' }] });
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'key-1234', AWSAccountId: '111122223333', CreationDate: new Date(), KeyManager: 'CUSTOMER' } as never });
  kms.on(GetKeyPolicyCommand).callsFake(async () => ({ Policy: stored }));
  kms.on(PutKeyPolicyCommand).callsFake(async (input: { Policy: string }) => {
    stored = input.Policy;
    return {};
  });
});

describe('key-access', () => {
  it('grants one role Decrypt under the customer-key context only, replacing an earlier grant, and revokes it', async () => {
    const client = new KMSClient({ region: 'eu-west-1' });
    await changeKeyAccess(client, { key: 'alias/crm-prod-data', grant: 'arn:aws:iam::111122223333:role/someone-else' });
    const sids = await changeKeyAccess(client, { key: 'alias/crm-prod-data', grant: OPERATOR });
    expect(sids).toEqual(['AccountAdministersTheKey', 'NamedFunctionsUnwrapCustomerKeys', BREAK_GLASS_SID]);
    const statement = JSON.parse(stored).Statement.find((s: { Sid: string }) => s.Sid === BREAK_GLASS_SID);
    expect(statement).toEqual({ Sid: BREAK_GLASS_SID, Effect: 'Allow', Principal: { AWS: OPERATOR }, Action: 'kms:Decrypt', Resource: '*', Condition: CUSTOMER_KEY_CONDITION });
    expect(kms.commandCalls(PutKeyPolicyCommand)[0].args[0].input).toMatchObject({ KeyId: 'key-1234', PolicyName: 'default' });

    expect(await changeKeyAccess(client, { key: 'alias/crm-prod-data', revoke: true })).toEqual(['AccountAdministersTheKey', 'NamedFunctionsUnwrapCustomerKeys']);
  });

  it('asks for the same encryption context the key policy requires of the functions', () => {
    expect(CUSTOMER_KEY_CONDITION['ForAllValues:StringEquals']['kms:EncryptionContextKeys']).toEqual([...CUSTOMER_KEY_CONTEXT.keys]);
    expect(CUSTOMER_KEY_CONDITION.StringEquals['kms:EncryptionContext:purpose']).toBe(CUSTOMER_KEY_CONTEXT.purpose);
  });

  it('reads its arguments, refusing a grant without a role ARN', () => {
    expect(parseKeyAccessArgs(['--key', 'alias/k', '--principal-arn', OPERATOR, '--grant'])).toEqual({ key: 'alias/k', grant: OPERATOR });
    expect(parseKeyAccessArgs(['--key', 'alias/k', '--revoke'])).toEqual({ key: 'alias/k', revoke: true });
    expect(() => parseKeyAccessArgs(['--key', 'alias/k', '--grant'])).toThrow(/--principal-arn/);
    expect(() => parseKeyAccessArgs(['--key', 'alias/k', '--grant', '--revoke'])).toThrow(/one of --grant, --revoke/);
    expect(() => parseKeyAccessArgs(['--key', 'alias/k', '--principal-arn', 'arn:aws:sts::111122223333:assumed-role/x/y', '--grant'])).toThrow(/role ARN/);
  });
});
