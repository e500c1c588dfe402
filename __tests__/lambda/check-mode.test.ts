import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { runCheck } from '../../lambda/ami-compliance/check';
import { RULE_PARAMETERS_ENV } from '../../lambda/ami-compliance/contract';
import { awsError, clientsWith, ec2Image, ec2Instance, mockedClients, quietConsole } from './fixtures/aws-fakes';

const ID = 'i-0123456789abcdef0';
const AMI = 'ami-0aaaaaaaaaaaaaaa1';
const env = {
  [RULE_PARAMETERS_ENV]: JSON.stringify({
    tagKey: 'Environment',
    tagValues: 'Prod',
    exceptionTagKey: 'AmiGuardException',
  }),
};
const NOW = new Date('2026-06-15T12:00:00Z');
const check = { amiGuardCheck: { instanceId: ID } };

/** EC2 that knows the instance (with `tags`) and, unless `image` is null, its image. */
function ec2With(tags: Record<string, string>, image: ReturnType<typeof ec2Image> | null, state = 'running') {
  const m = mockedClients();
  m.ec2Mock
    .on(DescribeInstancesCommand, { InstanceIds: [ID] })
    .resolves({ Reservations: [{ Instances: [ec2Instance(ID, AMI, tags, state)] }] });
  if (image) m.ec2Mock.on(DescribeImagesCommand).resolves({ Images: [image] });
  else
    m.ec2Mock
      .on(DescribeImagesCommand)
      .rejects(awsError('InvalidAMIID.NotFound'))
      .on(DescribeImagesCommand, { Filters: [{ Name: 'image-id', Values: [AMI] }] })
      .resolves({ Images: [] });
  return m;
}

describe('check mode', () => {
  test('an instance on an approved AMI is SKIP', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'Prod' }));
    expect(await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW)).toEqual({
      instanceId: ID,
      imageId: AMI,
      compliance: 'COMPLIANT',
      verdict: 'SKIP',
      reason: `AMI ${AMI} (owner 111111111111) is approved: Environment="Prod".`,
    });
  });

  test('an instance on an unapproved AMI is REMEDIATE, with the reason', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'prod' }));
    const result = await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW);
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE', imageId: AMI });
    expect(result.reason).toContain('has Environment="prod" (wrong case)');
  });

  test('a valid exception is SKIP', async () => {
    const m = ec2With({ AmiGuardException: 'CHG-1234 until 2026-07-15' }, ec2Image(AMI, '111111111111'));
    const result = await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW);
    expect(result).toMatchObject({ compliance: 'COMPLIANT', verdict: 'SKIP' });
    expect(result.reason).toContain('CHG-1234');
  });

  test('an expired exception is REMEDIATE', async () => {
    const m = ec2With({ AmiGuardException: 'CHG-1234 until 2026-06-14' }, ec2Image(AMI, '111111111111'));
    const result = await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW);
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE' });
    expect(result.reason).toContain('expired at the end of 2026-06-14 UTC');
  });

  test('an exception dated beyond the 90-day limit is REMEDIATE: the runbook does not skip it', async () => {
    const m = ec2With({ AmiGuardException: 'CHG-3 until 9999-12-31' }, ec2Image(AMI, '111111111111'));
    const result = await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW);
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE' });
    expect(result.reason).toContain('exceeds the 90-day limit');
  });

  test('an AMI that is not found is REMEDIATE', async () => {
    const m = ec2With({}, null);
    const result = await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW);
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE' });
    expect(result.reason).toContain('not found (deregistered');
  });

  test('an instance that is gone is SKIP with no image', async () => {
    // GIVEN EC2 no longer knows the instance: nothing else may be asked
    const m = mockedClients();
    m.ec2Mock.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    expect(await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW)).toEqual({
      instanceId: ID,
      imageId: null,
      compliance: 'NOT_APPLICABLE',
      verdict: 'SKIP',
      reason: `Instance ${ID} no longer exists.`,
    });
    expect(m.ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(0);
  });

  test('a terminated instance is SKIP', async () => {
    const m = ec2With({}, null, 'terminated');
    expect(await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW)).toMatchObject({
      compliance: 'NOT_APPLICABLE',
      verdict: 'SKIP',
      reason: `Instance ${ID} is terminated.`,
    });
  });

  test('in stop mode, a non-compliant instance that is already stopped is SKIP "already stopped"', async () => {
    // GIVEN an instance on an unapproved AMI that is stopped already
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'prod' }), 'stopped');
    // WHEN the stop runbook asks
    const result = await runCheck({ amiGuardCheck: { instanceId: ID, mode: 'stop' } }, clientsWith({ ec2: m.ec2 }), env, NOW);
    // THEN it is still NON_COMPLIANT, but there is nothing to stop: SKIP, saying so
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'SKIP' });
    expect(result.reason).toMatch(/^Instance i-0123456789abcdef0 is already stopped; not stopped again\. AMI /);
  });

  test('in notify mode, a stopped non-compliant instance is still REMEDIATE (its owners hear of it)', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'prod' }), 'stopped');
    const result = await runCheck({ amiGuardCheck: { instanceId: ID, mode: 'notify' } }, clientsWith({ ec2: m.ec2 }), env, NOW);
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE' });
  });

  test('in stop mode, a running non-compliant instance is REMEDIATE', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'prod' }));
    const result = await runCheck({ amiGuardCheck: { instanceId: ID, mode: 'stop' } }, clientsWith({ ec2: m.ec2 }), env, NOW);
    expect(result.verdict).toBe('REMEDIATE');
  });

  test('the approved-ID list applies in check mode too', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111'));
    m.ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: AMI } });
    const withList = {
      [RULE_PARAMETERS_ENV]: JSON.stringify({
        tagKey: 'Environment',
        tagValues: 'Prod',
        approvedImageIdsParameter: '/ids',
      }),
    };
    expect(await runCheck(check, clientsWith({ ec2: m.ec2, ssm: m.ssm }), withList, NOW)).toMatchObject({
      verdict: 'SKIP',
    });
  });
});

