#!/usr/bin/env node
/** The CDK app: both stacks, checked against the AWS Solutions and NIST 800-53 rev 5 packs. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { addCrmStacks } from '../lib/app';
import { ConfigError } from '../lib/config';

const app = new App();
try {
  addCrmStacks(app);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
// Any finding that is neither fixed nor acknowledged (on one resource, with a reason) fails synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
app.synth();
