/**
 * The modules lib/constructs/bundle-aliases.ts puts into the Lambda bundles in place of others: they exist,
 * offer what their importers take, and the credentials stand-in behaves as the SDK's chain does in Lambda.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BUNDLE_ALIASES, bundleAliasArgs } from '../../lib/constructs/bundle-aliases';
import * as lambdaCredentials from '../../lambdas/composition/lambda-credentials';
import * as noEventStreams from '../../lambdas/composition/no-event-streams';

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
