/**
 * Lambda entry point: the daily reminders (an EventBridge rule; locally, the clock). Reminders are
 * recorded on the customer row, so a retried or repeated run sends nothing twice.
 */
import { awsRuntime, invocation } from '../composition/aws';
import type { App } from '../core/app';
import type { ReminderRun } from '../core/forgetting/retention';

export type RemindersHandler = () => Promise<ReminderRun>;

export function createRemindersHandler(app: App): RemindersHandler {
  return () => app.retention.daily();
}

let built: RemindersHandler | undefined;

export const handler: RemindersHandler = () => {
  built ??= createRemindersHandler(awsRuntime().app);
  return invocation(() => built!());
};
