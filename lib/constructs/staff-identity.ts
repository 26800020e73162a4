/**
 * Staff sign-in: a Cognito user pool nobody can sign up to (admins create users), MFA required,
 * threat protection on, one group per role. The groups reach the Lambda as the `cognito:groups` claim,
 * which it maps to the same Principal type the local staff tokens produce.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES, type Role } from '../../lambdas/core/shared/principal';

const GROUP_DESCRIPTIONS: Record<Role, string> = {
  agent: 'Create, search, masked read, interactions, purchases',
  privacy_officer: 'Agent rights plus reveal, legal hold, erasure on behalf, access logs',
  admin: 'Everything',
};

export interface StaffIdentityProps {
  userPoolName: string;
}

export class StaffIdentity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly groups: Readonly<Record<Role, CfnUserPoolGroup>>;

  constructor(scope: Construct, id: string, props: StaffIdentityProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: props.userPoolName,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      autoVerify: { email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      // Staff accounts outlive a redeploy of the stateless stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.client = this.userPool.addClient('StaffClient', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    // Lower precedence wins when a user sits in several groups: admin before officer before agent.
    const groups: Partial<Record<Role, CfnUserPoolGroup>> = {};
    [...ROLES].reverse().forEach((role, precedence) => {
      groups[role] = new CfnUserPoolGroup(this, `Group-${role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: GROUP_DESCRIPTIONS[role],
        precedence,
      });
    });
    this.groups = groups as Record<Role, CfnUserPoolGroup>;
  }
}
