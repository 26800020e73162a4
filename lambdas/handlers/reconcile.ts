/**
 * Lambda entry point of the reconcile job in ../jobs/reconcile.ts. Only entry points load the AWS composition (SDK
 * clients, Powertools, X-Ray's async hooks): the local home and the tests build the same job from ../jobs.
 */
import { awsRuntime, invocation } from '../composition/aws';
import { createReconcileHandler, type ReconcileHandler } from '../jobs/reconcile';

let built: ReconcileHandler | undefined;

export const handler: ReconcileHandler = () => {
  built ??= createReconcileHandler(awsRuntime().app);
  return invocation(() => built!());
};
