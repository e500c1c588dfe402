/**
 * One stack through Terraform against the emulator: init, validate, plan the full stack, apply the
 * variant moto can apply, check, plan again (must be empty), destroy. Each step prints one line; a
 * failed step prints Terraform's own error text under it and stops the stack.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MOTO_GAPS, MotoGap } from './moto-gaps';
import {
  CommandResult,
  errorText,
  parseJsonPlan,
  stackTimeouts,
  terraform,
  terraformEnv,
  TIMEOUTS,
  warningsOf,
} from './terraform';
import { TerraformJson } from '../test-support/terraform-json';
import { applyVariant, configAddress, groupByGap, Skipped } from './variant';

/** A check run after apply, e.g. "the state object is in the bucket"; returns its detail or throws. */
export interface StackCheck {
  /** Step name printed in the line, e.g. `state`. */
  readonly step: string;
  readonly run: () => Promise<string>;
}

export interface StackRunOptions {
  /** The stack's name, as printed. */
  readonly name: string;
  /** The synthesized stack directory holding cdk.tf.json. */
  readonly dir: string;
  /** Receives one finished line at a time. */
  readonly report: (line: string) => void;
  /** What moto cannot apply. @default MOTO_GAPS */
  readonly gaps?: readonly MotoGap[];
  /** Buckets holding Terraform state during the run (see the bucket-policy gap). @default [] */
  readonly stateBuckets?: readonly string[];
  /** Checks after apply. @default none */
  readonly checks?: readonly StackCheck[];
  /** Per-command time limits in ms. @default stackTimeouts(the stack): TIMEOUTS, scaled by its provider configurations */
  readonly timeouts?: Partial<Record<keyof typeof TIMEOUTS, number>>;
  /** Environment of the terraform commands. @default terraformEnv() */
  readonly env?: NodeJS.ProcessEnv;
  /** Width the stack name is padded to, so lines of several stacks align. @default name length */
  readonly nameWidth?: number;
  /**
   * Only init and apply (then the checks), and destroy without refresh: no validate, no full plan, no
   * second plan. For `npm run demo`, which shows a deployment; the suite proves the rest. @default false
   */
  readonly quick?: boolean;
}

/** One finished step. */
export interface StepResult {
  readonly step: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail: string;
  /** Terraform's error text (or the check's message) when the step failed. */
  readonly error?: string;
}

/** What happened to one stack. */
export interface StackResult {
  readonly stack: string;
  readonly ok: boolean;
  readonly steps: readonly StepResult[];
  /** Resources planned in the full stack but not applied, with the moto gap behind each. */
  readonly notApplied: readonly Skipped[];
  /** The first failed step. */
  readonly failure?: StepResult;
}

class StepFailure extends Error {}

const LOCK_TIMEOUT = '-lock-timeout=60s';
const FULL_CONFIG = 'cdk.tf.json.full';

/** A duration for the run's report, e.g. `12.3 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
}

/** Expected with a filesystem mirror: it holds one platform, so the lock file records one checksum. */
const MIRROR_LOCK_WARNING = 'Incomplete lock file information for providers';

/** A step's detail, followed by the distinct Terraform warnings of its command (but the expected ones). */
function withWarnings(detail: string, result: CommandResult, ...expected: string[]): string {
  const warnings = warningsOf(result).filter((w) => !expected.includes(w));
  return [detail, ...warnings.map((w) => `warning: ${w}`)].filter(Boolean).join('; ');
}

/** The resource changes of a human-readable plan: from "Terraform will perform" to "Plan:". */
function diffOf(stdout: string): string {
  const start = stdout.search(/^(Terraform used the selected providers|Terraform will perform|Note: Objects have changed)/m);
  const end = stdout.search(/^Plan: .*$/m);
  const text = stdout.slice(start >= 0 ? start : 0, end >= 0 ? stdout.indexOf('\n', end) : undefined).trim();
  const lines = text.split('\n');
  return lines.length > 80 ? [...lines.slice(0, 80), `... (${lines.length - 80} more lines)`].join('\n') : text;
}

/** Runs one stack; `deploy()` then `destroy()`. */
export class StackRun {
  private readonly steps: StepResult[] = [];
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeouts: typeof TIMEOUTS;
  private skipped: readonly Skipped[] = [];
  private notApplied: Skipped[] = [];
  private appliedCount = 0;
  private applyAttempted = false;

  constructor(private readonly options: StackRunOptions) {
    this.env = options.env ?? terraformEnv();
    const stack = JSON.parse(fs.readFileSync(path.join(options.dir, 'cdk.tf.json'), 'utf8')) as TerraformJson;
    this.timeouts = { ...stackTimeouts(stack), ...options.timeouts };
  }

  get name(): string {
    return this.options.name;
  }

