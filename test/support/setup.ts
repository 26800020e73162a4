// Shared test setup: runs before every test file.
process.env.POWERTOOLS_DEV = process.env.POWERTOOLS_DEV ?? 'false';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_REGION = process.env.AWS_REGION ?? 'eu-west-1';
// The AWS SDK must never find real credentials or reach AWS from a test.
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
