/**
 * `--source scan`: an agentless audit of every account/region of the config, before anything is deployed.
 * For each account it assumes the read-only `planRoleArn`, then reads each region the way the rule's
 * scheduled sweep does (lambda/ami-compliance/sweep.ts): DescribeInstances pages streamed with the next one
 * requested early, the AMIs of each page described in batches, the approved-ID parameter read once, and
 * every instance judged by the rule's own pure evaluator. Nothing is written to any account.
 *
 * IAM actions used in each account: sts:AssumeRole (of the caller, on the plan role), then
 * ec2:DescribeInstances, ec2:DescribeImages and ssm:GetParameter (the approved-ID list, when configured),
 * all read-only.
 */
import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import {
  CLIENT_RETRY,
  errorCode,
  IMAGE_BATCH_SIZE,
  ImageCatalog,
  lazyAwsClients,
  listInstancePages,
  readApprovedImageIds,
  type ClientOverrides,
} from '../../lambda/ami-compliance/aws';
import { judgeInstance } from './finding';
import { RegionCounter, type Finding, type RegionResult } from './model';
import type { AccountTarget, RegionTarget } from './targets';

/** Where findings and region results go, as they are made. */
export interface FindingSink {
  /** One instance's finding; the scan waits for the returned promise (back-pressure of a slow writer). */
  finding(finding: Finding): void | Promise<void>;
  /** One account/region, after its findings. */
  region(result: RegionResult): void;
}

/** How the scan runs. */
export interface ScanOptions {
  /** The clock exceptions and deadlines are judged against. */
  readonly now: Date;
  /** Accounts read at once. @default {@link DEFAULT_ACCOUNT_CONCURRENCY} */
  readonly concurrency?: number;
  /** Request the next DescribeInstances page before this one is parsed, and describe AMI batches in parallel. @default true */
  readonly overlap?: boolean;
  /** SDK settings for every client (endpoint, request handler, the caller's credentials). @default the SDK's standard chain */
  readonly clientOverrides?: ClientSettings;
  /** The session name in the accounts' CloudTrail. @default `ami-guard-report` */
  readonly sessionName?: string;
}

/** The SDK settings a caller may set for every client of the scan. */
export type ClientSettings = Pick<ClientOverrides, 'endpoint' | 'requestHandler' | 'credentials'>;

/** Accounts read at once by default: enough to hide the latency, few enough for STS and EC2 rate limits. */
export const DEFAULT_ACCOUNT_CONCURRENCY = 8;

/**
 * Reads every account, at most `concurrency` at once; each account's regions one after the other. An
 * account whose role cannot be assumed, or a region whose calls fail, is reported as failed with the
 * reason; the others go on. Never throws for an AWS error.
 */
export async function scanAccounts(targets: readonly AccountTarget[], sink: FindingSink, options: ScanOptions): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) await scanAccount(targets[next++], sink, options);
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? DEFAULT_ACCOUNT_CONCURRENCY, targets.length));
  await Promise.all(Array.from({ length: workers }, worker));
}

async function scanAccount(target: AccountTarget, sink: FindingSink, options: ScanOptions): Promise<void> {
  let credentials: ClientSettings['credentials'];
  if (target.roleArn) {
    try {
      credentials = await assumeRole(target.roleArn, target.regions[0].region, options);
    } catch (err) {
      const reason = `cannot assume ${target.roleArn}: ${describeError(err)}`;
      for (const region of target.regions) sink.region(failed(target.accountId, region, reason, new RegionCounter()));
      return;
    }
  }
  for (const region of target.regions) await scanRegion(target.accountId, region, credentials, sink, options);
}

/** Temporary credentials of the read-only role (one hour, the default maximum of a role). */
async function assumeRole(roleArn: string, region: string, options: ScanOptions): Promise<ClientSettings['credentials']> {
  // The same settings as the EC2 client's; the SDK packages type their handlers apart, hence the cast.
  const sts = new STSClient({ ...options.clientOverrides, region, ...CLIENT_RETRY } as STSClientConfig);
  try {
    const reply = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: options.sessionName ?? 'ami-guard-report' }),
    );
    const c = reply.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  } finally {
    sts.destroy();
  }
}

async function scanRegion(
  accountId: string,
  target: RegionTarget,
  credentials: ClientSettings['credentials'],
  sink: FindingSink,
  options: ScanOptions,
): Promise<void> {
  const overlap = options.overlap ?? true;
  const clients = lazyAwsClients({ ...options.clientOverrides, region: target.region, ...(credentials ? { credentials } : {}) });
  const place = { accountId, stackName: target.stackName, region: target.region };
  const counter = new RegionCounter();
  let note: string | null = null;
  try {
    let approvedImageIds: ReadonlySet<string> = new Set();
    const parameter = target.params.approvedImageIdsParameter;
    if (parameter) {
      try {
        approvedImageIds = await readApprovedImageIds(clients.ssm, parameter);
      } catch (err) {
        // Before the first deploy the list may not exist yet: judged as the rule would judge an empty list.
        if (errorCode(err) !== 'ParameterNotFound') throw err;
        note = `SSM parameter ${parameter} not found: no AMI is approved by ID here`;
      } finally {
        clients.ssm.destroy();
      }
    }
    const images = new ImageCatalog(clients.ec2, IMAGE_BATCH_SIZE, overlap ? 4 : 1);
    for await (const page of listInstancePages(clients.ec2, { prefetch: overlap })) {
      await images.load(page.instances.map((i) => i.imageId));
      for (const instance of page.instances) {
        const finding = judgeInstance(place, instance, images.get(instance.imageId), target.params, {
          now: options.now,
          approvedImageIds,
        });
        counter.add(finding.compliance);
        await sink.finding(finding);
      }
    }
    sink.region({ ...place, status: 'complete', error: null, note, counts: counter.counts });
  } catch (err) {
    sink.region(failed(accountId, target, describeError(err), counter, note));
  } finally {
    clients.ec2.destroy();
  }
}

function failed(
  accountId: string,
  target: RegionTarget,
  error: string,
  counter: RegionCounter,
  note: string | null = null,
): RegionResult {
  return { accountId, stackName: target.stackName, region: target.region, status: 'failed', error, note, counts: counter.counts };
}

/** `AccessDenied: User ... is not authorized ...`, one line. */
export function describeError(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const text = code && code !== 'Error' && !message.startsWith(code) ? `${code}: ${message}` : message;
  return text.replace(/\s+/g, ' ').trim();
}
