/**
 * A smoke test of the BUILT rule Lambda (the index.js inside the zip that deploys), run by whatever
 * `node` runs this file: the runtime check of `.ci/lambda-node22.sh` (Node 22, as `nodejs22.x`).
 * The bundle is loaded as Lambda loads it (plain `require` of the unzipped index.js), its SDK clients
 * find AWS through the standard environment (AWS_ENDPOINT_URL, AWS_REGION, credentials), and AWS is
 * the model of test-support/fake-aws.ts behind a real HTTP server on 127.0.0.1.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { amiComplianceZip } from '../modules/detect/lambda-asset';
import { AwsModel, imageId, instanceId } from './fake-aws';
import type { SmokeResult } from './lambda-smoke-result';

const RULE = JSON.stringify({ tagKey: 'Environment', tagValues: 'Prod' });
const INSTANCES = 2_500;

type Handler = (event: unknown, context?: unknown) => Promise<unknown>;

/** Runs a scheduled sweep and one configuration-change event through the built bundle. */
export async function smokeBuiltBundle(): Promise<SmokeResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-smoke-'));
  const env = { ...process.env };
  const servers: (() => Promise<void>)[] = [];
  try {
    // The deployed bytes: index.js out of the package zip.
    const zip = amiComplianceZip();
    const bundle = path.join(dir, 'index.js');
    fs.writeFileSync(bundle, unzipSync(fs.readFileSync(zip.path))['index.js']);
    const context = { getRemainingTimeInMillis: () => 300_000 };

    const run = async (model: AwsModel, event: unknown) => {
      const { endpoint, close } = await model.serve();
      servers.push(close);
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDSMOKE',
        AWS_SECRET_ACCESS_KEY: 'smoke',
      });
      delete process.env.AWS_PROFILE;
      // A fresh load per event: the bundle keeps its clients per container, as Lambda does.
      delete require.cache[require.resolve(bundle)];
      const { handler } = require(bundle) as { handler: Handler }; // eslint-disable-line @typescript-eslint/no-require-imports
      return handler(event, context);
    };

    const fleet = new AwsModel({ instances: INSTANCES, images: 30, detail: 'full' });
    const scheduledAnswer = await run(fleet, {
      invokingEvent: JSON.stringify({ messageType: 'ScheduledNotification', notificationCreationTime: new Date().toISOString() }),
      ruleParameters: RULE,
      resultToken: 'smoke-scheduled',
      eventLeftScope: false,
      configRuleName: 'ami-guard-approved-ami',
    });

    const one = new AwsModel({ instances: 1, images: 1, detail: 'full' });
    const item = {
      configurationItemCaptureTime: new Date().toISOString(),
      configurationItemStatus: 'OK',
      resourceType: 'AWS::EC2::Instance',
      resourceId: instanceId(0),
      awsAccountId: '222222222222',
      awsRegion: 'eu-west-1',
      configuration: { instanceId: instanceId(0), imageId: imageId(0), state: { code: 16, name: 'running' } },
      tags: {},
    };
    const changeAnswer = await run(one, {
      invokingEvent: JSON.stringify({
        messageType: 'ConfigurationItemChangeNotification',
        notificationCreationTime: new Date().toISOString(),
        configurationItem: item,
        configurationItemDiff: { changeType: 'CREATE', changedProperties: {} },
      }),
      ruleParameters: RULE,
      resultToken: 'smoke-change',
      eventLeftScope: false,
      configRuleName: 'ami-guard-approved-ami',
    });

    return {
      node: process.version,
      bundleBytes: fs.statSync(bundle).size,
      scheduled: { answer: scheduledAnswer, receivedByConfig: fleet.receivedTotal, instances: INSTANCES },
      change: { answer: changeAnswer, receivedByConfig: { ...one.receivedByCompliance } },
    };
  } finally {
    for (const close of servers) await close();
    for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
    Object.assign(process.env, env);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
