/**
 * An IAM role whose permissions live in one customer-managed policy of its own instead of an inline
 * policy. Every grant CDK makes on the role (ours, and the implicit ones of event sources, tracing or
 * dead-letter queues) lands in that policy, so the role carries no inline policy (NIST 800-53 AC-6)
 * and its permissions are one versioned document an auditor can read.
 */
import { ManagedPolicy, Role, type AddToPrincipalPolicyResult, type PolicyStatement } from 'aws-cdk-lib/aws-iam';

export class ManagedPolicyRole extends Role {
  /** The role's only permissions policy (created with the first statement). */
  get permissions(): ManagedPolicy | undefined {
    return this.node.tryFindChild('Permissions') as ManagedPolicy | undefined;
  }

  override addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult {
    const policy = this.permissions ?? new ManagedPolicy(this, 'Permissions', { roles: [this] });
    policy.addStatements(statement);
    return { statementAdded: true, policyDependable: policy };
  }
}