describe('check mode failures stop the automation instead of guessing', () => {
  quietConsole();

  test('an API error rejects', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'Prod' }));
    m.ec2Mock.on(DescribeImagesCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW)).rejects.toThrow('UnauthorizedOperation');
  });

  test('an unknown mode is rejected', async () => {
    const event = { amiGuardCheck: { instanceId: ID, mode: 'terminate' } } as unknown as typeof check;
    await expect(runCheck(event, clientsWith({}), env, NOW)).rejects.toThrow(/amiGuardCheck\.mode must be one of notify, stop/);
  });

  test('missing AMI_GUARD_RULE_PARAMETERS throws naming the variable', async () => {
    await expect(runCheck(check, clientsWith({}), {}, NOW)).rejects.toThrow(/AMI_GUARD_RULE_PARAMETERS is not set/);
  });

  test('invalid rule parameters throw naming the parameter', async () => {
    const bad = { [RULE_PARAMETERS_ENV]: JSON.stringify({ tagKey: 'Environment' }) };
    await expect(runCheck(check, clientsWith({}), bad, NOW)).rejects.toThrow(/tagValues is required/);
  });

  test.each([undefined, '', 'i-123', 'ami-0123456789abcdef0'])('instanceId %p is rejected', async (instanceId) => {
    const event = { amiGuardCheck: { instanceId } } as unknown as typeof check;
    await expect(runCheck(event, clientsWith({}), env, NOW)).rejects.toThrow(/amiGuardCheck\.instanceId must be an instance ID/);
  });
});

describe('the bundle entry (index.ts)', () => {
  const saved = process.env[RULE_PARAMETERS_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[RULE_PARAMETERS_ENV];
    else process.env[RULE_PARAMETERS_ENV] = saved;
  });

  test('routes { amiGuardCheck } to the check mode, with parameters from the environment', async () => {
    // GIVEN every EC2Client is mocked (index.ts creates its own)
    const ec2Mock = mockClient(EC2Client);
    ec2Mock.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    process.env[RULE_PARAMETERS_ENV] = env[RULE_PARAMETERS_ENV];
    try {
      const { handler } = await import('../../lambda/ami-compliance/index');
      // WHEN a check event arrives THEN the check answers
      await expect(handler(check)).resolves.toMatchObject({ instanceId: ID, verdict: 'SKIP' });
    } finally {
      ec2Mock.restore();
    }
  });

  test('routes everything else to the Config handler', async () => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const { handler } = await import('../../lambda/ami-compliance/index');
    await expect(handler({ resultToken: 'x' })).rejects.toThrow(/no invokingEvent/);
  });
});
