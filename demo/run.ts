/**
 * `npm run demo`: every line of defence of AMI Guard on this machine, against moto, with no AWS
 * account. Each step says what it proves and where its doc is; the demo checks its own claims (the
 * verdicts, the simulated decisions, the notice, the review flag, the report agreeing with the sweep)
 * and exits 1 when one does not hold, so `npm run e2e` runs it to keep it from rotting. Everything is destroyed and moto stopped at the
 * end, on failure, and on Ctrl-C (moto holds everything in memory; the work folder is removed).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ORGANIZATION_STACK, STATE_BACKEND_STACK } from '../config/schema';
import { MotoServer, startMoto } from '../e2e/moto';
import { missingPrerequisites } from '../e2e/prerequisites';
import type { StackRun } from '../e2e/stack';
import { killAllCommands } from '../e2e/terraform';
import { pythonUnavailableReason } from '../test-support/runbook';
import { removeTempDirs } from '../test-support/temp';
import { deployedRunbook, ownerNotice } from './correct';
import { DEMO_CONFIG, deploy, destroyAll } from './deploy';
import { check, DeployedRule, deployedRule, sweep } from './detect';
import { createFleet, EXPECTED_VERDICT, FLEET_LABEL, FLEET_ROLES } from './fleet';
import { narrator, table } from './narrate';
import { outputString, stackOutputs } from './outputs';
import { simulateDeployedPolicies } from './prevent';
import { reportFleet, verdictDifferences } from './report';
import { reviewChange } from './review';

export interface DemoOptions {
  /** Leave moto running (and the stacks deployed) at the end, with the endpoint printed. @default false */
  readonly keep?: boolean;
  /** Only headings and results, for CI. @default false */
  readonly quiet?: boolean;
  /** The account file to deploy. @default demo/accounts.demo.json */
  readonly configFile?: string;
}

/** A claim of the demo that did not hold. */
class DemoFailure extends Error {}

function expect(ok: boolean, message: string): void {
  if (!ok) throw new DemoFailure(message);
}

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

