/**
 * Lambda entry point of the reminders job in ../jobs/reminders.ts. Only entry points load the AWS composition (SDK
 * clients, Powertools, X-Ray's async hooks): the local home and the tests build the same job from ../jobs.
 */
import { awsRuntime, invocation } from '../composition/aws';
import { createRemindersHandler, type RemindersHandler } from '../jobs/reminders';

let built: RemindersHandler | undefined;

export const handler: RemindersHandler = () => {
  built ??= createRemindersHandler(awsRuntime().app);
  return invocation(() => built!());
};
