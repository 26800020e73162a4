/**
 * Lambda entry point of the stream job in ../jobs/stream.ts. Only entry points load the AWS composition (SDK
 * clients, Powertools, X-Ray's async hooks): the local home and the tests build the same job from ../jobs.
 */
import { awsRuntime, invocation } from '../composition/aws';
import { createStreamHandler, type StreamHandler } from '../jobs/stream';

let built: StreamHandler | undefined;

export const handler: StreamHandler = (event) => {
  if (!built) {
    const { app, log } = awsRuntime();
    built = createStreamHandler(app, log);
  }
  return invocation(() => built!(event));
};
