/**
 * Lambda bundles as CDK builds them (lib/constructs/crm-function.ts: NodejsFunction on Node.js 24, ESM,
 * minified, external source map without sources, module-first main fields, nothing external, the
 * createRequire banner, the module aliases), their sizes, and the module load of each in a fresh Node process.
 * test/cdk/crm-function.test.ts checks that these options give the very bytes CDK's bundling gives.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { BUNDLE_ALIASES } from '../lib/constructs/bundle-aliases';

export const HANDLERS_DIR = 'lambdas/handlers';

/** esbuild options equal to CrmFunction's bundling props, as CDK turns them into esbuild arguments. */
export function cdkEsbuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    // CDK derives the target from the runtime (Runtime.NODEJS_24_X).
    target: 'node24',
    platform: 'node',
    format: 'esm',
    outfile: join(outdir, 'index.mjs'),
    minify: true,
    sourcemap: 'external',
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire as crmCreateRequire } from 'node:module'; const require = crmCreateRequire(import.meta.url);" },
    // CrmFunction's esbuildArgs `--alias:from=to`; the paths resolve from the working directory, the project root.
    alias: { ...BUNDLE_ALIASES },
    logLevel: 'warning',
  };
}

export interface BundleFigure {
  handler: string;
  bytes: number;
  /** Each run: the import's wall time and the process's CPU time (user + system) over it, ms. */
  loads: { wallMs: number; cpuMs: number }[];
  medianWallMs: number;
  medianCpuMs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * One fresh `node` per run, importing the bundle (what Lambda's init phase does before the first event:
 * load and evaluate the module; the handler builds its clients on first use). The bundle sits inside the
 * repository, as in cdk.out. CPU time is what the load costs whatever else the machine is doing; on a
 * busy machine the wall time also waits for a core.
 */
function load(file: string): { wallMs: number; cpuMs: number } {
  const script = [
    'const c0 = process.cpuUsage(); const t0 = performance.now();',
    `await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'const c = process.cpuUsage(c0);',
    'console.log(JSON.stringify({ wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }));',
  ].join(' ');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { wallMs: number; cpuMs: number };
}

export async function measureBundles(opts: { outdir: string; runs: number; progress?: (line: string) => void }): Promise<BundleFigure[]> {
  const entries = readdirSync(HANDLERS_DIR)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const figures: BundleFigure[] = [];
  for (const file of entries) {
    const handler = file.replace(/\.ts$/, '');
    const dir = resolve(opts.outdir, handler);
    mkdirSync(dir, { recursive: true });
    await build(cdkEsbuildOptions(join(HANDLERS_DIR, file), dir));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    const bundle = join(dir, 'index.mjs');
    const loads = Array.from({ length: opts.runs }, () => load(bundle));
    const figure = {
      handler,
      bytes: statSync(bundle).size,
      loads,
      medianWallMs: median(loads.map((l) => l.wallMs)),
      medianCpuMs: median(loads.map((l) => l.cpuMs)),
    };
    figures.push(figure);
    const runs = (key: 'wallMs' | 'cpuMs') => loads.map((l) => l[key].toFixed(0)).join(' ');
    opts.progress?.(`  ${handler}: ${(figure.bytes / 1024).toFixed(1)} KB; load CPU ${runs('cpuMs')} ms, wall ${runs('wallMs')} ms`);
  }
  return figures;
}
