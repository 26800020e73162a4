/**
 * Imports that decide what lands in every Lambda bundle (bench/bundles.ts measures them): zod's named `z`
 * is its whole namespace with every locale (about 350 KB minified) where `import * as z` keeps only what
 * is used; @aws-crypto/client-node is CommonJS and re-exports every keyring (RSA, KMS, hierarchical);
 * every entry of libphonenumber-js but `core` brings a whole metadata file (`max`: 150 KB with the formats).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const sources = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'lambdas'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.endsWith('.ts'));

describe('what the Lambda code imports', () => {
  it('takes zod as a namespace, never its named `z`', () => {
    const named = sources.filter((f) => /import\s+(type\s+)?\{\s*z\s*\}\s+from\s+'zod'/.test(readFileSync(f, 'utf8')));
    expect(named).toEqual([]);
  });

  it('takes the Encryption SDK from its ES module parts, not the client-node barrel', () => {
    expect(sources.filter((f) => readFileSync(f, 'utf8').includes("'@aws-crypto/client-node'"))).toEqual([]);
  });

  it('takes libphonenumber-js from its core, with the generated metadata without formats', () => {
    const imports = (f: string) => [...readFileSync(f, 'utf8').matchAll(/from\s+'(libphonenumber-js[^']*)'/g)].map((m) => [f, m[1]]);
    expect([...sources].sort().flatMap(imports)).toEqual([
      ['lambdas/core/customer/contact.ts', 'libphonenumber-js/core'],
      ['lambdas/core/customer/phone-metadata.ts', 'libphonenumber-js/core'],
    ]);
  });
});
