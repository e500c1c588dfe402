import { PutEvaluationsCommand, type Evaluation } from '@aws-sdk/client-config-service';
import { DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { handleConfigEvent } from '../../lambda/ami-compliance/handler';
import { clientsWith, configEvent, mockedClients, quietConsole, sentEvaluations } from './fixtures/aws-fakes';
import { describeImagesFake, describeInstancesFake, generateFleet } from './fixtures/fleet';
import scheduledEvent from './fixtures/scheduled.invoking-event.json';
import { SEQUENTIAL_TUNING } from '../../lambda/ami-compliance/sweep';

quietConsole();

describe('a scheduled sweep of 2,500 instances over 300 AMIs', () => {
  test('makes 3 DescribeInstances, at most 2 DescribeImages, 25 PutEvaluations and retries a failed evaluation once', async () => {
    // GIVEN a generated fleet and an EC2 fake that pages and fails like EC2
    const { instances, images } = generateFleet(2500, 300);
    const m = mockedClients();
    m.ec2Mock.on(DescribeInstancesCommand).callsFake(describeInstancesFake(instances));
    m.ec2Mock.on(DescribeImagesCommand).callsFake(describeImagesFake(images));
    // AND Config rejects one evaluation of the first chunk, once
    let failedOnce: Evaluation | undefined;
    m.configMock.on(PutEvaluationsCommand).callsFake((input: { Evaluations: Evaluation[] }) => {
      if (failedOnce) return { FailedEvaluations: [] };
      failedOnce = input.Evaluations[7];
      return { FailedEvaluations: [failedOnce] };
    });

    // WHEN the periodic sweep runs, one call at a time so the call order is fixed
    const event = configEvent(scheduledEvent, { tagKey: 'Environment', tagValues: 'Prod' });
    const result = await handleConfigEvent(event, clientsWith(m), {
      now: new Date('2026-01-11T00:00:00Z'),
      tuning: SEQUENTIAL_TUNING,
    });

    // THEN EC2 is paged three times, 1000 instances at a time
    const pages = m.ec2Mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
    expect(pages.map((p) => [p.MaxResults, p.NextToken])).toEqual([
      [1000, undefined],
      [1000, '1000'],
      [1000, '2000'],
    ]);
    // AND each of the 300 AMIs is described once, in at most 2 calls
    const imageCalls = m.ec2Mock.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input.ImageIds ?? []);
    expect(imageCalls.length).toBeLessThanOrEqual(2);
    expect(new Set(imageCalls.flat()).size).toBe(300);
    expect(imageCalls.flat()).toHaveLength(300);
    // AND 25 chunks of 100 are sent, plus one retry carrying only the failed evaluation
    const puts = m.configMock.commandCalls(PutEvaluationsCommand).map((c) => c.args[0].input.Evaluations ?? []);
    expect(puts.map((p) => p.length)).toEqual([100, 1, ...Array(24).fill(100)]);
    expect(puts[1]).toEqual([failedOnce]);
    expect(failedOnce?.ComplianceResourceId).toBe('i-00000000000000007');
    // AND every instance has exactly one verdict: a third of the AMIs carry Environment=Prod
    const evaluations = [puts[0], ...puts.slice(2)].flat();
    expect(evaluations).toHaveLength(2500);
    expect(new Set(evaluations.map((e) => e.ComplianceResourceId)).size).toBe(2500);
    const count = (type: string) => evaluations.filter((e) => e.ComplianceType === type).length;
    expect([count('COMPLIANT'), count('NON_COMPLIANT')]).toEqual([834, 1666]);
    expect(evaluations.find((e) => e.ComplianceResourceId === 'i-00000000000000001')?.Annotation).toContain('(wrong case)');
    // AND the response holds the counts, not the evaluations
    expect(result).toEqual({
      messageType: 'ScheduledNotification',
      reported: 2500,
      compliance: { COMPLIANT: 834, NON_COMPLIANT: 1666, NOT_APPLICABLE: 0 },
      complete: true,
      notEvaluated: 0,
      unreadPages: false,
      pages: 3,
    });
  });

  test('an AMI missing from the batch is known as missing through the image-id filter', async () => {
    // GIVEN 250 instances over 250 AMIs, of which EC2 no longer knows the last one
    const { instances, images } = generateFleet(250, 250);
    const m = mockedClients();
    m.ec2Mock.on(DescribeInstancesCommand).callsFake(describeInstancesFake(instances));
    m.ec2Mock.on(DescribeImagesCommand).callsFake(describeImagesFake(images.slice(0, 249)));
    m.configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    // WHEN the sweep runs
    const event = configEvent(scheduledEvent, { tagKey: 'Environment', tagValues: 'Prod' });
    await handleConfigEvent(event, clientsWith(m), { now: new Date('2026-01-11T00:00:00Z'), tuning: SEQUENTIAL_TUNING });
    const evaluations = sentEvaluations(m);
    // THEN only the failing batch (the second, 50 IDs) is asked again by filter, and the instance is NON_COMPLIANT
    const calls = m.ec2Mock.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => (c.ImageIds ? `ids:${c.ImageIds.length}` : `filter:${c.Filters?.[0].Values?.length}`))).toEqual([
      'ids:200',
      'ids:50',
      'filter:50',
    ]);
    const last = evaluations.find((e) => e.ComplianceResourceId === `i-${(249).toString(16).padStart(17, '0')}`);
    expect(last).toMatchObject({
      ComplianceType: 'NON_COMPLIANT',
      Annotation: expect.stringContaining('not found (deregistered'),
    });
    expect(evaluations).toHaveLength(250);
  });
});
