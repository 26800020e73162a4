/**
 * The daily reminders (an EventBridge rule; locally, the clock). Reminders are
 * recorded on the customer row, so a retried or repeated run sends nothing twice.
 */
import type { App } from '../core/app';
import type { ReminderRun } from '../core/forgetting/reminders';

export type RemindersHandler = () => Promise<ReminderRun>;

export function createRemindersHandler(app: App): RemindersHandler {
  return () => app.reminders.daily();
}
