import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FUNCTIONS } from '../../lib/function-roles';
import { REPO_ROOT } from '../../lib/paths';
import { buildCrm, cdkJsonContext, type BuiltCrm } from './support/crm-app';

const packs = () => [new AwsSolutionsChecks(), new NIST80053R5Checks()];

/** Findings of both packs as "rule @ construct path", acknowledged ones excluded (as at synth). */
function findings(app: App): { id: string; path: string; severity?: string }[] {
  return packs().flatMap((pack) =>
    pack
      .validateScope(app)
      .violations.flatMap((v) => v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? '?', severity: v.severity }))),
  );
}

/** Every acknowledgement recorded in the tree, where it sits and why. */
function acknowledgements(root: IConstruct): { id: string; path: string; reason: string; onResource: boolean }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          path: c.node.path,
          reason,
          onResource: CfnResource.isCfnResource(c),
        })),
      ),
  );
}

const built: BuiltCrm[] = [];
const build = (opts: Parameters<typeof buildCrm>[0] = {}) => {
  const crm = buildCrm(opts);
  built.push(crm);
  return crm;
};
afterEach(() => {
  for (const crm of built.splice(0)) crm.cleanup();
  vi.restoreAllMocks();
});

describe('cdk-nag: AWS Solutions and NIST 800-53 rev 5', () => {
  it('bin/app.ts applies both packs to the whole app', () => {
    const source = readFileSync(join(REPO_ROOT, 'bin/app.ts'), 'utf8');
    expect(source).toContain('Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));');
  });

  it('the app synthesises with both packs and leaves no finding, error or warning', () => {
    const { app } = build();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
    expect(() => app.synth()).not.toThrow();
    expect(findings(app)).toEqual([]);
  }, 60_000);

  it('stays clean when the CLI knows the account (the acknowledgements match concrete ARNs too)', () => {
    const { app } = build({ account: '123456789012' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
    expect(() => app.synth()).not.toThrow();
  }, 60_000);

  it('a finding nobody acknowledged fails synth', () => {
    const app = new App();
    const stack = new Stack(app, 'Careless', { env: { region: 'eu-west-1' } });
    new Topic(stack, 'Unencrypted');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
    expect(() => app.synth()).toThrow(/NIST\.800\.53\.R5-SNSEncryptedKMS|AwsSolutions-SNS3/);
  });

  it('every acknowledgement sits on one resource and gives a reason', () => {
    const { app } = build();
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.onResource, `${ack.id} on ${ack.path}`).toBe(true);
      expect(ack.reason.length, `${ack.id} on ${ack.path}`).toBeGreaterThanOrEqual(40);
    }
  });

  it('every acknowledgement silences a real finding, and they are the reviewed kinds only', () => {
    const { app } = build();
    const acks = acknowledgements(app);
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    const bare = build();
    const raised = new Set(findings(bare.app).map((f) => `${f.id} @ ${f.path}`));
    for (const ack of acks) expect(raised, `${ack.id} @ ${ack.path} acknowledges nothing`).toContain(`${ack.id} @ ${ack.path}`);
    expect([...new Set(acks.map((a) => a.id.replace(/\[.*\]$/, '')))].sort()).toEqual([
      // Portal and public routes (portal session checked in the function), and each resource's ANY (only ever 405)
      'AwsSolutions-APIG4', // no gateway authorizer
      'AwsSolutions-COG4', // same methods: no Cognito authorizer
      'AwsSolutions-IAM4', // API Gateway's account-level CloudWatch role uses the AWS-documented managed policy
      'AwsSolutions-IAM5', // X-Ray and SMS have no resource ARNs; erasure schedules are named at run time
      'AwsSolutions-SQS3', // dead-letter queues are not given dead-letter queues
      'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted', // caching personal responses would escape erasure
      'NIST.800.53.R5-APIGWSSLEnabled', // no HTTP backend
      'NIST.800.53.R5-LambdaConcurrency', // reserved concurrency would break new accounts
      'NIST.800.53.R5-LambdaDLQ', // synchronous invocations (API, stream)
      'NIST.800.53.R5-LambdaInsideVPC', // no VPC resources to reach
      'NIST.800.53.R5-WAFv2LoggingEnabled', // WAF logs would keep client IPs
    ]);
  }, 60_000);
});

describe('bin/app.ts', () => {
  it('synthesises offline (no credentials, no account, no Docker) and every bundled handler loads', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'crm-bin-'));
    try {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CDK_OUTDIR: outdir };
      env.CDK_CONTEXT_JSON = JSON.stringify(cdkJsonContext());
      const run = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(REPO_ROOT, 'bin/app.ts')], {
        cwd: REPO_ROOT,
        env,
        encoding: 'utf8',
        timeout: 90_000,
      });
      expect(run.stderr).not.toMatch(/Error|Validation failed/);
      expect(run.status).toBe(0);
      for (const stack of ['PrivacyCrm-dev-Stateful', 'PrivacyCrm-dev-Stateless'])
        expect(existsSync(join(outdir, `${stack}.template.json`))).toBe(true);
      const bundles = readdirSync(outdir)
        .filter((d) => d.startsWith('asset.'))
        .map((d) => join(outdir, d, 'index.mjs'));
      expect(bundles).toHaveLength(Object.keys(FUNCTIONS).length);
      for (const bundle of bundles) {
        const mod = await import(pathToFileURL(bundle).href);
        expect(typeof mod.handler, bundle).toBe('function');
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);

  it('cdk synth -c stage=prod refuses the example sender, naming senderEmail, and synthesises (nag-clean) with a real one', () => {
    const synth = (context: Record<string, unknown>) => {
      const outdir = mkdtempSync(join(tmpdir(), 'crm-bin-'));
      try {
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CDK_OUTDIR: outdir };
        // As `cdk synth -c stage=prod` passes it; bundling is skipped (its own test above), templates are the same.
        env.CDK_CONTEXT_JSON = JSON.stringify({ ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context });
        const run = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(REPO_ROOT, 'bin/app.ts')], {
          cwd: REPO_ROOT,
          env,
          encoding: 'utf8',
          timeout: 90_000,
        });
        return {
          ...run,
          templates: readdirSync(outdir)
            .filter((f) => f.endsWith('.template.json'))
            .sort(),
        };
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    };
    const refused = synth({ stage: 'prod' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/senderEmail: stage "prod" cannot send from example\.com/);
    expect(refused.templates).toEqual([]);
    const accepted = synth({ stage: 'prod', senderEmail: 'privacy@shop.test' });
    expect(accepted.stderr).not.toMatch(/Error|Validation failed/);
    expect(accepted.status).toBe(0);
    expect(accepted.templates).toEqual(['PrivacyCrm-prod-Stateful.template.json', 'PrivacyCrm-prod-Stateless.template.json']);
  }, 120_000);

  it('exits with the list of problems when the configuration is invalid', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'crm-bin-'));
    try {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CDK_OUTDIR: outdir };
      env.CDK_CONTEXT_JSON = JSON.stringify({ ...cdkJsonContext(), stage: 'Prod!', senderEmail: 'nobody' });
      const run = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(REPO_ROOT, 'bin/app.ts')], {
        cwd: REPO_ROOT,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/Invalid deployment configuration[\s\S]*stage: [\s\S]*senderEmail: /);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 60_000);
});
