/**
 * `npm run key-access`: break-glass use of the data key for one operator role, for the length of a
 * restore. The key policy (lib/key-policies.ts) lets only the functions' own roles unwrap branch keys
 * (and the customer keys from before them), so `reapply-erasures -- --aws`, run by an operator, is
 * refused until this adds two statements: Decrypt, for that role only, and only under the branch-key
 * or the old customer-key encryption context (not the beacon key's). `--revoke` takes them out again
 * (a later `cdk deploy` would too: the statement is not in the template). Both are CloudTrail events.
 *
 *   npm run key-access -- --key alias/crm-prod-data --principal-arn arn:aws:iam::<account>:role/<operator role> --grant
 *   npm run key-access -- --key alias/crm-prod-data --revoke
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';

export const BREAK_GLASS_SID = 'BreakGlassRestoreOperator';
/** The second statement: customer keys still wrapped by KMS directly (from before branch keys). */
export const BREAK_GLASS_OLD_KEYS_SID = 'BreakGlassRestoreOperatorOldCustomerKeys';

/** The branch-key encryption context, as lib/key-policies.ts requires it of the functions (a test keeps them equal). */
export const BRANCH_KEY_CONDITION = {
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose', 'keyId', 'version'] },
  Null: { 'kms:EncryptionContext:keyId': 'false', 'kms:EncryptionContext:version': 'false' },
  StringEquals: { 'kms:EncryptionContext:purpose': 'branch-key' },
} as const;

/** The context of a customer key from before branch keys. */
export const CUSTOMER_KEY_CONDITION = {
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['customerId', 'purpose'] },
  Null: { 'kms:EncryptionContext:customerId': 'false' },
  StringEquals: { 'kms:EncryptionContext:purpose': 'customer-data-key' },
} as const;

interface KeyPolicy {
  Version?: string;
  Statement: { Sid?: string }[];
}

export type KeyAccess = { key: string; grant: string } | { key: string; revoke: true };

/** Adds (replacing any earlier one) or removes the break-glass statement; returns the Sids now in the policy. */
export async function changeKeyAccess(client: KMSClient, access: KeyAccess): Promise<string[]> {
  const keyId = (await client.send(new DescribeKeyCommand({ KeyId: access.key }))).KeyMetadata?.KeyId;
  if (!keyId) throw new Error(`No key ${access.key}.`);
  const current = (await client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy;
  const policy = JSON.parse(current ?? '{"Statement":[]}') as KeyPolicy;
  policy.Statement = policy.Statement.filter((s) => s.Sid !== BREAK_GLASS_SID && s.Sid !== BREAK_GLASS_OLD_KEYS_SID);
  if ('grant' in access) {
    for (const [Sid, Condition] of [
      [BREAK_GLASS_SID, BRANCH_KEY_CONDITION],
      [BREAK_GLASS_OLD_KEYS_SID, CUSTOMER_KEY_CONDITION],
    ] as const) {
      const statement = { Sid, Effect: 'Allow', Principal: { AWS: access.grant }, Action: 'kms:Decrypt', Resource: '*', Condition };
      policy.Statement.push(statement);
    }
  }
  await client.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: JSON.stringify(policy) }));
  return policy.Statement.map((s) => s.Sid ?? '');
}

const USAGE = 'usage: npm run key-access -- --key alias/crm-<stage>-data (--principal-arn <role ARN> --grant | --revoke)';

export function parseKeyAccessArgs(argv: readonly string[]): KeyAccess {
  let key: string | undefined;
  let principal: string | undefined;
  let grant = false;
  let revoke = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--grant') grant = true;
    else if (flag === '--revoke') revoke = true;
    else if (flag === '--key' || flag === '--principal-arn') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value. ${USAGE}`);
      if (flag === '--key') key = v;
      else principal = v;
    } else throw new Error(`Unknown argument ${flag}. ${USAGE}`);
  }
  if (!key || grant === revoke) throw new Error(`Give --key and one of --grant, --revoke. ${USAGE}`);
  if (revoke) return { key, revoke: true };
  if (!principal || !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/.test(principal)) {
    throw new Error(`--grant needs --principal-arn, an IAM role ARN. ${USAGE}`);
  }
  return { key, grant: principal };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const access = parseKeyAccessArgs(process.argv.slice(2));
  const client = new KMSClient({});
  changeKeyAccess(client, access)
    .then((sids) => console.log(`Key policy of ${access.key} now holds: ${sids.join(', ')}`))
    .catch((e: unknown) => {
      console.error((e as Error)?.message ?? 'key-access failed');
      process.exit(1);
    })
    .finally(() => client.destroy());
}
