/**
 * The e2e routine-change check judges `terraform show -json` of a plan: these pin what it accepts and
 * what it reports, without Terraform.
 */
import { judgeRoutinePlan, ResourceChange, ROUTINE_CHANGES, RoutineChange } from '../../e2e/routine-changes';

const tagValueAdded = ROUTINE_CHANGES.find((c) => c.name === 'tag value added')!;
const notifyToStop = ROUTINE_CHANGES.find((c) => c.name === 'remediation notify -> stop')!;

/** Logical name -> construct path, as the synthesized stack records it. */
const PATHS: Record<string, string> = {
  launch: 'launch-policy/policy',
  'launch-attach': 'launch-policy/attach/role-app',
  guard: 'image-tag-guard/policy',
  fn: 'ami-compliance-function/function',
  rule: 'ami-compliance-rule/rule',
  logs: 'ami-compliance-function/logs',
  runbook: 'remediation/runbook',
  role: 'remediation/role',
  permissions: 'remediation/permissions',
  'fn-permissions': 'ami-compliance-function/permissions',
  escalation: 'remediation/escalation-topic',
  stray: 'somewhere-new/thing',
};

function rc(name: string, actions: string[], type = 'aws_x', reason?: string): ResourceChange {
  return { address: `${type}.${name}`, type, name, change: { actions }, ...(reason ? { action_reason: reason } : {}) };
}

const noop = (name: string, type?: string) => rc(name, ['no-op'], type);
const judge = (change: RoutineChange, changes: ResourceChange[], notApplied: string[] = []) =>
  judgeRoutinePlan(change, changes, (n) => PATHS[n], new Set(notApplied));

test('GIVEN the expected in-place updates and untouched attachments THEN it passes and names the case', () => {
  const verdict = judge(tagValueAdded, [
    rc('launch', ['update'], 'aws_iam_policy'),
    noop('launch-attach', 'aws_iam_role_policy_attachment'),
    rc('fn', ['update']),
    rc('rule', ['update']),
    noop('guard'),
  ]);

  expect(verdict.problems).toEqual([]);
  expect(verdict.ok).toBe(true);
  expect(verdict.detail).toBe(
    'tag value added: update in place: launch-policy/policy, ami-compliance-function/function, ami-compliance-rule/rule; 1 attachments untouched',
  );
});

test('GIVEN the launch policy replaced THEN the delete of a prevent resource and the touched attachment are reported', () => {
  const verdict = judge(tagValueAdded, [
    rc('launch', ['delete', 'create'], 'aws_iam_policy', 'replace_because_cannot_update'),
    rc('launch-attach', ['delete', 'create'], 'aws_iam_role_policy_attachment', 'replace_because_cannot_update'),
    rc('fn', ['update']),
    rc('rule', ['update']),
  ]);

  expect(verdict.ok).toBe(false);
  expect(verdict.problems).toEqual([
    'aws_iam_policy.launch [delete,create, replace_because_cannot_update]: a prevent resource must never be deleted by a routine change',
    'aws_iam_role_policy_attachment.launch-attach [delete,create, replace_because_cannot_update]: an attachment must be left alone',
  ]);
});

test('GIVEN a create-before-destroy replacement of a detect resource THEN it is still a delete', () => {
  const verdict = judge(tagValueAdded, [rc('launch', ['update']), rc('fn', ['create', 'delete']), rc('rule', ['update'])]);

  expect(verdict.problems).toEqual(['aws_x.fn [create,delete]: a detect resource must never be deleted by a routine change']);
});

test('GIVEN an expected update planned as no change, and a change nobody expected THEN both are reported', () => {
  const verdict = judge(tagValueAdded, [rc('launch', ['update']), noop('fn'), rc('rule', ['update']), rc('logs', ['update'])]);

  expect(verdict.problems).toEqual([
    'aws_x.fn [no-op]: expected an in-place update',
    'aws_x.logs [update]: not expected to change',
  ]);
});

test('GIVEN a resource outside the known lines of defence THEN it is reported', () => {
  const verdict = judge(tagValueAdded, [rc('launch', ['update']), rc('fn', ['update']), rc('rule', ['update']), noop('stray')]);

  expect(verdict.problems).toEqual([
    'aws_x.stray (somewhere-new/thing): in no known line of defence; add its construct to LAYER_OF_CONSTRUCT',
  ]);
});

test('GIVEN an expected resource the emulator could not apply THEN it is named as a gap, and a missing one is a problem', () => {
  const applied = [
    rc('role', ['update']),
    rc('permissions', ['update']),
    rc('runbook', ['update']),
    rc('fn-permissions', ['update']),
    rc('escalation', ['create']),
  ];

  const withGap = judge(notifyToStop, applied, ['remediation/configuration']);
  const without = judge(notifyToStop, applied);

  expect(withGap.ok).toBe(true);
  expect(withGap.detail).toMatch(/; not applied on the emulator: remediation\/configuration$/);
  expect(without.problems).toEqual(['remediation/configuration: expected an in-place update, but the plan has no such resource']);
});
