import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The lint configuration under test, run on small trees that carry the repository's own config files
// and planted faults. Small trees keep each run to seconds; what is tested is the configuration, not
// the size of the code.

const ROOT = path.resolve(__dirname, '..');
const CONFIG_FILES = [
  'eslint.config.mjs',
  '.prettierrc.json',
  '.prettierignore',
  '.dependency-cruiser.cjs',
  'knip.jsonc',
  'tsconfig.json',
];
const TOOLS = ['eslint', 'typescript-eslint', 'prettier', 'dependency-cruiser', 'knip'];
/** Guard against a hung run only: `npm run lint` starts four Node processes, several times slower on a shared machine. */
const RUN_MS = 180_000;
/** A test makes one run, and gives its own error when the run is killed. */
const TEST_MS = RUN_MS + 15_000;

type Tree = Record<string, string>;

/** Writes `files` into a fresh temp folder beside the repository's lint config, runs `command` there, removes the folder. */
function runIn(files: Tree, command: string, args: string[]): { status: number | null; stdout: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-lint-'));
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const devDependencies = Object.fromEntries(TOOLS.map((name) => [name, pkg.devDependencies[name]]));
    const fixturePkg = {
      name: 'lint-fixture',
      private: true,
      main: 'main.ts',
      scripts: { lint: pkg.scripts.lint },
      devDependencies,
    };
    fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(fixturePkg, null, 2)}\n`);
    for (const file of CONFIG_FILES) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    const res = spawnSync(command, args, { cwd: dir, encoding: 'utf8', timeout: RUN_MS });
    if (res.error) throw res.error;
    return { status: res.status, stdout: res.stdout };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const imports = (...from: string[]) =>
  from.map((f, i) => `import * as m${i} from '${f}';\n`).join('') +
  `\nexport const uses = [${from.map((_, i) => `m${i}`).join(', ')}];\n`;

describe('npm run lint', () => {
  // One tree, the clean one below with two planted faults (a cross-layer import, an unused export), linted once:
  // every command of the `lint` script runs on it in turn, so each test reads its tool's report of the same run.

  /** Two lines of defence that share a name through modules/shared, composed by main.ts; formatted, no dead code. */
  const CLEAN: Tree = {
    'main.ts':
      "import { fix } from './modules/correct/fix';\nimport { rule } from './modules/detect/rule';\n\nconsole.log(rule, fix);\n",
    'modules/shared/names.ts': "export const PREFIX = 'ami-guard';\n",
    'modules/detect/rule.ts': "import { PREFIX } from '../shared/names';\n\nexport const rule = `${PREFIX}-rule`;\n",
    'modules/correct/fix.ts': "import { PREFIX } from '../shared/names';\n\nexport const fix = `${PREFIX}-fix`;\n",
  };
  const PLANTED: Tree = {
    'modules/detect/rule.ts':
      "import { fix } from '../correct/fix';\nimport { PREFIX } from '../shared/names';\n\nexport const rule = `${PREFIX}-rule-${fix}`;\n",
    'modules/shared/names.ts': "export const PREFIX = 'ami-guard';\nexport const UNUSED = 'planted';\n",
  };
  const PRETTIER_PASSED = 'All matched files use Prettier code style!';
  const script = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.lint as string;
  const commands = script.split(' && ');
  /** The report of each command of the script, by its tool (the first word). */
  let reports: Record<string, { status: number | null; stdout: string }>;

  beforeAll(() => {
    const steps = commands.map((c, i) => `${c} > out.${i} 2> /dev/null; echo $? > status.${i}`).join('; ');
    const { stdout } = runIn({ ...CLEAN, ...PLANTED }, 'sh', [
      '-c',
      `PATH="$PWD/node_modules/.bin:$PATH"; ${steps}; for i in $(seq 0 ${commands.length - 1}); do cat status.$i; printf '\\0'; cat out.$i; printf '\\0'; done`,
    ]);
    const parts = stdout.split('\0');
    reports = Object.fromEntries(
      commands.map((c, i) => [c.split(' ')[0], { status: Number(parts[2 * i]), stdout: parts[2 * i + 1] }]),
    );
  }, TEST_MS);

  test('is eslint, prettier, dependency-cruiser and knip, each run only when the one before passed', () => {
    expect(commands.map((c) => c.split(' ')[0])).toEqual(['eslint', 'prettier', 'depcruise', 'knip']);
    expect(script).toBe(commands.join(' && '));
  });

  test('fails when modules/detect imports modules/correct, naming the rule and the import', () => {
    expect(reports.eslint.status).toBe(0);
    expect(reports.prettier.stdout).toContain(PRETTIER_PASSED);
    expect(reports.depcruise.status).not.toBe(0);
    expect(reports.depcruise.stdout).toContain('error layers-independent: modules/detect/rule.ts → modules/correct/fix.ts');
    expect(reports.depcruise.stdout).toContain('x 1 dependency violations');
  });

  test('fails on an export nothing imports, and on nothing else in that tree', () => {
    expect(reports.knip.status).not.toBe(0);
    expect(reports.knip.stdout.trim()).toMatch(/^Unused exports \(1\)\nUNUSED\s+modules\/shared\/names\.ts:2:14$/);
  });
});

describe('dependency rules', () => {
  test(
    'flag exactly the imports that cross the architecture, and allow the ones it is built on',
    () => {
      // GIVEN a tree with every allowed kind of import and one planted fault per rule
      const tree: Tree = {
        // allowed: composition, the contract, detect bundling the Lambda, tests and scripts using the harness
        'main.ts': imports('./modules/stacks/app'),
        'modules/stacks/app.ts': imports(
          '../prevent/policy',
          '../detect/rule',
          '../correct/fix',
          '../org/guardrails',
          '../review/flags',
          '../../config/schema',
        ),
        'modules/prevent/policy.ts': imports('../shared/names', '../../lambda/ami-compliance/contract'),
        'modules/shared/names.ts': "export const PREFIX = 'ami-guard';\n",
        'modules/detect/helper.ts': imports('../shared/names'),
        'lambda/ami-compliance/build.ts': imports('./index'),
        'lambda/ami-compliance/index.ts': imports('./evaluate'),
        'lambda/ami-compliance/params.ts': 'export const PARAMS = 0;\n',
        'e2e/harness.ts': 'export const harness = 0;\n',
        '__tests__/app.test.ts': imports('../e2e/harness', '../test-support/synth', '../modules/stacks/app'),
        'scripts/e2e.ts': imports('../e2e/harness'),
        'demo/run.ts': imports('../e2e/harness', '../test-support/synth', '../modules/stacks/app'),
        'scripts/demo.ts': imports('../demo/run'),
        // planted, one per rule (the allowed imports of the same files come first)
        'modules/detect/rule.ts': imports('./helper', '../shared/names', '../../lambda/ami-compliance/build', '../correct/fix'),
        'modules/correct/fix.ts': imports('../shared/names', '../../lambda/ami-compliance/params'),
        'modules/org/guardrails.ts': imports('../shared/names', '../prevent/policy'),
        'modules/review/flags.ts': imports('../prevent/policy'),
        'modules/shared/uses-a-layer.ts': imports('../detect/rule'),
        'modules/stacks/a.ts': imports('./b'),
        'modules/stacks/b.ts': imports('./a'),
        'modules/detect/leftover.ts': 'export const nothing = 0;\n',
        'config/schema.ts': imports('../lambda/ami-compliance/contract', '../test-support/synth'),
        'lambda/ami-compliance/contract.ts': imports('./params'),
        'lambda/ami-compliance/evaluate.ts': imports('./params', '../../modules/shared/names'),
        'test-support/synth.ts': imports('../e2e/harness'),
        'demo/peek.ts': imports('./run', '../__tests__/app.test'),
        'test-support/demo-user.ts': imports('../demo/run'),
      };
      // WHEN dependency-cruiser runs with the repository's configuration
      const { stdout } = runIn(tree, path.join(ROOT, 'node_modules', '.bin', 'depcruise'), [
        '--config',
        '.dependency-cruiser.cjs',
        '--output-type',
        'json',
        '.',
      ]);
      // THEN each planted fault is reported under its rule, and nothing else
      const { violations } = JSON.parse(stdout).summary as { violations: { rule: { name: string }; from: string; to: string }[] };
      const found = violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
      expect(found).toEqual([
        'contract-dependency-free: lambda/ami-compliance/contract.ts -> lambda/ami-compliance/params.ts',
        'demo-not-into-tests: demo/peek.ts -> __tests__/app.test.ts',
        'demo-used-by-scripts-and-tests-only: test-support/demo-user.ts -> demo/run.ts',
        'lambda-self-contained: lambda/ami-compliance/evaluate.ts -> modules/shared/names.ts',
        'layers-independent: modules/correct/fix.ts -> lambda/ami-compliance/params.ts',
        'layers-independent: modules/detect/rule.ts -> modules/correct/fix.ts',
        'layers-independent: modules/org/guardrails.ts -> modules/prevent/policy.ts',
        'no-circular: modules/stacks/a.ts -> modules/stacks/b.ts',
        'no-orphans: modules/detect/leftover.ts -> modules/detect/leftover.ts',
        'product-not-to-test-code: config/schema.ts -> test-support/synth.ts',
        'review-reads-plans-only: modules/review/flags.ts -> modules/prevent/policy.ts',
        'shared-below-layers: modules/shared/uses-a-layer.ts -> modules/detect/rule.ts',
        'tests-and-harness-imported-by-tests-only: test-support/synth.ts -> e2e/harness.ts',
      ]);
    },
    TEST_MS,
  );
});
