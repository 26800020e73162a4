/**
 * cdk-nag acknowledgements, always on one resource and always with a reason. A rule acknowledged on a
 * stack or the app would silence it for resources nobody has looked at, so that is refused here.
 */
import { Stack, Stage, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acknowledge(resource: IConstruct, id: string, reason: string): void {
  if (Stack.isStack(resource) || Stage.isStage(resource)) {
    throw new Error(`Acknowledge ${id} on the resource it concerns, not on ${resource.node.path || 'the app'}.`);
  }
  if (reason.trim().length < 40) throw new Error(`Acknowledging ${id} on ${resource.node.path} needs a real reason.`);
  Validations.of(resource).acknowledge({ id, reason });
}
