import * as fs from 'node:fs';
import {
  assertWriters,
  EVIDENCE_IMAGE_NAME_PREFIX,
  reservedTagKeys,
  Signal,
  trustModel,
} from '../lambda/ami-compliance/trust-model';
import { trustGuardStatements } from '../modules/shared/tag-reservation';
import { exampleTrustTable, TRUST_DOC } from '../scripts/write-trust-model';
import { exampleVariant, resourcesOf, sharedSynth } from '../test-support/synth';

const orphan: Signal = { id: 'orphan', kind: 'instance-tag', name: 'SomeKey', decides: 'nothing yet', writers: [] };

describe('the trust model', () => {
  test('a signal with no writers fails the build: the model check and the guard generator refuse it', () => {
    expect(() => assertWriters([...trustModel({ approvalTagKey: 'Environment' }), orphan])).toThrow(
      'Trust model: signal orphan (SomeKey) names no writers; add who may write it.',
    );
    expect(() =>
      trustGuardStatements({
        signals: [orphan],
        principals: { pipeline: [], exceptionGranters: [], automation: [], iamAdmin: [] },
        scope: { partition: 'aws', region: 'eu-west-1', account: '222222222222' },
      }),
    ).toThrow(/names no writers/);
  });

  test('docs/trust-model.md holds the table rendered from the model (run `npm run docs:trust` when this fails)', () => {
    const doc = fs.readFileSync(TRUST_DOC, 'utf8');
    expect(doc).toContain(exampleTrustTable());
  });

  test('the table names every signal of the example, its writers and its write paths', () => {
    const table = exampleTrustTable();
    for (const text of ['`Environment`', '`AmiGuardDeadline`', '`/ami-guard/approved-image-ids`', '`image-pipeline`']) {
      expect(table).toContain(text);
    }
    expect(table).toContain('`autoscaling:CreateOrUpdateTags`');
    expect(table).toContain('`iam:CreateRole`');
  });
});

describe('the trust model and the guards it drives agree', () => {
  const signals = trustModel({ approvalTagKey: 'Environment', exceptionTagKey: 'AmiGuardException' });

  test('the account guard reserves on instances exactly the keys the model gives AMI Guard and the granters', () => {
    const statements = trustGuardStatements({
      signals,
      principals: {
        pipeline: ['arn:aws:iam::222222222222:role/image-pipeline'],
        exceptionGranters: [],
        automation: ['a'],
        iamAdmin: [],
      },
      scope: { partition: 'aws', region: 'eu-west-1', account: '222222222222' },
    });
    const keysOf = (sid: string) =>
      statements.find((s) => s.Sid === sid)?.Condition?.['ForAnyValue:StringEqualsIgnoreCase']?.['aws:TagKeys'];
    expect(keysOf('ReserveInstanceTagsForAutomation')).toEqual(reservedTagKeys(signals, 'instance-tag', 'automation'));
    expect(keysOf('ReserveInstanceTagsForExceptionGranters')).toEqual(
      reservedTagKeys(signals, 'instance-tag', 'exceptionGranters'),
    );
    expect(keysOf('ReserveImageTagsSnapshotTagsForAutomation')).toEqual([
      'AmiGuardEvidenceOf',
      'AmiGuardEvidenceUntil',
      'AmiGuardFinding',
    ]);
  });

  test("the runbook names its evidence images with the model's prefix (the cleanup recognises them by it)", () => {
    const { stacks } = sharedSynth(
      exampleVariant((j) => {
        j.accounts[1].remediation = { ...j.accounts[1].remediation, mode: 'terminate' };
      }),
    );
    const document = String(resourcesOf(stacks['payments-prod'], 'aws_ssm_document')[0].content);
    expect(document).toMatch(new RegExp(`"Name": ?"${EVIDENCE_IMAGE_NAME_PREFIX}`));
  });
});

describe('the generator is generic over the model', () => {
  const scope = { partition: 'aws', region: 'eu-west-1', account: '222222222222' };
  const principals = {
    pipeline: ['arn:aws:iam::222222222222:role/image-pipeline'],
    exceptionGranters: [],
    automation: ['arn:aws:iam::222222222222:role/ami-guard/*'],
    iamAdmin: [],
  };

  test('a signal it has never seen is reserved on every write path of its kind, for its writers', () => {
    const notice: Signal = {
      id: 'heartbeat-record',
      kind: 'ssm-parameter',
      name: '/ami-guard/heartbeat/i-0123456789abcdef0',
      decides: 'When the first notice was sent.',
      writers: ['automation'],
    };
    const marker: Signal = { id: 'marker', kind: 'instance-tag', name: 'AmiGuardMarker', decides: 'x', writers: ['automation'] };
    const statements = trustGuardStatements({
      signals: [...trustModel({ approvalTagKey: 'Environment' }), notice, marker],
      principals,
      scope,
    });
    expect(statements.find((s) => s.Sid === 'ReserveParametersForAutomation')).toEqual({
      Sid: 'ReserveParametersForAutomation',
      Effect: 'Deny',
      Action: ['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:DeleteParameters', 'ssm:LabelParameterVersion'],
      Resource: [
        'arn:aws:ssm:eu-west-1:222222222222:parameter/ami-guard/notices/*',
        'arn:aws:ssm:eu-west-1:222222222222:parameter/ami-guard/heartbeat/i-0123456789abcdef0',
      ],
      Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::222222222222:role/ami-guard/*'] } },
    });
    const instanceKeys = statements.find((s) => s.Sid === 'ReserveInstanceTagsForAutomation')?.Condition?.[
      'ForAnyValue:StringEqualsIgnoreCase'
    ]?.['aws:TagKeys'];
    expect(instanceKeys).toEqual(['AmiGuardDeadline', 'AmiGuardMarker']);
  });
});
