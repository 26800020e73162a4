/**
 * The two stacks of one deployment, wired together. bin/app.ts adds the compliance packs and synthesises;
 * tests call this directly.
 */
import type { App } from 'aws-cdk-lib';
import type { DeployedRoute } from './api-routes';
import { loadConfig, type CrmConfig } from './config';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';

export interface CrmStacks {
  config: CrmConfig;
  stateful: StatefulStack;
  stateless: StatelessStack;
}

export interface CrmStacksOptions {
  /** The deployed route list (defaults to API.md's routes). */
  routes?: readonly DeployedRoute[];
  /** Where CDK_DEFAULT_ACCOUNT is read from (the CLI sets it when credentials are available). */
  env?: NodeJS.ProcessEnv;
}

export function addCrmStacks(app: App, options: CrmStacksOptions = {}): CrmStacks {
  const config = loadConfig(app, options.env);
  // The region must be concrete (tables encrypted with a customer-managed key need it); the account
  // may stay unresolved so synth works offline.
  const env = { account: config.account, region: config.region };
  const base = `PrivacyCrm-${config.stage}`;

  const stateful = new StatefulStack(app, `${base}-Stateful`, {
    env,
    config,
    description: 'privacy-crm: KMS keys and DynamoDB tables (retained on stack deletion)',
    terminationProtection: config.stage !== 'dev',
  });
  const stateless = new StatelessStack(app, `${base}-Stateless`, {
    env,
    config,
    stateful,
    routes: options.routes,
    description: 'privacy-crm: functions, API, WAF, staff sign-in, erasure scheduler, alarms',
    // A destroyed stateless stack takes the API, the reconcile job and the alarms with it.
    terminationProtection: config.stage !== 'dev',
  });
  return { config, stateful, stateless };
}
