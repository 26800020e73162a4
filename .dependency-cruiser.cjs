/**
 * Layer rules, checked inside `npm test` (test/architecture/layers.test.ts). Type-only imports count:
 * a cycle through `import type` is still two modules that must be read together.
 * docs/ARCHITECTURE.md draws the same picture.
 */
const CORE = '^lambdas/core/';
// Lower layers of the core may not reach into higher ones.
const layer = (from, notTo, comment) => ({
  name: `core-${from.replace(/[^a-z]/g, '')}-is-below-${notTo.replace(/[^a-z|]/g, '').replace(/\|/g, '-')}`,
  comment,
  severity: 'error',
  from: { path: `${CORE}${from}` },
  to: { path: `${CORE}(${notTo})` },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No cycles anywhere, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    layer('policy/', 'shared|customer|categories|forgetting|portal|app', 'policy (inventory, retention, table specs) depends on nothing'),
    layer('shared/', 'customer|categories|forgetting|portal|app', 'shared building blocks know no subsystem'),
    layer('customer/', 'categories|forgetting|portal|app', 'the customer record knows nothing above it'),
    layer('categories/', 'forgetting|portal|app', 'categories talk to forgetting and the portal only through callbacks'),
    layer('forgetting/', 'categories|portal|app', 'forgetting works from table specs and callbacks, not from category services'),
    layer('portal/', 'categories|forgetting|app', 'the portal reads categories through narrow interfaces wired in app.ts'),
    {
      name: 'core-has-no-outside-dependencies',
      comment: 'The domain core imports no AWS SDK, adapter, HTTP layer or home.',
      severity: 'error',
      from: { path: CORE },
      to: { pathNot: [CORE, '^node_modules/(zod|libphonenumber-js)/', '^node:', '^(crypto|util)$'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'adapters-only-use-core-ports',
      severity: 'error',
      from: { path: '^lambdas/adapters/' },
      to: { path: '^lambdas/(http|handlers|composition)/|^local/|^lib/' },
    },
    {
      name: 'only-entry-points-load-the-aws-composition',
      comment:
        'Lambda entry points alone load the AWS composition (every SDK client, Powertools, and X-Ray, whose async hooks tax ' +
        'every promise); the local home and the jobs build their app from lambdas/jobs and the adapters.',
      severity: 'error',
      from: { pathNot: '^lambdas/(handlers|composition)/' },
      to: { path: '^lambdas/(handlers|composition)/' },
    },
    {
      name: 'lambdas-never-import-homes-or-infrastructure',
      comment: 'lib/ may import the inventory and table specs from lambdas/, never the reverse; the local home sits outside lambdas/.',
      severity: 'error',
      from: { path: '^lambdas/' },
      to: { path: '^(lib|bin|local|test|bench|portal)/' },
    },
    {
      name: 'lib-imports-only-policy-and-config-from-lambdas',
      severity: 'error',
      from: { path: '^(lib|bin)/' },
      to: {
        path: '^lambdas/',
        pathNot: '^lambdas/(core/policy/|core/shared/principal|core/shared/metrics|config|http/(route|routes|middleware)(/|\\.ts))',
      },
    },
    {
      name: 'portal-page-is-standalone',
      comment: 'The page bundle runs in the browser: it may share nothing that pulls in server code.',
      severity: 'error',
      from: { path: '^portal/', pathNot: '^portal/build\\.ts$' },
      to: { path: '^(lambdas|local|lib)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|cdk\\.out|\\.crm-data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.json'],
    },
  },
};
