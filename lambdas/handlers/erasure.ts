/**
 * Lambda entry point of the erasure job in ../jobs/erasure.ts. Only entry points load the AWS composition (SDK
 * clients, Powertools, X-Ray's async hooks): the local home and the tests build the same job from ../jobs.
 */
import { awsRuntime, invocation } from '../composition/aws';
import { createErasureHandler, type ErasureHandler } from '../jobs/erasure';

let built: ErasureHandler | undefined;

export const handler: ErasureHandler = (event) => {
  if (!built) {
    const { app, log } = awsRuntime();
    built = createErasureHandler(app, log);
  }
  return invocation(() => built!(event));
};