  /** The result so far. */
  result(): StackResult {
    const failure = this.steps.find((s) => !s.ok);
    return {
      stack: this.name,
      ok: this.steps.length > 0 && !failure,
      steps: [...this.steps],
      notApplied: [...this.notApplied],
      failure,
    };
  }

  private line(text: string): void {
    this.options.report(`${this.name.padEnd(this.options.nameWidth ?? this.name.length)}  ${text}`);
  }

  private record(step: StepResult): void {
    this.steps.push(step);
    const status = step.ok ? 'ok  ' : 'FAIL';
    this.line(`${step.step.padEnd(8)} ${status} ${seconds(step.ms).padStart(7)}${step.detail ? `  ${step.detail}` : ''}`);
    if (step.error) this.options.report(indent(step.error));
  }

  private async tf(
    step: string,
    args: string[],
    timeout: number,
    judge: (r: CommandResult) => { ok: boolean; detail: string; error?: string },
  ): Promise<CommandResult> {
    const result = await terraform(this.options.dir, args, timeout, this.env);
    // The whole output stays in the stack dir (kept when a stack fails) for whoever debugs it.
    fs.writeFileSync(
      path.join(this.options.dir, `e2e-${step}.log`),
      `$ terraform ${args.join(' ')}\n${result.stdout}\n${result.stderr}`,
    );
    let verdict = judge(result);
    if (result.timedOut) {
      verdict = {
        ok: false,
        detail: `\`terraform ${args.join(' ')}\` still running after ${seconds(result.ms)}: stopped at its safety limit of ${seconds(timeout)}`,
        error: errorText(result),
      };
    }
    if (result.unlocked) verdict = { ...verdict, detail: `${verdict.detail}; ${result.unlocked}` };
    this.record({ step, ok: verdict.ok, ms: result.ms, detail: verdict.detail, error: verdict.error });
    if (!verdict.ok) throw new StepFailure(step);
    return result;
  }

  private plain(
    step: string,
    args: string[],
    timeout: number,
    detail: (r: CommandResult) => string = () => '',
  ): Promise<CommandResult> {
    return this.tf(step, args, timeout, (r) =>
      r.code === 0
        ? { ok: true, detail: detail(r) }
        : { ok: false, detail: `terraform ${args[0]} exited ${r.code}`, error: errorText(r) },
    );
  }

  /**
   * init, validate, full plan, apply of the moto variant, checks, and a second plan that must be
   * empty. Returns false at the first failed step.
   */
  async deploy(): Promise<boolean> {
    try {
      await this.plain('init', ['init', '-input=false', '-no-color'], this.timeouts.init, (r) =>
        withWarnings('', r, MIRROR_LOCK_WARNING),
      );
      if (this.options.quick) {
        this.writeVariant();
        this.applyAttempted = true;
        const applied = await this.plain(
          'apply',
          ['apply', '-auto-approve', '-input=false', '-no-color', LOCK_TIMEOUT],
          this.timeouts.apply,
          (r) => withWarnings(/^Apply complete! Resources: (.*)\.$/m.exec(r.stdout)?.[1] ?? '', r),
        );
        this.appliedCount = Number(/^Apply complete! Resources: (\d+) added/m.exec(applied.stdout)?.[1] ?? 0);
        this.notApplied = [...this.skipped];
        for (const [reason, addresses] of groupByGap(this.skipped)) {
          this.line(`planned, not applied (${reason}): ${addresses.join(', ')}`);
        }
        for (const check of this.options.checks ?? []) await this.check(check);
        return true;
      }
      await this.plain('validate', ['validate', '-no-color'], this.timeouts.validate, (r) => withWarnings('', r));
      const planned = await this.planFull();
      this.writeVariant();
      this.applyAttempted = true;
      await this.plain('apply', ['apply', '-auto-approve', '-input=false', '-no-color', LOCK_TIMEOUT], this.timeouts.apply, (r) =>
        withWarnings(/^Apply complete! Resources: (.*)\.$/m.exec(r.stdout)?.[1] ?? '', r),
      );
      await this.compareApplied(planned);
      for (const check of this.options.checks ?? []) await this.check(check);
      await this.tf(
        'replan',
        ['plan', '-detailed-exitcode', '-input=false', '-no-color', LOCK_TIMEOUT],
        this.timeouts.plan,
        (r) => {
          if (r.code === 0) return { ok: true, detail: withWarnings('no changes', r) };
          if (r.code === 2) {
            return {
              ok: false,
              detail: `perpetual diff right after apply: ${/^Plan: (.*?)\.?$/m.exec(r.stdout)?.[1] ?? 'changes'}`,
              error: diffOf(r.stdout),
            };
          }
          return { ok: false, detail: `terraform plan exited ${r.code}`, error: errorText(r) };
        },
      );
      return true;
    } catch (err) {
      if (!(err instanceof StepFailure))
        this.record({
          step: 'harness',
          ok: false,
          ms: 0,
          detail: 'unexpected error',
          error: (err as Error).stack ?? String(err),
        });
      return false;
    }
  }

