/**
 * The few AWS calls the harness makes to moto itself, over plain HTTP (no S3 or DynamoDB SDK client
 * is installed). moto_server does not verify signatures unless told to; the Authorization header
 * only carries the credential scope, which moto uses to route the request to a service and region.
 */

/** One failed call, with moto's error code when it sent one. */
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

type DynamoValue = { S: string } | { N: string } | { B: string } | { BOOL: boolean };
/** A DynamoDB item in the wire format, e.g. `{ LockID: { S: '...' } }`. */
export type DynamoItem = Record<string, DynamoValue>;

function xmlValues(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** A client for the calls the e2e suite makes to a moto_server. */
export class Emulator {
  constructor(
    /** e.g. http://127.0.0.1:40123 */
    readonly url: string,
    /** Region of regional calls (DynamoDB, S3 bucket creation). */
    readonly region: string,
  ) {}

  private scope(service: string, region: string): Record<string, string> {
    return { Authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0` };
  }

  private async call(service: string, region: string, init: RequestInit & { path?: string }): Promise<string> {
    const res = await fetch(`${this.url}${init.path ?? '/'}`, {
      ...init,
      headers: { ...this.scope(service, region), ...(init.headers as Record<string, string>) },
      signal: AbortSignal.timeout(30_000),
    });
    const body = await res.text();
    if (!res.ok) {
      const json = body.startsWith('{') ? (JSON.parse(body) as { __type?: string; message?: string }) : undefined;
      const code = json?.__type?.split('#').pop() ?? xmlValues(body, 'Code')[0];
      const message = json?.message ?? xmlValues(body, 'Message')[0] ?? body.slice(0, 200);
      throw new EmulatorError(`${service} ${init.method ?? 'GET'} ${init.path ?? '/'}: HTTP ${res.status} ${code ?? ''} ${message}`.trim(), res.status, code);
    }
    return body;
  }

  private async iam(action: string, params: Record<string, string>): Promise<string> {
    const form = new URLSearchParams({ Action: action, Version: '2010-05-08', ...params });
    return this.call('iam', 'us-east-1', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
  }

  /** Creates an IAM principal unless it exists; returns whether it was created. */
  async ensurePrincipal(kind: 'role' | 'group' | 'user', name: string): Promise<boolean> {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    try {
      if (kind === 'role') await this.iam('CreateRole', { RoleName: name, AssumeRolePolicyDocument: trust });
      else if (kind === 'group') await this.iam('CreateGroup', { GroupName: name });
      else await this.iam('CreateUser', { UserName: name });
      return true;
    } catch (err) {
      if (err instanceof EmulatorError && err.code === 'EntityAlreadyExists') return false;
      throw err;
    }
  }

  /** ARNs of the managed policies attached to a role, group or user. */
  async attachedPolicies(kind: 'role' | 'group' | 'user', name: string): Promise<string[]> {
    const xml =
      kind === 'role'
        ? await this.iam('ListAttachedRolePolicies', { RoleName: name })
        : kind === 'group'
          ? await this.iam('ListAttachedGroupPolicies', { GroupName: name })
          : await this.iam('ListAttachedUserPolicies', { UserName: name });
    return xmlValues(xml, 'PolicyArn');
  }

  /** ListObjectsV2 of a bucket under a prefix. */
  async listObjects(bucket: string, prefix = ''): Promise<S3Object[]> {
    const query = new URLSearchParams({ 'list-type': '2', prefix });
    const xml = await this.call('s3', this.region, { path: `/${encodeURIComponent(bucket)}?${query}` });
    return [...xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map((m) => ({
      key: unescapeXml(xmlValues(m[1], 'Key')[0] ?? ''),
      size: Number(xmlValues(m[1], 'Size')[0] ?? 0),
    }));
  }

  /** CreateBucket in the emulator's region (self-tests stand a backend up without the state-backend stack). */
  async createBucket(bucket: string): Promise<void> {
    const body =
      this.region === 'us-east-1'
        ? undefined
        : `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${this.region}</LocationConstraint></CreateBucketConfiguration>`;
    await this.call('s3', this.region, { method: 'PUT', path: `/${encodeURIComponent(bucket)}`, body });
  }

  private async dynamo<T>(action: string, payload: unknown): Promise<T> {
    const body = await this.call('dynamodb', this.region, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `DynamoDB_20120810.${action}` },
      body: JSON.stringify(payload),
    });
    return JSON.parse(body || '{}') as T;
  }

  /** GetItem by the `LockID` hash key (the only key of a Terraform lock table). */
  async getLockItem(table: string, lockId: string): Promise<DynamoItem | undefined> {
    const out = await this.dynamo<{ Item?: DynamoItem }>('GetItem', { TableName: table, Key: { LockID: { S: lockId } }, ConsistentRead: true });
    return out.Item;
  }

  async putItem(table: string, item: DynamoItem): Promise<void> {
    await this.dynamo('PutItem', { TableName: table, Item: item });
  }

  async deleteLockItem(table: string, lockId: string): Promise<void> {
    await this.dynamo('DeleteItem', { TableName: table, Key: { LockID: { S: lockId } } });
  }

  /** A Terraform lock table (LockID string hash key), for self-tests. */
  async createLockTable(table: string): Promise<void> {
    await this.dynamo('CreateTable', {
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
  }
}
