/**
 * Environment variable names shared by the Lambda functions (read once at cold start) and the CDK
 * stack (which sets them). Defined once so the two cannot drift.
 */
export const ENV = {
  /** KMS key that wraps per-customer data keys (GenerateDataKey/Decrypt). */
  kmsKeyId: 'CRM_KMS_KEY_ID',
  /** KMS HMAC_256 key behind the blind index (GenerateMac). */
  macKeyId: 'CRM_MAC_KEY_ID',
  schedulerGroup: 'CRM_SCHEDULER_GROUP',
  schedulerRoleArn: 'CRM_SCHEDULER_ROLE_ARN',
  schedulerDlqArn: 'CRM_SCHEDULER_DLQ_ARN',
  erasureFunctionArn: 'CRM_ERASURE_FUNCTION_ARN',
  emailFrom: 'CRM_EMAIL_FROM',
  /** SES configuration set every e-mail is sent through (TLS required, bounce and complaint metrics). */
  sesConfigurationSet: 'CRM_SES_CONFIGURATION_SET',
  erasureGraceDays: 'CRM_ERASURE_GRACE_DAYS',
  defaultPhoneRegion: 'CRM_DEFAULT_PHONE_REGION',
  stage: 'CRM_STAGE',
  /** JSON list of the origins whose browser-based staff tools may call the staff routes (CORS). */
  staffOrigins: 'CRM_STAFF_ORIGINS',
  /** JSON object of inventory category id → retention days, overriding the inventory's defaults. */
  retentionDays: 'CRM_RETENTION_DAYS',
  /** How many branch keys new customer keys are spread over (16 to 64). */
  branchKeys: 'CRM_BRANCH_KEYS',
} as const;