  /** Destroys what apply created; after a failed deploy it is a best-effort cleanup. */
  async destroy(): Promise<boolean> {
    if (!this.applyAttempted) return true;
    const cleanup = !this.result().ok;
    const args = [
      'destroy',
      '-auto-approve',
      '-input=false',
      '-no-color',
      LOCK_TIMEOUT,
      ...(this.options.quick ? ['-refresh=false'] : []),
    ];
    try {
      await this.tf(cleanup ? 'cleanup' : 'destroy', args, this.timeouts.destroy, (r) => {
        if (r.code !== 0) return { ok: false, detail: `terraform destroy exited ${r.code}`, error: errorText(r) };
        const destroyed = Number(/Resources: (\d+) destroyed/.exec(r.stdout)?.[1] ?? 0);
        if (!cleanup && destroyed !== this.appliedCount) {
          return {
            ok: false,
            detail: `destroyed ${destroyed} resources, but apply left ${this.appliedCount} in state`,
            error: r.stdout.trim(),
          };
        }
        return { ok: true, detail: `${destroyed} destroyed` };
      });
      return true;
    } catch (err) {
      if (!(err instanceof StepFailure)) throw err;
      return false;
    }
  }

  private async planFull(): Promise<string[]> {
    const result = await this.tf('plan', ['plan', '-json', '-input=false', LOCK_TIMEOUT], this.timeouts.plan, (r) => {
      const plan = parseJsonPlan(r.stdout);
      if (r.code !== 0 || plan.errors.length > 0) {
        return { ok: false, detail: `terraform plan exited ${r.code}`, error: plan.errors.join('\n\n') || errorText(r) };
      }
      return {
        ok: true,
        detail: [`${plan.changes.length} to create (full stack)`, ...plan.warnings.map((w) => `warning: ${w}`)].join('; '),
      };
    });
    const plan = parseJsonPlan(result.stdout);
    const notCreate = plan.changes.filter((c) => c.action !== 'create');
    if (notCreate.length > 0) {
      this.record({
        step: 'plan',
        ok: false,
        ms: 0,
        detail: 'the first plan must only create (is the state key shared with another stack?)',
        error: notCreate.map((c) => `${c.action} ${c.address}`).join('\n'),
      });
      throw new StepFailure('plan');
    }
    return plan.changes.map((c) => c.address);
  }

  /** Replaces cdk.tf.json by the variant moto can apply; the full stack stays as cdk.tf.json.full. */
  private writeVariant(): void {
    const file = path.join(this.options.dir, 'cdk.tf.json');
    const full = JSON.parse(fs.readFileSync(file, 'utf8')) as TerraformJson;
    const variant = applyVariant(full, { gaps: this.options.gaps ?? MOTO_GAPS, stateBuckets: this.options.stateBuckets });
    this.skipped = variant.skipped;
    if (variant.skipped.length === 0) return;
    fs.renameSync(file, path.join(this.options.dir, FULL_CONFIG));
    fs.writeFileSync(file, JSON.stringify(variant.json, null, 2));
  }

  /** Full plan vs state after apply: every planned resource is applied or explained by a moto gap. */
  private async compareApplied(planned: readonly string[]): Promise<void> {
    const list = await terraform(this.options.dir, ['state', 'list'], this.timeouts.state, this.env);
    if (list.code !== 0) {
      this.record({ step: 'applied', ok: false, ms: list.ms, detail: 'terraform state list failed', error: errorText(list) });
      throw new StepFailure('applied');
    }
    const inState = new Set(
      list.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('data.')),
    );
    this.appliedCount = inState.size;
    const expected = new Map(this.skipped.map((s) => [s.address, s]));
    const missing = planned.filter((a) => !inState.has(a));
    this.notApplied = missing.map((a) => expected.get(configAddress(a))).filter((s): s is Skipped => s !== undefined);
    const unexplained = missing.filter((a) => !expected.has(configAddress(a)));
    const ok = unexplained.length === 0;
    this.record({
      step: 'applied',
      ok,
      ms: list.ms,
      detail: `${planned.length - missing.length} of ${planned.length} planned resources in state`,
      error: ok ? undefined : `planned but not in state after apply, and not a known moto gap:\n${unexplained.join('\n')}`,
    });
    for (const [reason, addresses] of groupByGap(this.skipped)) {
      this.line(`planned, not applied (${reason}): ${addresses.join(', ')}`);
    }
    if (!ok) throw new StepFailure('applied');
  }

  private async check(check: StackCheck): Promise<void> {
    const started = Date.now();
    try {
      const detail = await check.run();
      this.record({ step: check.step, ok: true, ms: Date.now() - started, detail });
    } catch (err) {
      this.record({
        step: check.step,
        ok: false,
        ms: Date.now() - started,
        detail: 'check failed',
        error: (err as Error).message,
      });
      throw new StepFailure(check.step);
    }
  }
}
