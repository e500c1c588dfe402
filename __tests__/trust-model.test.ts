import * as fs from 'node:fs';
import { assertWriters, Signal, trustModel } from '../lambda/ami-compliance/trust-model';
import { trustGuardStatements } from '../modules/shared/tag-reservation';
import { exampleTrustTable, TRUST_DOC } from '../scripts/write-trust-model';

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
