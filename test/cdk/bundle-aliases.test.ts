/**
 * The modules lib/constructs/bundle-aliases.ts puts into the Lambda bundles in place of others: they exist,
 * offer what their importers take, the credentials stand-in behaves as the SDK's chain does in Lambda, and
 * what the functions run never reaches a stand-in that fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cdkEsbuildOptions } from '../../bench/bundles';
import { BUNDLE_ALIASES, bundleAliasArgs } from '../../lib/constructs/bundle-aliases';
import * as lambdaCredentials from '../../lambdas/composition/lambda-credentials';
import * as noEventStreams from '../../lambdas/composition/no-event-streams';
import * as noSemver from '../../lambdas/composition/no-semver';

const require = createRequire(import.meta.url);

describe('the bundle aliases', () => {
  it('name files of the project, as CDK esbuildArgs of the form --alias:from=to', () => {
    for (const to of Object.values(BUNDLE_ALIASES)) {
      expect(to.startsWith('./'), to).toBe(true);
      expect(existsSync(to), to).toBe(true);
    }
    expect(bundleAliasArgs()['--alias']).toContain('bn.js=./node_modules/bn.js');
  });

  it('replace the default credential chain with a module of the same exports', async () => {
    // Node loads the package's CommonJS build here, whose namespace adds `default`.
    const real = Object.keys(await import('@aws-sdk/credential-provider-node')).filter((k) => k !== 'default');
    expect(Object.keys(lambdaCredentials).sort()).toEqual(real.sort());
  });

  it('replace the event-stream support with what the SDK protocols import from it, on demand only', () => {
    const protocol = readFileSync('node_modules/@smithy/core/dist-es/submodules/protocols/HttpProtocol.js', 'utf8');
    const imports = [...protocol.matchAll(/const \{([^}]+)\} = await import\("@smithy\/core\/event-streams"\)/g)];
    expect(imports).toHaveLength(1);
    const names = imports[0][1].split(',').map((n) => n.trim());
    expect(names.every((n) => n in noEventStreams)).toBe(true);
    expect(() => noEventStreams.eventStreamSerdeProvider()).toThrow(/event streams are not in this bundle/);
  });

  it('keep bn.js to one major-compatible copy: asn1.js asks for 4, the Encryption SDK for 5', () => {
    const asn1 = require('asn1.js/package.json') as { dependencies: Record<string, string> };
    expect(asn1.dependencies['bn.js']).toMatch(/^\^4\./);
    expect((require('bn.js/package.json') as { version: string }).version).toMatch(/^5\./);
  });
});

describe('the semver stand-in', () => {
  const patchers = 'node_modules/aws-xray-sdk-core/dist/lib/patchers';

  it("offers all X-Ray's SDK v2 patcher takes from semver, which it calls in captureAWS alone, and fails loudly", () => {
    const v2 = readFileSync(`${patchers}/aws_p.js`, 'utf8');
    expect([...v2.matchAll(/semver\.(\w+)/g)].map((m) => m[1])).toEqual(['gte']);
    const captureAWS = v2.slice(v2.indexOf('var captureAWS = function'), v2.indexOf('var captureAWSClient = function'));
    expect(captureAWS).toContain('semver.gte(awssdk.VERSION');
    expect(readFileSync(`${patchers}/aws3_p.js`, 'utf8')).not.toContain('semver');
    expect(() => noSemver.gte()).toThrow(/semver is not in this bundle/);
  });

  it('is never reached by the functions: they capture v3 clients only, with captureAWSv3Client', () => {
    const sources = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'lambdas'], { encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.endsWith('.ts') && f !== 'lambdas/composition/no-semver.ts');
    const captures = sources.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bcaptureAWS\w*/g)].map((m) => `${f}: ${m[0]}`));
    expect(captures).toEqual(['lambdas/adapters/tracing.ts: captureAWSv3Client']);
  });

  it('bundled and traced as in Lambda, a v3 client call is recorded; only the SDK v2 capture reaches the stand-in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-traced-probe-'));
    try {
      await build(cdkEsbuildOptions('test/cdk/fixtures/traced-probe.ts', dir));
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
      const run = `const m = await import(${JSON.stringify(join(dir, 'index.mjs'))}); console.log(JSON.stringify(await m.handler()));`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', run], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          // What Lambda sets: Tracer is on in a Lambda execution environment, X-Ray's SDK in Lambda mode.
          AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
          LAMBDA_TASK_ROOT: dir,
          _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'AKIDPROBE',
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      });
      const result = JSON.parse(out.trim().split('\n').at(-1)!) as { callError?: string; traced: string[]; sdkV2Error?: string };
      expect(result.callError).toMatch(/ECONNREFUSED/);
      expect(result.traced).toContain('DynamoDB');
      expect(result.sdkV2Error).toMatch(/semver is not in this bundle/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the Lambda credentials (the default chain as it runs in Lambda)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('reads the role credentials Lambda sets in the environment, once', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLAMBDA');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token');
    const provider = lambdaCredentials.defaultProvider();
    const first = await provider();
    expect(first).toMatchObject({ accessKeyId: 'AKIDLAMBDA', secretAccessKey: 'secret', sessionToken: 'token' });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDOTHER');
    expect(await provider()).toBe(first);
    expect(await provider({ forceRefresh: true })).toMatchObject({ accessKeyId: 'AKIDOTHER' });
  });

  it('reads them again five minutes before an expiry the environment gives', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDSOON');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_CREDENTIAL_EXPIRATION', new Date(Date.now() + 60_000).toISOString());
    const provider = lambdaCredentials.defaultProvider();
    await provider();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDNEXT');
    vi.stubEnv('AWS_CREDENTIAL_EXPIRATION', new Date(Date.now() + 3_600_000).toISOString());
    expect(await provider()).toMatchObject({ accessKeyId: 'AKIDNEXT' });
  });

  it('fails as the environment link of the chain does when there are none', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    await expect(lambdaCredentials.defaultProvider()()).rejects.toThrow(/Unable to find environment variable credentials/);
  });
});
