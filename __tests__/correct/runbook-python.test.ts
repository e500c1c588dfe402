/**
 * The runbook's Python lives in modules/correct/runbook/*.py and shares its facts with the contract
 * through one generated prelude: no tag key, path or phase is written twice. The notice records it
 * writes are a signal of the trust model, which only AMI Guard's automation may write.
 */
import * as fs from 'node:fs';
import {
  ACTING_MODES,
  CHECK_EVENT_KEY,
  DEADLINE_PATTERN,
  DEADLINE_TAG_KEY,
  ESCALATE_AFTER_HOURS_PARAMETER,
  EVIDENCE_TAG,
  INSTANCE_ID_PATTERN,
  NOTICE_RECORD_PATH,
  PHASE,
  PHASES,
} from '../../lambda/ami-compliance/contract';
import { AUTOMATION_ROLE_PATH, reservedTagKeys, trustModel } from '../../lambda/ami-compliance/trust-model';
import { contractPrelude, RUNBOOK_SCRIPT_DIR, RUNBOOK_SCRIPTS, runbookScript } from '../../modules/correct/runbook-scripts';
import { simulate } from '../../test-support/iam';
import { pythonUnavailableReason } from '../../test-support/runbook';
import { sharedRunbookDriver } from '../../test-support/runbook-driver';
import { exampleConfig, resourcesOf, sharedSynth } from '../../test-support/synth';

const skip = pythonUnavailableReason();
if (skip) console.warn(`!!!!! RUNBOOK PYTHON TESTS SKIPPED: ${skip} !!!!!`);
const withPython = skip ? describe.skip : describe;

describe('the runbook scripts', () => {
  test('every .py file is a runbook script, imports the contract, and the runbook carries it with the prelude instead', () => {
    const files = fs.readdirSync(RUNBOOK_SCRIPT_DIR).filter((f) => f.endsWith('.py'));
    expect(files.sort()).toEqual([...RUNBOOK_SCRIPTS].sort());
    for (const file of RUNBOOK_SCRIPTS) {
      const source = fs.readFileSync(`${RUNBOOK_SCRIPT_DIR}/${file}`, 'utf8');
      expect(source).toMatch(/^from ami_guard_contract import \*/m);
      const script = runbookScript(file);
      expect(script).not.toContain('ami_guard_contract');
      expect(script).toContain(contractPrelude());
    }
  });

  test('no shared fact is written in the .py files themselves (as a string literal)', () => {
    const facts = [
      DEADLINE_TAG_KEY,
      NOTICE_RECORD_PATH,
      CHECK_EVENT_KEY,
      ESCALATE_AFTER_HOURS_PARAMETER,
      'REMEDIATE',
      'NON_COMPLIANT',
      ...PHASES,
      ...ACTING_MODES,
    ];
    for (const file of RUNBOOK_SCRIPTS) {
      const source = fs.readFileSync(`${RUNBOOK_SCRIPT_DIR}/${file}`, 'utf8');
      const written = facts.filter((fact) => source.includes(`"${fact}"`) || source.includes(`'${fact}'`));
      expect({ file, written }).toEqual({ file, written: [] });
    }
  });
});

withPython('the prelude, run in python3', () => {
  test('defines the contract values the scripts read', () => {
    const dump = [
      contractPrelude(),
      '',
      'def dump(events, context):',
      '    return {k: (v.pattern if hasattr(v, "pattern") else v) for k, v in globals().items() if k.isupper()}',
      '',
    ].join('\n');
    const { payload, error } = sharedRunbookDriver().run({ script: dump, handler: 'dump', events: {}, stub: {} });
    expect(error).toBeUndefined();
    expect(payload).toMatchObject({
      CHECK_EVENT_KEY,
      DEADLINE_TAG_KEY,
      NOTICE_RECORD_PATH,
      ESCALATE_AFTER_HOURS_PARAMETER,
      ACT: PHASE.act,
      PHASES: [...PHASES],
      INSTANCE_ID: INSTANCE_ID_PATTERN.source,
      DEADLINE: DEADLINE_PATTERN.source,
    });
  });
});

describe('the notice records', () => {
  const stop = sharedSynth(exampleConfig()).stacks['payments-prod'];
  const policy = JSON.parse(String(resourcesOf(stop, 'aws_iam_role_policy').find((p) => p.name === 'remediation')!.policy));
  const record = `arn:aws:ssm:eu-west-1:222222222222:parameter${NOTICE_RECORD_PATH}i-0123456789abcdef0`;

  test('are a signal of the trust model that only the automation writes', () => {
    const signal = trustModel({ approvalTagKey: 'Environment' }).find((s) => s.id === 'notice-records');
    expect(signal).toMatchObject({ kind: 'ssm-parameter', name: `${NOTICE_RECORD_PATH}*`, writers: ['automation'] });
  });

  test('the automation role may write and delete a record, and no other parameter', async () => {
    const can = (action: string, resource: string) => simulate({ policies: [policy], action, resource });
    await expect(can('ssm:PutParameter', record)).resolves.toBe('Allowed');
    await expect(can('ssm:DeleteParameter', record)).resolves.toBe('Allowed');
    await expect(
      can('ssm:PutParameter', 'arn:aws:ssm:eu-west-1:222222222222:parameter/ami-guard/approved-image-ids'),
    ).resolves.not.toBe('Allowed');
  });

  test('the rule Lambda may read the records (its check decides from them), not write them', async () => {
    const lambda = JSON.parse(String(resourcesOf(stop, 'aws_iam_role_policy').find((p) => p.name === 'ami-compliance')!.policy));
    const can = (action: string) => simulate({ policies: [lambda], action, resource: record });
    await expect(can('ssm:GetParameter')).resolves.toBe('Allowed');
    await expect(can('ssm:PutParameter')).resolves.not.toBe('Allowed');
  });
});

describe('what the runbook and the sweep rely on the guards to reserve', () => {
  const model = trustModel({ approvalTagKey: 'Environment' });

  test('the deadline tag and the evidence tags are reserved to the automation', () => {
    expect(reservedTagKeys(model, 'instance-tag', 'automation')).toEqual([DEADLINE_TAG_KEY]);
    for (const kind of ['image-tag', 'snapshot-tag'] as const) {
      expect(reservedTagKeys(model, kind, 'automation').sort()).toEqual(Object.values(EVIDENCE_TAG).sort());
    }
  });

  test('the runbook role and the rule Lambda role are on the automation path, so the reservation lets them write', () => {
    const stack = sharedSynth(exampleConfig()).stacks['payments-prod'];
    const roles = resourcesOf(stack, 'aws_iam_role').filter((r) =>
      /^ami-guard-(remediation|ami-compliance)/.test(String(r.name)),
    );
    expect(roles).toHaveLength(2);
    for (const role of roles) expect(role.path).toBe(AUTOMATION_ROLE_PATH);
  });
});
