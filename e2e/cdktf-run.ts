/**
 * One account stack through the commands teams run, `npx cdktf deploy` and `npx cdktf destroy`, in a
 * cdktf project whose app is the production app wired to the emulator (e2e/emulator-app.ts). cdktf
 * synthesizes, then runs terraform init, plan and apply itself. Both commands get
 * `--skip-provider-lock`: the provider comes from a filesystem mirror, and without the flag cdktf runs
 * `terraform providers lock` for every platform against the public registry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EMULATOR_URL_ENV } from './emulator-app';
import { seconds, type StackCheck, type StackResult, type StepResult } from './stack';
import { commandOnState, errorText, terraform, TIMEOUTS, type CommandResult } from './terraform';

const REPO_ROOT = path.resolve(__dirname, '..');

export interface CdktfRunOptions {
  /** The stack to deploy, as `cdktf deploy <stack>` names it. */
  readonly stack: string;
  /** The account file (a production config; the app wires it to the emulator). */
  readonly configFile: string;
  readonly emulatorUrl: string;
  /** Where the cdktf project is made. */
  readonly workDir: string;
  /** Checks after deploy, given the synthesized stack directory. */
  readonly checks: (stackDir: string) => readonly StackCheck[];
  /** Environment of the commands (hermetic: see terraformEnv). */
  readonly env: NodeJS.ProcessEnv;
  readonly report: (line: string) => void;
  /** Width the name is padded to. @default name length */
  readonly nameWidth?: number;
  /** Called with the synthesized stack directory before deploy, to watch its state lock. @default none */
  readonly watchLock?: (stackDir: string) => void;
}

/** The flags both commands get: no prompt, no colour, no `terraform providers lock` against the registry. */
export const CDKTF_FLAGS = ['--auto-approve', '--skip-provider-lock', '--no-color'] as const;

/** The name a cdktf run reports under: the stack, and how it was deployed. */
export const cdktfRunName = (stack: string) => `${stack} (cdktf)`;

/** Deploys, checks and destroys one stack with the cdktf CLI; never throws for a failed step. */
export async function runWithCdktf(options: CdktfRunOptions): Promise<StackResult> {
  const name = cdktfRunName(options.stack);
  const steps: StepResult[] = [];
  const project = makeProject(options.workDir);
  const env = { ...options.env, AMI_GUARD_CONFIG: options.configFile, [EMULATOR_URL_ENV]: options.emulatorUrl };
  const stackDir = path.join(project, 'cdktf.out', 'stacks', options.stack);
  options.watchLock?.(stackDir);
  const record = (step: StepResult): boolean => {
    steps.push(step);
    const status = step.ok ? 'ok  ' : 'FAIL';
    options.report(
      `${name.padEnd(options.nameWidth ?? name.length)}  ${step.step.padEnd(8)} ${status} ${seconds(step.ms).padStart(7)}` +
        (step.detail ? `  ${step.detail}` : ''),
    );
    if (step.error) options.report(step.error.replace(/^/gm, '      '));
    return step.ok;
  };
  const cdktf = async (verb: 'deploy' | 'destroy', done: RegExp): Promise<boolean> => {
    const limit = TIMEOUTS.init + TIMEOUTS.plan + TIMEOUTS[verb === 'deploy' ? 'apply' : 'destroy'];
    const r = await commandOnState(stackDir, 'npx', project, ['cdktf', verb, options.stack, ...CDKTF_FLAGS], limit, env);
    fs.writeFileSync(path.join(project, `e2e-cdktf-${verb}.log`), `${r.stdout}\n${r.stderr}`);
    const summary = done.exec(r.stdout)?.[0];
    return record({
      step: verb,
      ok: r.code === 0 && summary !== undefined,
      ms: r.ms,
      detail:
        (r.timedOut
          ? `\`npx cdktf ${verb} ${options.stack}\` still running after ${seconds(r.ms)}: stopped at its safety limit of ${seconds(limit)}`
          : summary
            ? `npx cdktf ${verb}: ${summary}`
            : `npx cdktf ${verb} exited ${r.code}`) + (r.unlocked ? `; ${r.unlocked}` : ''),
      error: r.code === 0 && summary ? undefined : cdktfError(r),
    });
  };
  if (await cdktf('deploy', /Apply complete! Resources: \d+ added, \d+ changed, \d+ destroyed/)) {
    for (const check of options.checks(stackDir)) {
      const started = Date.now();
      try {
        record({ step: check.step, ok: true, ms: Date.now() - started, detail: await check.run() });
      } catch (err) {
        record({ step: check.step, ok: false, ms: Date.now() - started, detail: 'check failed', error: (err as Error).message });
        break;
      }
    }
  }
  // Destroy whatever the deploy got to create, even after a failed check.
  if (steps.length > 0 && (await cdktf('destroy', /Destroy complete! Resources: \d+ destroyed/))) {
    const list = await terraform(stackDir, ['state', 'list'], TIMEOUTS.state, env);
    const left = list.stdout.split('\n').filter((l) => l.trim() && !l.startsWith('data.'));
    record({
      step: 'emptied',
      ok: list.code === 0 && left.length === 0,
      ms: list.ms,
      detail: list.code === 0 ? `${left.length} resources left in state` : 'terraform state list failed',
      error: left.length > 0 ? left.join('\n') : list.code === 0 ? undefined : errorText(list),
    });
  }
  const failure = steps.find((s) => !s.ok);
  return { stack: name, ok: steps.length > 0 && !failure, steps, notApplied: [], failure };
}

/** A cdktf project: cdktf.json whose app is the emulator app, and the repository's node_modules. */
function makeProject(workDir: string): string {
  const project = path.join(workDir, 'cdktf-project');
  fs.mkdirSync(project, { recursive: true });
  const cdktf = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdktf.json'), 'utf8')) as Record<string, unknown>;
  const app = `node --require tsx/cjs ${JSON.stringify(path.join(__dirname, 'emulator-app.ts'))}`;
  fs.writeFileSync(path.join(project, 'cdktf.json'), JSON.stringify({ ...cdktf, app, output: 'cdktf.out' }, null, 2));
  fs.symlinkSync(fs.realpathSync(path.join(REPO_ROOT, 'node_modules')), path.join(project, 'node_modules'));
  return project;
}

/** Terraform's error blocks when cdktf ran it, else the end of cdktf's own output. */
function cdktfError(result: CommandResult): string {
  const text = `${result.stdout}\n${result.stderr}`;
  if (/Error: /.test(text)) return errorText({ ...result, stderr: text });
  return text.trim().split('\n').slice(-20).join('\n');
}
