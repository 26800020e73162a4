/**
 * Stands in for @aws-sdk/credential-provider-node in the Lambda bundles only (esbuild alias:
 * lib/constructs/bundle-aliases.ts). Every client's Node runtime config imports that package's default
 * chain, and with it the SSO, shared-file, credential-process, web-identity, container and instance
 * metadata providers and the STS, SSO and sign-in clients they call: about 100 KB per bundle. Lambda puts
 * the execution role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN,
 * which is the chain's first link, so in a function the chain never gets past it (the chain would skip it only
 * for an AWS_PROFILE, which no function's environment sets).
 * Same exports as the package; like its chain, the credentials are kept until five minutes before an
 * expiry (AWS_CREDENTIAL_EXPIRATION, which Lambda does not set), or until a client forces a refresh.
 */
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

type Credentials = Awaited<ReturnType<ReturnType<typeof fromEnv>>>;

export const credentialsWillNeedRefresh = (credentials?: Credentials): boolean => credentials?.expiration !== undefined;

export const credentialsTreatedAsExpired = (credentials?: Credentials): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;

export function defaultProvider(init: FromEnvInit = {}): (options?: { forceRefresh?: boolean }) => Promise<Credentials> {
  const fromEnvironment = fromEnv(init);
  let credentials: Credentials | undefined;
  return async (options) => {
    if (options?.forceRefresh || !credentials || credentialsTreatedAsExpired(credentials)) credentials = await fromEnvironment();
    return credentials;
  };
}
