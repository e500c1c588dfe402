/**
 * The architecture as rules: `npx depcruise --config .dependency-cruiser.cjs .` (part of `npm run lint`).
 *
 *   lambda/            the rule function; bundled on its own, so it imports nothing from the rest of the repo
 *   modules/shared/    IAM, buckets, provider, backend: used by every line of defence
 *   modules/{prevent,detect,correct,org}/   one line of defence each: shared and the contract only
 *   modules/review/    plan JSON -> risk flags: reads plans, not constructs
 *   modules/report/    fleet audit: the rule's own evaluator and adapters, and config/; no construct, no stack
 *   modules/stacks/    composition: may use every layer
 *   e2e/, __tests__/, test-support/   test code: product code never imports it
 *   demo/              `npm run demo`: drives the product through the e2e harness; only scripts/ and tests import it
 */

/** The code that is deployed or synthesizes what is deployed. */
const PRODUCT = '^(main\\.ts$|config/|modules/|lambda/)';
/** The lines of defence, which stand side by side. */
const LAYERS = 'prevent|detect|correct|org';
/**
 * The shared facts the layers (and config, and the Lambda) all read: the contract, and the trust model
 * (the signals AMI Guard acts on and who may write them), which imports only the contract.
 */
const CONTRACT = '^lambda/ami-compliance/(contract|trust-model)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'lambda-self-contained',
      comment:
        'lambda/ is bundled and deployed alone: it never imports modules/, config/ or main.ts (shared facts live in its contract.ts).',
      severity: 'error',
      from: { path: '^lambda/' },
      to: { path: '^(modules/|config/|main\\.ts$)' },
    },
    {
      name: 'contract-dependency-free',
      comment:
        'lambda/ami-compliance/contract.ts is read by config, constructs, the Lambda and the runbook generator: it imports nothing.',
      severity: 'error',
      from: { path: CONTRACT },
      to: { pathNot: CONTRACT },
    },
    {
      name: 'layers-independent',
      comment:
        'prevent, detect, correct and org do not import each other or anything outside modules/shared and the contract; ' +
        'modules/stacks composes them. Move a fact two layers need into modules/shared or lambda/ami-compliance/contract.ts.',
      severity: 'error',
      from: { path: `^modules/(${LAYERS})/` },
      to: {
        dependencyTypesNot: ['npm', 'npm-dev', 'core'],
        pathNot: [
          '^modules/$1/',
          '^modules/shared/',
          CONTRACT,
          // The trust model: the signals every guard reserves, beside the contract it builds on.
          '^lambda/ami-compliance/trust-model\\.ts$',
          // The detect layer deploys the rule function, so it builds the bundle.
          '^lambda/ami-compliance/build\\.ts$',
        ],
      },
    },
    {
      name: 'shared-below-layers',
      comment: 'modules/shared is used by the layers; it never imports them or the stacks that compose them.',
      severity: 'error',
      from: { path: '^modules/shared/' },
      to: { path: `^modules/(${LAYERS}|stacks|review)/` },
    },
    {
      name: 'review-reads-plans-only',
      comment: 'modules/review turns plan JSON into risk flags; it imports no construct layer and no stack.',
      severity: 'error',
      from: { path: '^modules/review/' },
      to: { path: `^modules/(${LAYERS}|stacks)/` },
    },
    {
      name: 'report-uses-the-rule-not-the-stacks',
      comment:
        "modules/report judges instances with the rule Lambda's pure evaluator, contract, parameters and read adapters, " +
        "and reads config/; it imports no construct layer, no stack, and not the Lambda's handler, sweep or check mode.",
      severity: 'error',
      from: { path: '^modules/report/' },
      to: {
        path: [`^modules/(${LAYERS}|stacks|review)/`, '^lambda/ami-compliance/(handler|check|sweep|retrigger|build|index)\\.ts$'],
      },
    },
    {
      name: 'report-used-by-commands-only',
      comment: 'Only the report command (scripts/), benchmarks and tests import modules/report; nothing deployed does.',
      severity: 'error',
      from: { path: '^(main\\.ts$|config/|lambda/|modules/(?!report/))' },
      to: { path: '^modules/report/' },
    },
    {
      name: 'product-not-to-test-code',
      comment: 'main.ts, config/, modules/ and lambda/ never import test code, the e2e harness, the demo, scripts or benchmarks.',
      severity: 'error',
      from: { path: PRODUCT },
      to: { path: '^(__tests__|e2e|test-support|scripts|bench|demo)/' },
    },
    {
      name: 'tests-and-harness-imported-by-tests-only',
      comment: 'Only tests, thin scripts, the harness itself and the demo import e2e/; only tests and scripts import __tests__/.',
      severity: 'error',
      from: { pathNot: '^(__tests__|scripts|e2e|demo)/' },
      to: { path: '^(__tests__|e2e)/' },
    },
    {
      name: 'demo-not-into-tests',
      comment: 'The demo runs the product through the e2e harness; it never imports the tests themselves.',
      severity: 'error',
      from: { path: '^demo/' },
      to: { path: '^__tests__/' },
    },
    {
      name: 'demo-used-by-scripts-and-tests-only',
      comment: 'demo/ is the logic of `npm run demo` (scripts/demo.ts); only scripts and tests import it.',
      severity: 'error',
      from: { pathNot: '^(scripts|__tests__|demo)/' },
      to: { path: '^demo/' },
    },
    {
      name: 'no-circular',
      comment: 'An import cycle: move the shared part into a module both sides import.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'A file nothing imports and that imports nothing: dead code, or an entry point to list here.',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          '(^|/)\\.[^/]+\\.(js|cjs|mjs|ts|json)$',
          '\\.d\\.ts$',
          '^(jest|eslint)\\.config\\.(js|mjs)$',
          // jest loads it through setupFilesAfterEnv.
          '^test-support/setup\\.ts$',
        ],
      },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve to a file or an installed package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      comment: 'An npm package used but not declared in package.json.',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-deprecated-core',
      comment: 'A deprecated Node.js core module.',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['core'], path: '^(punycode|domain|constants|sys|_linklist|_stream_wrap)$' },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: '(^|/)(node_modules|cdktf\\.out|dist|coverage|\\.gen|\\.cache)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: a layer that needs another layer's types is coupled to it all the same.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
