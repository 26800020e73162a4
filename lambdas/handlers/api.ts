/** Lambda entry point: the staff API, the portal and the public privacy routes behind API Gateway. */
import { awsRuntime } from '../composition/aws';
import { createApiHandler, type ApiHandler } from '../http/api';

let built: ApiHandler | undefined;

export const handler: ApiHandler = (event, context) => {
  if (!built) {
    const { app, log } = awsRuntime();
    built = createApiHandler(app, { log });
  }
  return built(event, context);
};
