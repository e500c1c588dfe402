/**
 * The few AWS calls the harness makes to moto itself (state objects, lock items, IAM principals), with
 * the AWS SDK pointed at the emulator. moto_server does not verify signatures; fake keys suffice.
 */
import {
  DynamoDBClient,
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import {
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListObjectsV2Command, S3Client, type BucketLocationConstraint } from '@aws-sdk/client-s3';

/** One failed call, with the service's error code. */
export class EmulatorError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'EmulatorError';
  }
}

/** An S3 object as ListObjectsV2 reports it. */
export interface S3Object {
  readonly key: string;
  readonly size: number;
}

/** A DynamoDB item in the wire format, e.g. `{ LockID: { S: '...' } }`. */
export type DynamoItem = Record<string, AttributeValue>;

/** A client for the calls the e2e suite makes to a moto_server. */
export class Emulator {
  private readonly s3: S3Client;
  private readonly dynamodb: DynamoDBClient;
  private readonly iam: IAMClient;

  constructor(
    /** e.g. http://127.0.0.1:40123 */
    readonly url: string,
    /** Region of regional calls (DynamoDB, S3 bucket creation). */
    readonly region: string,
  ) {
    const common = {
      endpoint: url,
      region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 2,
    };
    this.s3 = new S3Client({ ...common, forcePathStyle: true });
    this.dynamodb = new DynamoDBClient(common);
    this.iam = new IAMClient({ ...common, region: 'us-east-1' });
  }

  /** Runs one call and turns an SDK error into an EmulatorError naming the call. */
  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const e = err as Error & { name?: string; $metadata?: { httpStatusCode?: number } };
      throw new EmulatorError(`${what}: ${e.name ?? 'Error'} ${e.message}`.trim(), e.$metadata?.httpStatusCode ?? 0, e.name);
    }
  }

  /** Creates an IAM principal unless it exists; returns whether it was created. */
  async ensurePrincipal(kind: 'role' | 'group' | 'user', name: string): Promise<boolean> {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    try {
      await this.call<unknown>(`iam create ${kind} ${name}`, () =>
        kind === 'role'
          ? this.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }))
          : kind === 'group'
            ? this.iam.send(new CreateGroupCommand({ GroupName: name }))
            : this.iam.send(new CreateUserCommand({ UserName: name })),
      );
      return true;
    } catch (err) {
      if (err instanceof EmulatorError && err.code === 'EntityAlreadyExistsException') return false;
      throw err;
    }
  }

  /** ARNs of the managed policies attached to a role, group or user. */
  async attachedPolicies(kind: 'role' | 'group' | 'user', name: string): Promise<string[]> {
    const out = await this.call(`iam list attached policies of ${kind} ${name}`, () =>
      kind === 'role'
        ? this.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))
        : kind === 'group'
          ? this.iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: name }))
          : this.iam.send(new ListAttachedUserPoliciesCommand({ UserName: name })),
    );
    return (out.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? '');
  }

  /** ListObjectsV2 of a bucket under a prefix. */
  async listObjects(bucket: string, prefix = ''): Promise<S3Object[]> {
    const out = await this.call(`s3 list ${bucket}/${prefix}`, () =>
      this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix })),
    );
    return (out.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0 }));
  }

  /** CreateBucket in the emulator's region (self-tests stand a backend up without the state-backend stack). */
  async createBucket(bucket: string): Promise<void> {
    await this.call(`s3 create bucket ${bucket}`, () =>
      this.s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(this.region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: this.region as BucketLocationConstraint } }),
        }),
      ),
    );
  }

  /** GetItem by the `LockID` hash key (the only key of a Terraform lock table). */
  async getLockItem(table: string, lockId: string): Promise<DynamoItem | undefined> {
    const out = await this.call(`dynamodb get ${table}/${lockId}`, () =>
      this.dynamodb.send(new GetItemCommand({ TableName: table, Key: { LockID: { S: lockId } }, ConsistentRead: true })),
    );
    return out.Item;
  }

  /**
   * Writes a Terraform lock item as Terraform's S3 backend writes it: its `Info` is the lock info JSON
   * (ID, Operation, Who, Version, Created now, Path = the lock ID).
   * @returns the `Info` string written
   */
  async putLockItem(
    table: string,
    lockId: string,
    lock: { readonly id: string; readonly operation: string; readonly who: string; readonly version: string },
  ): Promise<string> {
    const info = JSON.stringify({
      ID: lock.id,
      Operation: lock.operation,
      Who: lock.who,
      Version: lock.version,
      Created: new Date().toISOString(),
      Path: lockId,
    });
    const item: DynamoItem = { LockID: { S: lockId }, Info: { S: info } };
    await this.call(`dynamodb put ${table}/${lockId}`, () =>
      this.dynamodb.send(new PutItemCommand({ TableName: table, Item: item })),
    );
    return info;
  }

  async deleteLockItem(table: string, lockId: string): Promise<void> {
    await this.call(`dynamodb delete ${table}/${lockId}`, () =>
      this.dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { LockID: { S: lockId } } })),
    );
  }

  /** A Terraform lock table (LockID string hash key), for self-tests. */
  async createLockTable(table: string): Promise<void> {
    await this.call(`dynamodb create table ${table}`, () =>
      this.dynamodb.send(
        new CreateTableCommand({
          TableName: table,
          AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      ),
    );
  }
}
