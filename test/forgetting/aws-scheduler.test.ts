import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  InternalServerException,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsScheduler } from '../../lambdas/adapters/scheduler/aws-scheduler';
import { DependencyUnavailableError } from '../../lambdas/core/shared/errors';
import { scheduleName } from '../../lambdas/core/forgetting/erasure-common';
import { expectedErasureSchedule } from '../support/erasure-schedule';

const mock = mockClient(SchedulerClient);
const META = { $metadata: { httpStatusCode: 400 }, message: 'fake', Message: 'fake' };
const CUSTOMER = '3b0c6f1e-2d4a-4f7b-9c8e-1a2b3c4d5e6f';
const RECEIPT = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
const OPTIONS = {
  groupName: 'crm-dev-erasures',
  targetArn: 'arn:aws:lambda:eu-west-1:111122223333:function:crm-dev-erasure',
  roleArn: 'arn:aws:iam::111122223333:role/crm-dev-scheduler',
  deadLetterArn: 'arn:aws:sqs:eu-west-1:111122223333:crm-dev-erasure-schedules-dlq',
};

let client: SchedulerClient;
let scheduler: AwsScheduler;
beforeEach(() => {
  mock.reset();
  client = new SchedulerClient({ region: 'eu-west-1' });
  scheduler = new AwsScheduler({ client, ...OPTIONS });
});
afterEach(() => client.destroy());

const EXPECTED_CREATE = expectedErasureSchedule({
  name: `erase-${RECEIPT}`,
  ...OPTIONS,
  at: '2026-12-27T03:45:59',
  input: { customerId: CUSTOMER, receiptId: RECEIPT },
});

describe('the EventBridge Scheduler adapter', () => {
  it('names each schedule after its receipt, within the 64 characters EventBridge Scheduler allows', () => {
    expect(scheduleName(RECEIPT)).toBe(`erase-${RECEIPT}`);
    expect(scheduleName(RECEIPT)).toMatch(/^[0-9a-zA-Z-_.]{1,64}$/);
    expect(scheduleName(RECEIPT)).not.toContain(CUSTOMER);
  });

  it('creates a one-time schedule named after the receipt, at a UTC time, deleted after it fires', async () => {
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:111122223333:schedule/crm-dev-erasures/x' });
    await scheduler.schedule(scheduleName(RECEIPT), new Date('2026-12-27T03:45:59.000Z'), { customerId: CUSTOMER, receiptId: RECEIPT });
    const calls = mock.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual(EXPECTED_CREATE);
  });

  it('replaces an existing schedule of the same name (delete, then create: no UpdateSchedule grant needed)', async () => {
    mock.on(CreateScheduleCommand).rejectsOnce(new ConflictException(META)).resolves({});
    mock.on(DeleteScheduleCommand).resolves({});
    await scheduler.schedule(scheduleName(RECEIPT), new Date('2026-12-27T03:45:59.000Z'), { customerId: CUSTOMER, receiptId: RECEIPT });
    expect(mock.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input)).toEqual([
      { Name: `erase-${RECEIPT}`, GroupName: 'crm-dev-erasures' },
    ]);
    expect(mock.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input)).toEqual([EXPECTED_CREATE, EXPECTED_CREATE]);
    expect(mock.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
  });

  it('cancels with DeleteSchedule in the group, and cancelling an absent schedule succeeds', async () => {
    mock.on(DeleteScheduleCommand).rejects(new ResourceNotFoundException(META));
    await scheduler.cancel(scheduleName(RECEIPT));
    expect(mock.commandCalls(DeleteScheduleCommand)[0].args[0].input).toEqual({ Name: `erase-${RECEIPT}`, GroupName: 'crm-dev-erasures' });
  });

  it('reports throttling and server faults as a dependency outage (503, retry later)', async () => {
    mock
      .on(CreateScheduleCommand)
      .rejectsOnce(new ThrottlingException(META))
      .rejectsOnce(new InternalServerException({ ...META, $metadata: { httpStatusCode: 500 } }));
    for (let i = 0; i < 2; i++) {
      await expect(scheduler.schedule('erase-x', new Date('2026-12-27T00:00:00Z'), {})).rejects.toBeInstanceOf(DependencyUnavailableError);
    }
    mock.on(DeleteScheduleCommand).rejects(new ThrottlingException(META));
    await expect(scheduler.cancel('erase-x')).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('lets a validation error through as a deployment problem, not an outage', async () => {
    mock.on(CreateScheduleCommand).rejects(new ValidationException(META));
    const err = await scheduler.schedule('erase-x', new Date('2026-12-27T00:00:00Z'), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationException);
  });

  it('keeps the time to the second, in UTC', async () => {
    mock.on(CreateScheduleCommand).resolves({});
    await scheduler.schedule('erase-y', new Date('2027-01-02T00:00:07.000Z'), { customerId: CUSTOMER, receiptId: RECEIPT });
    expect(mock.commandCalls(CreateScheduleCommand)[0].args[0].input.ScheduleExpression).toBe('at(2027-01-02T00:00:07)');
  });
});
