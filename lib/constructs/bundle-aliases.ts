/**
 * Module substitutions in every Lambda bundle: CrmFunction passes them to esbuild as `--alias`, and
 * bench/bundles.ts builds with the same (test/cdk/crm-function.test.ts checks both give the same bytes).
 * Replacements are paths from the project root, the directory CDK runs esbuild in when it bundles locally.
 * Each leaves out code a function never runs, or a second copy of a package; nothing a function does changes.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  // The SDK's default credential chain, reduced to its first link, the one Lambda provides: environment
  // variables. The rest of the chain (and the STS, SSO and sign-in clients it imports) is about 100 KB.
  '@aws-sdk/credential-provider-node': './lambdas/composition/lambda-credentials.ts',
  // Loaded on demand for event-stream operations, which none of the functions' clients has.
  '@smithy/core/event-streams': './lambdas/composition/no-event-streams.ts',
  // asn1.js pins bn.js 4 next to the Encryption SDK's bn.js 5: one copy (43 KB) for both. asn1.js uses only
  // `new BN(bytes)` and `toArray()`, the same in both majors, and only for ECDSA signatures and PEM keys,
  // which the unsigned suite (lambdas/adapters/crypto/esdk-cipher.ts) never touches.
  'bn.js': './node_modules/bn.js',
  // Imported only by X-Ray's patcher for the AWS SDK v2, and used only when a v2 SDK is captured; the functions
  // capture v3 clients (Powertools Tracer's captureAWSv3Client), whose patcher does not import it. About 29 KB.
  semver: './lambdas/composition/no-semver.ts',
};

/** The aliases as CDK's `esbuildArgs` (one `--alias:from=to` argument each). */
export const bundleAliasArgs = (): { '--alias': string[] } => ({
  '--alias': Object.entries(BUNDLE_ALIASES).map(([from, to]) => `${from}=${to}`),
});
