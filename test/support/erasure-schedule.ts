/** The EventBridge Scheduler input every erasure schedule must carry, spelled out once for the tests. */
export function expectedErasureSchedule(s: {
  name: string;
  groupName: string;
  /** UTC, to the second: `2026-12-27T03:45:59`. */
  at: string;
  targetArn: string;
  roleArn: string;
  deadLetterArn: string;
  input: Record<string, string>;
}) {
  return {
    Name: s.name,
    GroupName: s.groupName,
    ScheduleExpression: `at(${s.at})`,
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    State: 'ENABLED',
    Description: 'privacy-crm erasure',
    Target: {
      Arn: s.targetArn,
      RoleArn: s.roleArn,
      Input: JSON.stringify(s.input),
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
      DeadLetterConfig: { Arn: s.deadLetterArn },
    },
  };
}
