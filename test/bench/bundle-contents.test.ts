/**
 * What the largest Lambda bundle (the API's, built as bench/bundles.ts and CDK build it) is made of, from
 * esbuild's metafile: the parts left out on purpose stay out, and the generated data stays packed. Each came
 * back once by an innocent change (an import of `libphonenumber-js/max`, an alias dropped, a dependency that
 * pins another major of a package), and each costs tens of KB of every bundle (bundle_max_kb).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdkEsbuildOptions } from '../../bench/bundles';

let outdir: string;
let metafile: Metafile;
let inputs: string[];
let bytesOf: (file: RegExp) => number;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'crm-bundle-contents-'));
  metafile = (await build({ ...cdkEsbuildOptions('lambdas/handlers/api.ts', outdir), metafile: true, write: false })).metafile!;
  const [, output] = Object.entries(metafile.outputs).find(([file]) => file.endsWith('.mjs'))!;
  inputs = Object.keys(output.inputs);
  bytesOf = (file) => inputs.filter((f) => file.test(f)).reduce((sum, f) => sum + output.inputs[f]!.bytesInOutput, 0);
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const from = (pattern: RegExp) => inputs.filter((f) => pattern.test(f));
const importersOf = (pattern: RegExp) =>
  inputs.filter((f) => metafile.inputs[f]!.imports.some((i) => pattern.test(i.path))).map((f) => f.replace(/^.*node_modules\//, ''));

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

  it('carries the phone metadata and the portal page packed: about a third of their size as literals', () => {
    expect(bytesOf(/phone-metadata\.generated\.ts$/)).toBeLessThan(40_000);
    expect(bytesOf(/portal-assets\.generated\.ts$/)).toBeLessThan(20_000);
    // Packing runs only in the generators (lambdas/core/shared/packed-text.ts).
    expect(bytesOf(/packed-text\.ts$/)).toBeLessThan(200);
  });

  it("has no semver: X-Ray's SDK v2 patcher, its only importer, takes the stand-in", () => {
    expect(from(/node_modules\/semver\//)).toEqual([]);
    expect(importersOf(/no-semver\.ts$/)).toEqual(['aws-xray-sdk-core/dist/lib/patchers/aws_p.js']);
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
