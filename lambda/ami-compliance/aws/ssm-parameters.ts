/**
 * SSM parameters the rule reads: the StringList of AMI IDs approved by ID, an instance's notice record,
 * and (for the sweep) which instances have one.
 *
 * IAM: ssm:GetParameter; ssm:GetParametersByPath on the records' path.
 */
import { GetParameterCommand, GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { AMI_ID_PATTERN, INSTANCE_ID_PATTERN, NOTICE_RECORD_PATH, NOTICE_RECORDS_LIST_PATH } from '../contract';
import { errorCode, PageTokens } from './shared';

/**
 * Reads the SSM StringList of AMI IDs approved by ID.
 * @throws when the parameter is unreadable or holds something that is not an AMI ID (a typo must not go unnoticed)
 */
export async function readApprovedImageIds(ssm: SSMClient, name: string): Promise<ReadonlySet<string>> {
  const reply = await ssm.send(new GetParameterCommand({ Name: name }));
  const ids = (reply.Parameter?.Value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const bad = ids.find((id) => !AMI_ID_PATTERN.test(id));
  if (bad !== undefined) {
    throw new Error(
      `SSM parameter ${name} holds ${JSON.stringify(bad.slice(0, 80))}, which is not an AMI ID. ` +
        'Fix: make it a StringList of IDs such as "ami-0123456789abcdef0,ami-0fedcba9876543210".',
    );
  }
  return new Set(ids);
}

/**
 * The deadline of an instance's notice record (`/ami-guard/notices/<id>`), or undefined when it has
 * none. Only AMI Guard's automation roles may write the record; an unreadable one counts as none, which
 * can only lead to a new notice (later, never sooner).
 * @throws on any error but ParameterNotFound
 */
export async function readNoticeRecord(ssm: SSMClient, instanceId: string): Promise<string | undefined> {
  let value: string | undefined;
  try {
    value = (await ssm.send(new GetParameterCommand({ Name: `${NOTICE_RECORD_PATH}${instanceId}` }))).Parameter?.Value;
  } catch (err) {
    if (errorCode(err) === 'ParameterNotFound') return undefined;
    throw err;
  }
  try {
    const deadline = (JSON.parse(value ?? '') as { deadline?: unknown }).deadline;
    return typeof deadline === 'string' ? deadline : undefined;
  } catch {
    return undefined;
  }
}

/** Records per GetParametersByPath page (the API's maximum). */
const RECORDS_PER_PAGE = 10;

/**
 * The instance IDs that have a notice record (`/ami-guard/notices/<id>`): one path read, paged. Records
 * exist only between a notice and the runbook's clear, so there are few. GetParametersByPath is
 * authorized against the path asked for, not the parameters returned (Parameter Store user guide, "How
 * Parameter Store authorizes parameter retrieval"). A name that is not an instance ID is skipped.
 */
export async function listNoticeRecords(ssm: SSMClient): Promise<ReadonlySet<string>> {
  const ids = new Set<string>();
  const tokens = new PageTokens('GetParametersByPath');
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({
        Path: NOTICE_RECORDS_LIST_PATH,
        Recursive: false,
        MaxResults: RECORDS_PER_PAGE,
        NextToken,
      }),
    );
    for (const { Name } of page.Parameters ?? []) {
      const id = Name?.startsWith(NOTICE_RECORD_PATH) ? Name.slice(NOTICE_RECORD_PATH.length) : '';
      if (INSTANCE_ID_PATTERN.test(id)) ids.add(id);
    }
    NextToken = tokens.next(page.NextToken);
  } while (NextToken);
  return ids;
}
