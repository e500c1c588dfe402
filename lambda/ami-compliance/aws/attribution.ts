/**
 * Owner attribution for check mode: who launched an instance (CloudTrail's event history) and the
 * Auto Scaling group and launch template that would replace it.
 *
 * IAM: cloudtrail:LookupEvents, autoscaling:DescribeAutoScalingInstances, autoscaling:DescribeAutoScalingGroups.
 */
import {
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  type AutoScalingClient,
  type LaunchTemplateSpecification,
} from '@aws-sdk/client-auto-scaling';
import { LookupEventsCommand, type CloudTrailClient } from '@aws-sdk/client-cloudtrail';

/** How far back CloudTrail's event history (LookupEvents) reaches. */
const CLOUDTRAIL_HISTORY_DAYS = 90;
const DAY = 86_400_000;

/**
 * Who launched an instance: the `RunInstances` event of CloudTrail's event history for it, as
 * `<userIdentity.arn>[ via <invokedBy>] at <time>`, or a sentence saying why that is unknown.
 * @param createdAt when the instance was first launched; older than 90 days means no event to find
 * @throws on a CloudTrail API error (the check mode reports it as unknown)
 */
export async function lookupLauncher(
  cloudTrail: CloudTrailClient,
  instanceId: string,
  createdAt: Date | undefined,
  now: Date,
): Promise<string> {
  const oldest = now.getTime() - CLOUDTRAIL_HISTORY_DAYS * DAY;
  if (createdAt && createdAt.getTime() < oldest) {
    return `unknown (launched ${createdAt.toISOString().slice(0, 10)}, older than CloudTrail's ${CLOUDTRAIL_HISTORY_DAYS}-day event history)`;
  }
  // One hour either side of the launch; without a launch time, the whole history.
  const StartTime = new Date(createdAt ? createdAt.getTime() - 3_600_000 : oldest);
  const EndTime = new Date(createdAt ? Math.min(createdAt.getTime() + 3_600_000, now.getTime()) : now.getTime());
  let NextToken: string | undefined;
  let pages = 0;
  do {
    const page = await cloudTrail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: instanceId }],
        StartTime,
        EndTime,
        MaxResults: 50,
        NextToken,
      }),
    );
    for (const event of page.Events ?? []) {
      if (event.EventName !== 'RunInstances' || !event.CloudTrailEvent) continue;
      const detail = JSON.parse(event.CloudTrailEvent) as { userIdentity?: { arn?: string; invokedBy?: string; type?: string } };
      const who = detail.userIdentity?.arn ?? detail.userIdentity?.type ?? event.Username ?? 'an unnamed principal';
      const via = detail.userIdentity?.invokedBy ? ` via ${detail.userIdentity.invokedBy}` : '';
      const when = event.EventTime ? ` at ${event.EventTime.toISOString().slice(0, 16)}Z` : '';
      return `${who}${via}${when}`;
    }
    NextToken = page.NextToken;
    pages += 1;
  } while (NextToken && pages < 5);
  return 'unknown (no RunInstances event for it in CloudTrail; events take up to 15 minutes to appear)';
}

/** The Auto Scaling group an instance belongs to, and the launch template or configuration to change. */
export interface AutoScalingFacts {
  readonly group: string;
  /** `launch template web (lt-0123) version 7`, `launch configuration web-lc`, or `no launch template`. */
  readonly launchSource: string;
}

/**
 * The instance's Auto Scaling group, with the group's launch template (what has to change for the
 * replacement instances), or undefined when it is in no group.
 * @throws on an Auto Scaling API error
 */
export async function describeAutoScaling(
  autoScaling: AutoScalingClient,
  instanceId: string,
): Promise<AutoScalingFacts | undefined> {
  const member = (await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] })))
    .AutoScalingInstances?.[0];
  if (!member?.AutoScalingGroupName) return undefined;
  const group = (
    await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [member.AutoScalingGroupName] }))
  ).AutoScalingGroups?.[0];
  const template =
    group?.LaunchTemplate ?? group?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification ?? member.LaunchTemplate;
  const configuration = group?.LaunchConfigurationName ?? member.LaunchConfigurationName;
  return {
    group: member.AutoScalingGroupName,
    launchSource: template
      ? describeTemplate(template)
      : configuration
        ? `launch configuration ${configuration}`
        : 'no launch template',
  };
}

function describeTemplate(t: LaunchTemplateSpecification): string {
  const name =
    t.LaunchTemplateName && t.LaunchTemplateId
      ? `${t.LaunchTemplateName} (${t.LaunchTemplateId})`
      : (t.LaunchTemplateName ?? t.LaunchTemplateId ?? '?');
  return `launch template ${name} version ${t.Version ?? '$Default'}`;
}
