/**
 * Stands in for semver in the Lambda bundles only (esbuild alias: lib/constructs/bundle-aliases.ts). Its one
 * importer is aws-xray-sdk-core's patcher for the AWS SDK v2 (patchers/aws_p.js), which calls `semver.gte` in
 * `captureAWS` alone, to check the v2 SDK's version. The functions capture their v3 clients with Powertools
 * Tracer's captureAWSv3Client (lambdas/adapters/tracing.ts), whose patcher (aws3_p.js) never imports semver.
 * Bundled, semver is about 29 KB; here it fails loudly.
 */
export const gte = (): never => {
  throw new Error('semver is not in this bundle: only the AWS SDK v2 patcher of X-Ray uses it (lib/constructs/bundle-aliases.ts).');
};