/** Runs the demo; resolves to the exit code. */
export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const say = narrator({ quiet: options.quiet ?? false });
  const started = Date.now();
  const missing = [...missingPrerequisites(), pythonUnavailableReason()].filter((m): m is string => m !== undefined);
  if (missing.length > 0) {
    console.error(`npm run demo needs, on this machine:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    return 1;
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-demo-'));
  // Scratch files of the runbook walk (test-support) land in the work folder, removed with it.
  const savedTmp = process.env.TMPDIR;
  const scratch = path.join(workDir, 'tmp');
  fs.mkdirSync(scratch);
  process.env.TMPDIR = scratch;
  let moto: MotoServer | undefined;
  let rule: DeployedRule | undefined;
  const runs: StackRun[] = [];
  let kept = false;
  let interrupted = false;
  /** Terraform's lines, kept to show on a failure even in quiet mode. */
  const progress: string[] = [];

  const cleanUp = async () => {
    await rule?.proxy.close();
    if (!kept) {
      await moto?.stop();
      removeTempDirs();
      fs.rmSync(workDir, { recursive: true, force: true });
    }
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    process.stdout.write(`\n${signal}: stopping Terraform and moto (moto holds every resource in memory), removing ${workDir}\n`);
    interrupted = true;
    killAllCommands('SIGTERM');
    kept = false;
    void cleanUp().finally(() => {
      killAllCommands('SIGKILL');
      process.exit(128 + (os.constants.signals[signal] ?? 15));
    });
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.once(signal, onSignal);

  try {
    say.result(`AMI Guard demo: load average ${loadAverage()} (1 / 5 / 15 min) on ${os.cpus().length} cores`);

    say.section(
      'Deploy with Terraform, into a local AWS',
      'the stacks are plain Terraform: the state backend, one account in stop mode and the organization guardrails apply with the repo terraform.rc',
      'operations.md#deploying',
    );
    moto = await startMoto({
      logFile: path.join(workDir, 'moto.log'),
      outliveProcess: options.keep,
      // AWS managed policies (AWS_ConfigRole, AWSLambdaBasicExecutionRole, ...) exist in moto only with this.
      env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
    });
    say.result(`moto ${moto.url}; work folder ${workDir}`);
    const deployment = await deploy({
      configFile: options.configFile ?? DEMO_CONFIG,
      url: moto.url,
      workDir,
      progress: (line) => {
        progress.push(line);
        say.detail(line);
      },
      result: (line) => say.result(line),
      started: (run) => runs.push(run),
    });
    const account = deployment.config.accounts[0];
    const accountStack = deployment.stacks.find((s) => s.name === account.stackName)!;
    const outputs = await stackOutputs(accountStack.dir);
    // Step 5's plan of a changed config needs only the applied state: Terraform plans it while the
    // steps before it run. Its outcome is read (and a failure reported) in step 5.
    const reviewed = reviewChange({
      rawConfig: deployment.rawConfig,
      edit: (raw) => {
        const accounts = raw.accounts as { approval: { tagValues: string[] } }[];
        accounts[0].approval.tagValues = [...accounts[0].approval.tagValues, 'Staging'];
      },
      stack: account.stackName,
      url: moto.url,
      workDir,
    }).then(
      (value) => ({ value }),
      (error: Error) => ({ error }),
    );

    say.section(
      'Detect: the Config rule sweeps a small fleet',
      "the rule's own Lambda bundle, with the deployed function's settings and rule parameters, judges every instance and says why",
      'detect.md',
    );
    const now = new Date();
    const fleet = await createFleet(moto.url, account.region, account.detection.exceptionTagKey, now);
    say.result(
      `fleet: golden AMI ${fleet.images.golden} (Environment=Prod), unapproved ${fleet.images.unapproved}, deregistered ${fleet.images.deregistered}`,
    );
    rule = await deployedRule({
      url: moto.url,
      region: account.region,
      workDir,
      ruleName: outputString(outputs, 'config_rule_name'),
      functionArn: outputString(outputs, 'rule_function_arn'),
    });
    const verdicts = await sweep(rule, account.accountId, now);
    const rows = [['instance', 'what it is', 'verdict', 'expected']];
    for (const role of FLEET_ROLES) {
      const id = fleet.instances[role];
      rows.push([id, FLEET_LABEL[role], verdicts.get(id)?.ComplianceType ?? 'none', EXPECTED_VERDICT[role]]);
    }
    say.result(table(rows).replace(/\n/g, '\n   '));
    say.result('annotations (what Config shows each owner):');
    for (const role of FLEET_ROLES) say.result(`  ${fleet.instances[role]}: ${verdicts.get(fleet.instances[role])?.Annotation}`);
    for (const role of FLEET_ROLES) {
      const got = verdicts.get(fleet.instances[role])?.ComplianceType;
      expect(got === EXPECTED_VERDICT[role], `the instance ${FLEET_LABEL[role]} is ${got}, expected ${EXPECTED_VERDICT[role]}`);
    }

    say.section(
      'Prevent: the deployed launch policy and tag guard, simulated',
      'IAM would refuse the unapproved AMI and allow the golden one, and a developer cannot approve an AMI by tagging it',
      'prevent.md',
    );
    const decisions = await simulateDeployedPolicies({
      url: moto.url,
      region: account.region,
      accountId: account.accountId,
      launchPolicyArn: outputString(outputs, 'launch_policy_arn'),
      tagGuardPolicyArn: outputString(outputs, 'image_tag_guard_policy_arn'),
      tagKey: account.approval.tagKey,
      tagValue: account.approval.tagValues[0],
      golden: fleet.images.golden,
      unapproved: fleet.images.unapproved,
    });
    for (const d of decisions) say.result(`${d.result.padEnd(16)} ${d.what}`);
    for (const d of decisions) expect(d.result === d.expected, `iam-simulate: ${d.what} is ${d.result}, expected ${d.expected}`);

    say.section(
      'Correct: the runbook re-checks a non-compliant instance and tells its owner',
      'remediation never acts on a stale finding: check mode judges the instance afresh, then the notice names the owner, the reason, the fix and the deadline',
      'correct.md',
    );
    const { doc, graceHours } = await deployedRunbook(
      moto.url,
      account.region,
      outputString(outputs, 'remediation_document_name'),
    );
    const target = fleet.instances.unapproved;
    const answer = await check(rule, target, 'stop', graceHours);
    say.result(
      `check mode on ${target}: ${answer.compliance}, verdict ${answer.verdict}, phase ${answer.phase}, owner ${answer.owner}`,
    );
    expect(answer.verdict === 'REMEDIATE', `check mode answered ${answer.verdict} for ${target}, expected REMEDIATE`);
    const notice = await ownerNotice({
      url: moto.url,
      region: account.region,
      accountId: account.accountId,
      doc,
      topicArn: outputString(outputs, 'remediation_topic_arn'),
      answer,
      now,
    });
    say.result(`runbook steps: ${notice.steps.join(' -> ')}`);
    say.result(`notice ${notice.text.split('\n')[0]}`);
    say.result('the notice its owner gets (its SNS message attributes let remediation.routes send it to team payments only):');
    say.detail(notice.text);
    expect(
      notice.text.includes(target) && notice.text.includes('alice@example.org'),
      'the notice does not name the instance and its owner',
    );

    say.section(
      'Review: a pull request adds an approved tag value',
      "the review reads Terraform's own plan and flags what loosens a defence before anyone applies it",
      'review.md',
    );
    const review = await reviewed;
    if ('error' in review) throw review.error;
    const { comment, flags } = review.value;
    for (const f of flags.filter((f) => f.severity !== 'info')) say.result(`${f.severity.padEnd(8)} ${f.code}: ${f.message}`);
    if (flags.some((f) => f.address.startsWith('aws_config_remediation_configuration.'))) {
      say.result(
        '(the remediation configuration plans as a create: moto cannot hold one, see docs/limits.md#what-moto-cannot-do)',
      );
    }
    say.detail(comment);
    expect(
      flags.some((f) => f.severity === 'high' && f.code === 'launch-policy-widened'),
      'the review of an added tag value raised no high launch-policy-widened flag',
    );

    say.section(
      'Report: the fleet report judges as the rule does',
      "`npm run report`'s agentless scan of the fleet in moto, with the rule's own evaluator, reaches the sweep's verdict and reason for every instance",
      'report.md',
    );
    const written = await reportFleet({ config: deployment.config, url: moto.url, out: path.join(workDir, 'report'), now });
    const totals = written.report.totals;
    say.result(
      `report.json: ${written.report.status}, ${totals.accounts} account(s), ${totals.regions} region(s), ${totals.instances} instances: ${totals.compliant} COMPLIANT, ${totals.nonCompliant} NON_COMPLIANT, ${totals.notApplicable} NOT_APPLICABLE`,
    );
    say.result(
      `report.html: ${written.files.find((f) => f.endsWith('report.html'))}${options.keep ? '' : ' (removed with the work folder; --keep keeps it)'}`,
    );
    const differences = verdictDifferences(written.report.findings, verdicts);
    for (const d of differences) say.result(`differs: ${d}`);
    expect(written.report.status === 'complete', `the report is ${written.report.status}, expected complete`);
    expect(differences.length === 0, `the report and the sweep disagree on ${differences.length} instance(s)`);
    say.result(`the report's ${totals.instances} verdicts and reasons equal the sweep's`);

    say.section(
      options.keep ? 'Left running (--keep)' : 'Clean up',
      options.keep
        ? 'nothing is hidden: explore what was deployed'
        : 'nothing is left behind: no stack, no state, no lock, no temp folder',
      'development.md#test-against-a-local-aws',
    );
    if (options.keep) {
      kept = true;
      say.result(`moto: ${moto.url} (pid ${moto.pid}; stop it with: kill ${moto.pid})`);
      say.result(
        `try:  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url ${moto.url} --region ${account.region} ec2 describe-instances`,
      );
      say.result(`stacks, state and logs: ${workDir} (remove it when done)`);
    } else {
      const failed = await destroyAll(runs, (line) => say.result(line));
      expect(failed.length === 0, `destroy failed for ${failed.join(', ')}`);
      runs.length = 0;
    }
    say.result(
      `done in ${((Date.now() - started) / 1000).toFixed(0)} s; load average now ${loadAverage()}; stacks ${[STATE_BACKEND_STACK, account.stackName, ORGANIZATION_STACK].join(', ')}`,
    );
    return 0;
  } catch (err) {
    kept = false;
    if (interrupted) return 130;
    if (options.quiet && progress.length > 0)
      process.stderr.write(`\nTerraform, last lines:\n${progress.slice(-40).join('\n')}\n`);
    const message = err instanceof DemoFailure ? `a claim of the demo did not hold: ${err.message}` : (err as Error).stack;
    process.stderr.write(`\nDEMO FAILED: ${message}\n`);
    // Everything lives in moto's memory and the work folder: stopping one and removing the other leaves nothing.
    return 1;
  } finally {
    for (const signal of signals) process.removeListener(signal, onSignal);
    killAllCommands('SIGKILL', false);
    await cleanUp();
  }
}
