/**
 * Key policies of the data key and the blind-index MAC key: the account administers them, and only
 * the named function roles use them.
 *
 * - Administration (describe, enable/disable, put policy, tag, schedule deletion...) goes to the
 *   account, so IAM decides which administrators may do it. It holds no use of the key: not even an
 *   account administrator can unwrap a customer key with IAM permissions alone.
 * - Direct use (GenerateDataKey, Decrypt; GenerateMac) is admitted for the account principal only
 *   when the caller is one of the function roles named here (aws:PrincipalArn). The roles live in the
 *   stateless stack, deployed after this one: naming them as principals would fail (KMS refuses a
 *   policy naming a role that does not exist yet) and referencing them would make the stacks depend
 *   on each other. Their names are fixed instead (lib/function-roles.ts), and the ARNs built from
 *   those names; the roles' own policies still grant each action (both must allow).
 * - The data key wraps only the key store's material (branch keys, beacon keys), each under an
 *   encryption context naming its purpose, key id and version; customer keys are wrapped under branch
 *   keys, outside KMS (docs/ARCHITECTURE.md "Key hierarchy"). A direct Decrypt or GenerateDataKey
 *   without such a context is refused, so those roles cannot use the key for anything else. Customer
 *   keys from before branch keys (context `{customerId, purpose}`) can still be unwrapped, not made.
 * - DynamoDB encrypts the tables with the data key on behalf of whoever calls it (kms:ViaService):
 *   it creates a grant at table creation and decrypts the table key for each caller. That path opens
 *   no personal field (each is also encrypted under a customer key, which needs the direct Decrypt
 *   above); who may read a table is decided by DynamoDB permissions.
 * Break-glass (e.g. running `npm run reapply-erasures -- --aws` as an operator) means adding a
 * statement with PutKeyPolicy first: deliberate, and recorded by CloudTrail.
 */
import { Arn, Aws, type Stack } from 'aws-cdk-lib';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { KEY_ACTIONS, type KeyUse } from './constructs/crm-function';
import { FUNCTION_KEYS, functionName, roleNameOf, type FunctionId } from './function-roles';

/**
 * What key administration means here. Create* is narrowed to CreateAlias: kms:CreateGrant would let
 * any account principal with IAM permission hand itself the use this policy withholds.
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:CreateAlias',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
] as const;

/**
 * The encryption contexts the code sends (lambdas/core/shared/key-material.ts, customer-keys.ts); a
 * test checks every KMS call of a create, a read and a search against them.
 * - branch and beacon keys: `{purpose, keyId, version}`, one purpose each (GenerateDataKey, Decrypt);
 * - customer keys from before branch keys: `{customerId, purpose}` (Decrypt only: none is made any more).
 */
export const KEY_CONTEXTS = {
  branchKey: { keys: ['purpose', 'keyId', 'version'], purpose: 'branch-key' },
  beaconKey: { keys: ['purpose', 'keyId', 'version'], purpose: 'beacon-key' },
  legacyCustomerKey: { keys: ['customerId', 'purpose'], purpose: 'customer-data-key' },
} as const;

/** What DynamoDB needs on a table key on behalf of its callers (AWS documents this list). */
const VIA_DYNAMODB_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'];

function roleArn(stack: Stack, prefix: string, id: FunctionId): string {
  return Arn.format({ service: 'iam', region: '', resource: 'role', resourceName: roleNameOf(functionName(prefix, id)) }, stack);
}

/** The role ARNs of the functions that use `key` for `use`, in a stable order. */
export function keyUsers(stack: Stack, prefix: string, key: 'data' | 'mac', uses: readonly KeyUse[]): string[] {
  return (Object.keys(FUNCTION_KEYS) as FunctionId[])
    .filter((id) => uses.includes(FUNCTION_KEYS[id][key]!))
    .map((id) => roleArn(stack, prefix, id));
}

const administration = () =>
  new PolicyStatement({
    sid: 'AccountAdministersTheKey',
    principals: [new AccountRootPrincipal()],
    actions: [...KEY_ADMIN_ACTIONS],
    resources: ['*'],
  });

/** Direct use by named roles only: the account principal, narrowed to those role ARNs. */
function useBy(
  sid: string,
  actions: readonly string[],
  roles: string[],
  conditions: Record<string, Record<string, unknown>> = {},
): PolicyStatement {
  return new PolicyStatement({
    sid,
    principals: [new AccountRootPrincipal()],
    actions: [...actions],
    resources: ['*'],
    conditions: { ...conditions, ArnEquals: { 'aws:PrincipalArn': roles } },
  });
}

/** Only the context's keys, each present, and exactly its purpose. */
function contextCondition(context: (typeof KEY_CONTEXTS)[keyof typeof KEY_CONTEXTS]) {
  const required = context.keys.filter((k) => k !== 'purpose');
  return {
    'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...context.keys] },
    Null: Object.fromEntries(required.map((k) => [`kms:EncryptionContext:${k}`, 'false'])),
    StringEquals: { 'kms:EncryptionContext:purpose': context.purpose },
  };
}

export function dataKeyPolicy(stack: Stack, prefix: string): PolicyDocument {
  const unwrappers = keyUsers(stack, prefix, 'data', ['wrap', 'unwrap']);
  const makers = keyUsers(stack, prefix, 'data', ['wrap']);
  const beaconUsers = keyUsers(stack, prefix, 'mac', ['mac']);
  const legacy = contextCondition(KEY_CONTEXTS.legacyCustomerKey);
  return new PolicyDocument({
    statements: [
      administration(),
      useBy('NamedFunctionsUnwrapBranchKeys', ['kms:Decrypt'], unwrappers, contextCondition(KEY_CONTEXTS.branchKey)),
      useBy('NamedFunctionsMakeBranchKeys', ['kms:GenerateDataKey'], makers, contextCondition(KEY_CONTEXTS.branchKey)),
      useBy('NamedFunctionsUseTheBeaconKey', ['kms:Decrypt', 'kms:GenerateDataKey'], beaconUsers, contextCondition(KEY_CONTEXTS.beaconKey)),
      // Until `rewrap-keys` has moved every customer key under a branch key.
      useBy('NamedFunctionsUnwrapCustomerKeysFromBeforeBranchKeys', ['kms:Decrypt'], unwrappers, legacy),
      new PolicyStatement({
        sid: 'TableEncryptionThroughDynamoDB',
        principals: [new AccountRootPrincipal()],
        actions: VIA_DYNAMODB_ACTIONS,
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com`, 'kms:CallerAccount': Aws.ACCOUNT_ID } },
      }),
      new PolicyStatement({
        sid: 'DynamoDBChecksTheKey',
        principals: [new ServicePrincipal('dynamodb.amazonaws.com')],
        actions: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
        resources: ['*'],
      }),
    ],
  });
}

export function macKeyPolicy(stack: Stack, prefix: string): PolicyDocument {
  return new PolicyDocument({
    statements: [
      administration(),
      // Blind indexes from before beacon keys, until `rebuild-index` has replaced them.
      useBy('NamedFunctionsComputeTheOldBlindIndex', KEY_ACTIONS.mac, keyUsers(stack, prefix, 'mac', ['mac']), {
        StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' },
      }),
    ],
  });
}
