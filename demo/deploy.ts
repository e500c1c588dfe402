/**
 * The demo's deployment: the demo config synthesized exactly as production does, wired to moto from
 * outside (e2e/emulator-wiring.ts), then applied stack by stack with the real Terraform of the repo's
 * terraform.rc, through the e2e harness's StackRun (what moto cannot apply is planned, not applied:
 * e2e/moto-gaps.ts). Destroyed in reverse order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../config/load';
import { AmiGuardConfig, ORGANIZATION_STACK, STATE_BACKEND_STACK } from '../config/schema';
import { Emulator } from '../e2e/emulator';
import { expectedScps, OrganizationFixture } from '../e2e/organization';
import { StackCheck, StackRun } from '../e2e/stack';
import { nonLocalSettings, readStack, SynthesizedStack, synthesize } from '../e2e/synth';
import { terraformEnv } from '../e2e/terraform';
import { groupByGap } from '../e2e/variant';

/** The demo's account file. */
export const DEMO_CONFIG = path.join(__dirname, 'accounts.demo.json');

export interface Deployment {
  readonly config: AmiGuardConfig;
  /** The validated config file, with moto's organization IDs (the review step synthesizes a change of it). */
  readonly rawConfig: Record<string, unknown>;
  readonly stacks: readonly SynthesizedStack[];
  /** The applied stacks, in the order they were applied. */
  readonly runs: readonly StackRun[];
}

/** What one applied stack holds, as a result line: `demo-prod: 28 added; planned, not applied (...)`. */
function appliedLine(run: StackRun): string {
  const result = run.result();
  if (!result.ok) return `${run.name}: FAILED at ${result.failure?.step}: ${result.failure?.detail}`;
  const apply = result.steps.find((s) => s.step === 'apply');
  const gaps = [...groupByGap(result.notApplied)].map(([why, addresses]) => `${addresses.length} planned, not applied (${why})`);
  return [`${run.name}: ${apply?.detail.split(';')[0] ?? 'applied'}`, ...gaps].join('; ');
}

/**
 * Synthesizes and applies the demo config against moto at `url`. Lines of the harness go to
 * `progress`, one summary per stack to `result`. Throws when a stack fails (after its cleanup was
 * registered: destroy() still removes what was applied).
 */
export async function deploy(options: {
  readonly configFile: string;
  readonly url: string;
  readonly workDir: string;
  readonly progress: (line: string) => void;
  readonly result: (line: string) => void;
  /** Receives each StackRun as it starts, so an interrupted demo can destroy it. */
  readonly started: (run: StackRun) => void;
}): Promise<Deployment> {
  const raw = JSON.parse(fs.readFileSync(options.configFile, 'utf8')) as Record<string, unknown> & {
    organization?: { targets: { id: string }[] };
  };
  // The organization exists before AMI Guard runs; its OU IDs are moto's, put in place of the config's.
  let fixture: OrganizationFixture | undefined;
  if (raw.organization) {
    fixture = new OrganizationFixture(options.url, 'us-east-1');
    const ids = await fixture.create(raw.organization.targets.map((t) => t.id));
    for (const target of raw.organization.targets) target.id = ids.get(target.id)!;
  }
  const config = parseConfig(raw, options.configFile);
  const stacks = synthesize(config, path.join(options.workDir, 'cdktf.out'), options.url);
  for (const stack of stacks) {
    const problems = nonLocalSettings(readStack(stack), options.url);
    if (problems.length > 0) throw new Error(`refusing to deploy ${stack.name}: ${problems.join('; ')}`);
  }
  const emulator = new Emulator(options.url, config.backend.region);
  for (const account of config.accounts)
    for (const [kind, names] of [
      ['role', account.attachTo.roles],
      ['group', account.attachTo.groups],
      ['user', account.attachTo.users],
    ] as const)
      for (const name of names) await emulator.ensurePrincipal(kind, name);

  const env = terraformEnv();
  const width = Math.max(...stacks.map((s) => s.name.length));
  const runs: StackRun[] = [];
  const order = [
    ...stacks.filter((s) => s.name === STATE_BACKEND_STACK),
    ...stacks.filter((s) => s.name !== STATE_BACKEND_STACK && s.name !== ORGANIZATION_STACK),
    ...stacks.filter((s) => s.name === ORGANIZATION_STACK),
  ];
  const runFor = (stack: SynthesizedStack): StackRun => {
    const checks: StackCheck[] = [];
    if (stack.name === ORGANIZATION_STACK && fixture && config.organization) {
      const organization = config.organization;
      const f = fixture;
      checks.push({
        step: 'scps',
        run: () => {
          const json = readStack(stack);
          const contents = new Map(
            Object.values(json.resource?.aws_organizations_policy ?? {}).map((p) => [String(p.name), String(p.content)]),
          );
          return f.checkScps(expectedScps(organization, contents));
        },
      });
    }
    const run = new StackRun({
      name: stack.name,
      dir: stack.dir,
      report: options.progress,
      checks,
      env,
      nameWidth: width,
      stateBuckets: [config.backend.bucket],
      quick: true,
    });
    runs.push(run);
    options.started(run);
    return run;
  };
  const apply = async (run: StackRun) => {
    const ok = await run.deploy();
    options.result(appliedLine(run));
    if (!ok) throw new Error(`${run.name} did not deploy; Terraform's error is above`);
  };
  // The state backend first (the others keep their state in it); then the account and organization
  // stacks side by side: they share nothing but the state bucket.
  const [backend, ...rest] = order;
  await apply(runFor(backend));
  const results = await Promise.allSettled(rest.map((stack) => apply(runFor(stack))));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return { config, rawConfig: raw, stacks, runs };
}

/**
 * Destroys the applied stacks: the state backend last (it holds the others' state), the others side
 * by side. Returns the stacks whose destroy failed.
 */
export async function destroyAll(runs: readonly StackRun[], result: (line: string) => void): Promise<string[]> {
  const failed: string[] = [];
  const destroy = async (run: StackRun) => {
    const ok = await run.destroy();
    const last = run.result().steps.at(-1);
    result(`${run.name}: ${ok ? (last?.detail ?? 'nothing to destroy') : `destroy FAILED: ${last?.detail}`}`);
    if (!ok) failed.push(run.name);
  };
  const backend = runs.filter((r) => r.name === STATE_BACKEND_STACK);
  await Promise.all(runs.filter((r) => !backend.includes(r)).map(destroy));
  for (const run of backend) await destroy(run);
  return failed;
}
