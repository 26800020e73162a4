/** Lambda entry point: the staff API, the portal and the public privacy routes behind API Gateway. */
import { awsRuntime, invocation } from '../composition/aws';
import { createApiHandler, type ApiHandler } from '../http/api';
import { withStaffCors } from './staff-cors';

let built: ApiHandler | undefined;

export const handler: ApiHandler = (event, context) => {
  if (!built) {
    const { app, log, config } = awsRuntime();
    built = withStaffCors(createApiHandler(app, { log }), config.staffOrigins);
  }
  return invocation(() => built!(event, context));
};
