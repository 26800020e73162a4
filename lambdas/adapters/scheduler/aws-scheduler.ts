/**
 * The Scheduler port over EventBridge Scheduler: one one-time schedule per erasure request (named after
 * its receipt, within the 64-character limit), `at(...)` in UTC, no flexible window, deleted by
 * Scheduler once it has fired, targeting the erasure function through a role that may only invoke it,
 * with retries and a dead-letter queue for invocations that fail.
 *
 * "Create or replace" is CreateSchedule, and on ConflictException (the name exists: the same request
 * re-asserted after a failed call, or its time moved by a lifted legal hold) DeleteSchedule then
 * CreateSchedule. The function's role holds exactly CreateSchedule and DeleteSchedule on its group (and
 * GetSchedule for the reconcile, which asks whether a schedule exists); no UpdateSchedule is needed.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { DependencyUnavailableError } from '../../core/shared/errors';
import type { Scheduler } from '../../core/shared/ports';
import { isTransientAwsError } from '../aws-errors';

export interface AwsSchedulerOptions {
  client: SchedulerClient;
  groupName: string;
  /** The erasure function. */
  targetArn: string;
  /** Role EventBridge Scheduler assumes to invoke the target. */
  roleArn: string;
  /** Where events go that could not be delivered after the retries. */
  deadLetterArn: string;
  /** Delivery retries (0-185) and how long an event may keep being retried (60-86400 s). */
  retry?: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
}

const SCHEDULER_FAULTS = new Set(['InternalServerException', 'ThrottlingException']);

/** `at(yyyy-mm-ddThh:mm:ss)`: whole seconds, read in the schedule's time zone (UTC here). */
export function atExpression(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new Error('A schedule needs a valid date.');
  return `at(${at.toISOString().slice(0, 19)})`;
}

export class AwsScheduler implements Scheduler {
  private readonly retry: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };

  constructor(private readonly options: AwsSchedulerOptions) {
    this.retry = options.retry ?? { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 };
  }

  /** The exact CreateSchedule input for `name` (exported for the tests and for ops reading them). */
  createInput(name: string, at: Date, payload: Record<string, string>): CreateScheduleCommandInput {
    const { groupName, targetArn, roleArn, deadLetterArn } = this.options;
    return {
      Name: name,
      GroupName: groupName,
      ScheduleExpression: atExpression(at),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Description: 'privacy-crm erasure',
      Target: {
        Arn: targetArn,
        RoleArn: roleArn,
        Input: JSON.stringify(payload),
        RetryPolicy: { MaximumRetryAttempts: this.retry.maximumRetryAttempts, MaximumEventAgeInSeconds: this.retry.maximumEventAgeSeconds },
        DeadLetterConfig: { Arn: deadLetterArn },
      },
    };
  }

  async schedule(name: string, at: Date, payload: Record<string, string>): Promise<void> {
    const input = this.createInput(name, at, payload);
    try {
      await this.call(() => this.options.client.send(new CreateScheduleCommand(input)));
      return;
    } catch (e) {
      if (!(e instanceof ConflictException)) throw e;
    }
    await this.cancel(name);
    await this.call(() => this.options.client.send(new CreateScheduleCommand(input)));
  }

  async cancel(name: string): Promise<void> {
    try {
      await this.call(() => this.options.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.options.groupName })));
    } catch (e) {
      if (!(e instanceof ResourceNotFoundException)) throw e;
    }
  }

  async exists(name: string): Promise<boolean> {
    try {
      await this.call(() => this.options.client.send(new GetScheduleCommand({ Name: name, GroupName: this.options.groupName })));
      return true;
    } catch (e) {
      if (e instanceof ResourceNotFoundException) return false;
      throw e;
    }
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ConflictException || err instanceof ResourceNotFoundException) throw err;
      if (isTransientAwsError(err, SCHEDULER_FAULTS)) throw new DependencyUnavailableError('EventBridge Scheduler', { cause: err });
      // Validation, quota and access errors: a deployment problem. The schedule name and input hold ids only.
      throw err;
    }
  }
}
