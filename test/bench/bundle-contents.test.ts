/**
 * What the largest Lambda bundle (the API's, built as bench/bundles.ts and CDK build it) is made of, from
 * esbuild's metafile: the parts left out on purpose stay out. Each came back once by an innocent change
 * (an import of `libphonenumber-js/max`, an alias dropped, a dependency that pins another major of a
 * package), and each costs tens of KB of every bundle (bundle_max_kb).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdkEsbuildOptions } from '../../bench/bundles';

let outdir: string;
let inputs: string[];

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'crm-bundle-contents-'));
  const { metafile } = await build({ ...cdkEsbuildOptions('lambdas/handlers/api.ts', outdir), metafile: true, write: false });
  const [, output] = Object.entries((metafile as Metafile).outputs).find(([file]) => file.endsWith('.mjs'))!;
  inputs = Object.keys(output.inputs);
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const from = (pattern: RegExp) => inputs.filter((f) => pattern.test(f));

describe('the API bundle', () => {
  it('is built from the handler and its dependencies', () => {
    expect(from(/^lambdas\/handlers\/api\.ts$/)).toHaveLength(1);
    expect(from(/node_modules\/@aws-sdk\/client-dynamodb\//).length).toBeGreaterThan(0);
  });

  it('has no credential provider but the environment one, and none of the clients the others call', () => {
    const providers = /node_modules\/@aws-sdk\/(credential-provider-(?!env\/)[a-z-]+|nested-clients|token-providers)\//;
    expect(from(providers)).toEqual([]);
    expect(from(/node_modules\/@smithy\/credential-provider-imds\//)).toEqual([]);
    expect(from(/node_modules\/@aws-sdk\/credential-provider-env\//).length).toBeGreaterThan(0);
  });

  it('has no event-stream support', () => {
    expect(from(/@smithy\/core\/dist-es\/submodules\/event-streams\//)).toEqual([]);
  });

  it('carries the phone metadata once, without the formats: none of the metadata files of libphonenumber-js', () => {
    expect(from(/node_modules\/libphonenumber-js\/metadata\./)).toEqual([]);
    expect(from(/phone-metadata\.generated\.ts$/)).toHaveLength(1);
  });

  it('takes every package from one directory: no second copy of a package', () => {
    const dirs = new Map<string, Set<string>>();
    for (const f of inputs) {
      const m = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(f);
      if (m) dirs.set(m[2], (dirs.get(m[2]) ?? new Set()).add(m[1]));
    }
    expect([...dirs].filter(([, d]) => d.size > 1).map(([name, d]) => `${name}: ${[...d].join(', ')}`)).toEqual([]);
  });
});
