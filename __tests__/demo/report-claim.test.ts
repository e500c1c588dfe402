/**
 * The demo's report step checks its claim: the report's verdict and reason equal the sweep's for every
 * instance. The check must name each kind of disagreement, and find none when they agree.
 */
import { verdictDifferences } from '../../demo/report';

const finding = (instanceId: string, compliance: string, reason: string) =>
  ({ instanceId, compliance, reason }) as Parameters<typeof verdictDifferences>[0][number];
const swept = (ComplianceType: string, Annotation: string) => ({ ComplianceType, Annotation });

const sweep = new Map([
  ['i-golden', swept('COMPLIANT', 'AMI ami-1 is approved.')],
  ['i-debug', swept('NON_COMPLIANT', 'AMI ami-2 is not approved.')],
]);

test('no difference when every instance has the same verdict and reason', () => {
  const findings = [
    finding('i-debug', 'NON_COMPLIANT', 'AMI ami-2 is not approved.'),
    finding('i-golden', 'COMPLIANT', 'AMI ami-1 is approved.'),
  ];
  expect(verdictDifferences(findings, sweep)).toEqual([]);
});

test('a different verdict, a different reason, and an instance only one side judged are each named', () => {
  const findings = [
    finding('i-golden', 'NON_COMPLIANT', 'AMI ami-1 is approved.'),
    finding('i-debug', 'NON_COMPLIANT', 'something else'),
    finding('i-extra', 'COMPLIANT', 'x'),
  ];
  const differences = verdictDifferences(findings, new Map([...sweep, ['i-missing', swept('COMPLIANT', 'y')]]));
  expect(differences).toEqual([
    'i-golden: the report says NON_COMPLIANT, the sweep COMPLIANT',
    'i-debug: the report\'s reason "something else" is not the sweep\'s "AMI ami-2 is not approved."',
    'i-extra: the report says COMPLIANT, the sweep did not judge it',
    'i-missing: the sweep says COMPLIANT, the report does not list it',
  ]);
});

test('an empty report against a non-empty sweep is a difference, not agreement', () => {
  expect(verdictDifferences([], sweep)).toHaveLength(2);
});
