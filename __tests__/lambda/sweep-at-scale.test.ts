/**
 * The scheduled sweep against a model of AWS (test-support/fake-aws.ts): real SDK clients with the
 * Lambda's retry settings, pages and limits as AWS has them, throttling that the SDK must retry.
 * Nothing here is timed; how fast the sweep is lives in `npm run bench`.
 */
import { PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { lazyAwsClients, listInstancePages, type AwsClients, type ClientOverrides } from '../../lambda/ami-compliance/aws';
import { evaluateInstance } from '../../lambda/ami-compliance/evaluate';
import { handleConfigEvent, type ConfigHandlerResult } from '../../lambda/ami-compliance/handler';
import { parseRuleParameters } from '../../lambda/ami-compliance/params';
import { DEFAULT_TUNING, SEQUENTIAL_TUNING } from '../../lambda/ami-compliance/sweep';
import { AwsModel, imageId, imageTags, instanceId, instanceState } from '../../test-support/fake-aws';
import { clientsWith, configEvent, ec2Instance, mockedClients } from './fixtures/aws-fakes';
import scheduledEvent from './fixtures/scheduled.invoking-event.json';

const RULE = { tagKey: 'Environment', tagValues: 'Prod' };
const NOW = new Date('2026-01-11T00:00:00Z');
const event = () => configEvent(scheduledEvent, RULE);

let logs: string[];
beforeEach(() => {
  logs = [];
  const keep = (...args: unknown[]) => void logs.push(args.map(String).join(' '));
  jest.spyOn(console, 'log').mockImplementation(keep);
  jest.spyOn(console, 'warn').mockImplementation(keep);
  jest.spyOn(console, 'error').mockImplementation(keep);
});
afterEach(() => jest.restoreAllMocks());

/** The verdict the evaluator gives instance i of the model's fleet. */
function expectedCompliance(model: AwsModel, i: number): string {
  const j = i % model.images;
  const instance = { instanceId: instanceId(i), imageId: imageId(j), state: instanceState(i), tags: { Name: `web-${i}` } };
  const image = { imageId: imageId(j), ownerId: '111111111111', tags: imageTags(j) };
  return evaluateInstance(instance, image, parseRuleParameters(RULE), { now: NOW }).complianceType;
}

/**
 * Runs `work` with jest's fake clock (Date, setTimeout, performance.now), moving it on 50 ms at a time until
 * the work settles. Promise jobs, nextTick and setImmediate stay real, so the SDK's async code runs as usual.
 */
async function inSimulatedTime<T>(work: () => Promise<T>): Promise<T> {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
  try {
    let settled = false;
    const running = work().finally(() => {
      settled = true;
    });
    while (!settled) await jest.advanceTimersByTimeAsync(50);
    return await running;
  } finally {
    jest.useRealTimers();
  }
}

describe('a sweep of 100,000 instances', () => {
  let model: AwsModel;
  let result: ConfigHandlerResult;
  beforeAll(async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    model = new AwsModel({ instances: 100_000, images: 300, detail: 'lean' });
    result = await handleConfigEvent(event(), model.clients(), { now: NOW });
    jest.restoreAllMocks();
  }, 300_000);

  test('reports every instance exactly once, counted by what Config received', () => {
    expect(model.instancesReceiving(1)).toBe(100_000);
    expect(model.unknownEvaluations).toBe(0);
    expect(model.receivedTotal).toBe(100_000);
    // a third of the AMIs carry Environment=Prod
    expect(model.receivedByCompliance).toEqual({ COMPLIANT: 33_334, NON_COMPLIANT: 66_666 });
  });

  test('makes the fewest calls AWS allows: 100 pages, 2 image batches for 300 AMIs, 1,000 reports', () => {
    expect(model.calls).toEqual({
      DescribeInstances: 100,
      DescribeImages: 2,
      PutEvaluations: 1000,
      GetParameter: 0,
      AssumeRole: 0,
    });
    expect([...model.imageRequests.values()].every((n) => n === 1)).toBe(true);
  });

  test('answers with counts, far below the 6 MB Lambda allows for a response', () => {
    expect(result).toEqual({
      messageType: 'ScheduledNotification',
      reported: 100_000,
      compliance: { COMPLIANT: 33_334, NON_COMPLIANT: 66_666, NOT_APPLICABLE: 0 },
      complete: true,
      notEvaluated: 0,
      unreadPages: false,
      pages: 100,
    });
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(1024);
  });
});

describe('throttling', () => {
  test('calls AWS throttles are retried by the SDK until every instance is reported once', async () => {
    // GIVEN Config accepts 10 PutEvaluations a second and EC2 2 DescribeImages: less than the sweep asks for
    const model = new AwsModel({
      instances: 3_000,
      images: 600,
      detail: 'lean',
      latencyMs: 5,
      rateLimits: { PutEvaluations: 10, DescribeImages: 2 },
    });
    // WHEN the sweep runs with its production concurrency, in simulated time: the SDK's backoff and its
    // adaptive rate limiter (Date.now, setTimeout) and the model's token buckets (performance.now) share a
    // clock that jumps ahead instead of the test waiting seconds for it
    const result = await inSimulatedTime(() => handleConfigEvent(event(), model.clients(), { now: NOW, tuning: DEFAULT_TUNING }));
    // THEN both APIs throttled some calls, and still each instance was reported exactly once
    expect(model.throttled.PutEvaluations).toBeGreaterThan(0);
    expect(model.throttled.DescribeImages).toBeGreaterThan(0);
    expect(model.instancesReceiving(1)).toBe(3_000);
    expect(model.receivedTotal).toBe(3_000);
    expect(model.calls.PutEvaluations - model.throttled.PutEvaluations).toBe(30);
    expect(result.reported).toBe(3_000);
  }, 120_000);
});

describe('the time budget', () => {
  test('too small for the fleet: a strict subset is reported, each verdict real, and the rest is logged', async () => {
    // GIVEN 10,000 instances (112 calls), and a Lambda whose remaining time shrinks by 100 ms per AWS call, from 12 s
    const model = new AwsModel({ instances: 10_000, images: 300, detail: 'lean' });
    const calls = () => Object.values(model.calls).reduce((a, b) => a + b, 0);
    const context = { getRemainingTimeInMillis: () => 12_000 - 100 * calls() };
    // WHEN the sweep runs (it keeps a reserve of 3 s, so it stops judging after about 90 calls)
    const result = await handleConfigEvent(event(), model.clients(), { now: NOW, context });
    // THEN it ended early and says so in its answer
    expect(result.complete).toBe(false);
    expect(result.reported).toBeGreaterThan(0);
    expect(result.reported).toBeLessThan(10_000);
    expect(result.notEvaluated).toBeGreaterThan(0);
    expect(result.unreadPages).toBe(true);
    // AND Config received exactly the reported instances, once each, with the verdict the evaluator gives them
    expect(model.receivedTotal).toBe(result.reported);
    expect(model.instancesReceiving(1)).toBe(result.reported);
    expect(model.unknownEvaluations).toBe(0);
    const received = [...model.received.keys()].filter((i) => model.received[i] === 1);
    const compliant = received.filter((i) => expectedCompliance(model, i) === 'COMPLIANT').length;
    expect(model.receivedByCompliance.COMPLIANT ?? 0).toBe(compliant);
    expect(model.receivedByCompliance.NON_COMPLIANT).toBe(received.length - compliant);
    // AND nothing was reported for the rest: no instance got a verdict it was not judged for
    expect(model.instancesReceiving(0)).toBe(10_000 - result.reported);
    // AND one warning line says how many were left and what to do
    const warning = logs.find((line) => line.includes('"level":"WARN"'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({
      reported: result.reported,
      notEvaluated: result.notEvaluated,
      unreadPages: true,
      message: expect.stringMatching(
        /left: \d+ listed instance\(s\) not evaluated, and the pages after them not read.*detection\.timeoutSeconds/,
      ),
    });
  });

  test('large enough: the sweep completes and logs no warning', async () => {
    const model = new AwsModel({ instances: 2_500, images: 300, detail: 'lean' });
    const result = await handleConfigEvent(event(), model.clients(), {
      now: NOW,
      context: { getRemainingTimeInMillis: () => 300_000 },
    });
    expect(result).toMatchObject({ complete: true, reported: 2_500, notEvaluated: 0 });
    expect(logs.some((line) => line.includes('"level":"WARN"'))).toBe(false);
  });
});

describe('pagination and memory', () => {
  test('a DescribeInstances that repeats its NextToken fails the sweep at once, naming the call', async () => {
    // GIVEN an EC2 that hands back the same NextToken on every page
    const model = new AwsModel({ instances: 5_000, detail: 'lean', repeatNextToken: true });
    // WHEN the sweep runs THEN it fails after the second page, instead of looping until Lambda stops it
    await expect(handleConfigEvent(event(), model.clients(), { now: NOW })).rejects.toThrow(
      /^DescribeInstances returned the NextToken "same-token" a second time, after 1 page\(s\)/,
    );
    expect(model.calls.DescribeInstances).toBe(2);
    expect(logs.some((line) => line.includes('"level":"ERROR"') && line.includes('DescribeInstances returned'))).toBe(true);
  });

  test('while Config does not answer, the sweep reads no more than the page after the one it judges: memory follows a page', async () => {
    // GIVEN ten pages of instances, and a Config whose PutEvaluations never answers
    const m = mockedClients();
    const page = (n: number) => Array.from({ length: 1000 }, (_, i) => ec2Instance(instanceId(n * 1000 + i), imageId(0)));
    m.ec2Mock.on(DescribeInstancesCommand).callsFake((input) => {
      const n = Number(input.NextToken ?? 0);
      return { Reservations: [{ Instances: page(n) }], NextToken: n < 9 ? String(n + 1) : undefined };
    });
    m.ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
    m.configMock.on(PutEvaluationsCommand).callsFake(() => new Promise(() => undefined));
    // WHEN the sweep has run as far as it can
    void handleConfigEvent(event(), clientsWith(m), { now: NOW, tuning: DEFAULT_TUNING });
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    // THEN it holds the calls in flight and one chunk: it stopped in the page holding evaluation (calls + 1) x 100
    expect(m.configMock.commandCalls(PutEvaluationsCommand)).toHaveLength(DEFAULT_TUNING.putConcurrency);
    const judging = Math.floor(((DEFAULT_TUNING.putConcurrency + 1) * 100 - 1) / 1000);
    // AND asked EC2 for the pages up to that one and the next (the test double gives no raw reply to read ahead from)
    expect(m.ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(judging + 1 + DEFAULT_TUNING.readAhead);
  });

  test('the sequential sweep reports the same as the concurrent one', async () => {
    const results = [];
    for (const tuning of [SEQUENTIAL_TUNING, DEFAULT_TUNING]) {
      const model = new AwsModel({ instances: 2_500, images: 300, missingImages: 10, detail: 'lean' });
      results.push(await handleConfigEvent(event(), model.clients(), { now: NOW, tuning }));
      expect(model.instancesReceiving(1)).toBe(2_500);
    }
    expect(results[1]).toEqual(results[0]);
  });
});

describe('the next DescribeInstances page, requested before this one is parsed', () => {
  /** Reads the pages one at a time, noting how many pages EC2 had been asked for while each was held. */
  async function readOneByOne(model: AwsModel, clients: AwsClients) {
    const pages = listInstancePages(clients.ec2, { prefetch: true });
    const askedWhileHeld: number[] = [];
    const ids: string[] = [];
    for (let next = await pages.next(); !next.done; next = await pages.next()) {
      // an early request goes out when a reply arrives; give the one just read time to show up
      for (let i = 0; i < 200 && model.calls.DescribeInstances < Math.min(askedWhileHeld.length + 2, 5); i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      askedWhileHeld.push(model.calls.DescribeInstances);
      ids.push(...next.value.instances.map((i) => i.instanceId));
    }
    return { askedWhileHeld, ids };
  }

  test('is asked for when the reply of the page being read arrives, and nothing beyond it', async () => {
    // GIVEN 4,500 instances: five pages
    const model = new AwsModel({ instances: 4_500, detail: 'lean' });
    // WHEN the pages are read one at a time
    const { askedWhileHeld, ids } = await readOneByOne(model, model.clients());
    // THEN while page n was held EC2 had been asked for page n + 1 too, never n + 2, and for no page twice
    expect(askedWhileHeld).toEqual([2, 3, 4, 5, 5]);
    expect(model.calls.DescribeInstances).toBe(5);
    expect(ids).toEqual(Array.from({ length: 4_500 }, (_, i) => instanceId(i)));
  });

  test('reads the token from replies streamed over HTTP, as in Lambda, and the sweep reports each instance once', async () => {
    const model = new AwsModel({ instances: 4_500, detail: 'lean' });
    const server = await model.serve();
    try {
      const { askedWhileHeld, ids } = await readOneByOne(model, server.clients);
      expect(askedWhileHeld).toEqual([2, 3, 4, 5, 5]);
      expect(new Set(ids).size).toBe(4_500);
      const result = await handleConfigEvent(event(), server.clients, { now: NOW });
      expect(result).toMatchObject({ complete: true, reported: 4_500, pages: 5 });
      expect(model.instancesReceiving(1)).toBe(4_500);
      expect(model.calls.DescribeInstances).toBe(10); // five for the reading above, five for the sweep
    } finally {
      await server.close();
    }
  });

  test('an early request the parsed reply does not confirm is dropped, its error with it, and the page asked for again', async () => {
    // GIVEN an EC2 whose NextTokens hold an escaped character: the raw reply says a&amp;1, the parsed one a&1,
    // and which refuses the unescaped token as EC2 refuses a token it did not give
    const asked: (string | null)[] = [];
    const handle = async (request: { body?: unknown }) => {
      const token = new URLSearchParams(String(request.body)).get('NextToken');
      asked.push(token);
      const page = [null, 'a&1', 'a&2'].indexOf(token);
      const xml =
        page < 0
          ? `<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>bad token</Message></Error></Errors></Response>`
          : `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet>` +
            `<item><reservationId>r-1</reservationId><instancesSet><item><instanceId>${instanceId(page)}</instanceId>` +
            `<imageId>${imageId(0)}</imageId></item></instancesSet></item></reservationSet>` +
            `${page < 2 ? `<nextToken>a&amp;${page + 1}</nextToken>` : ''}</DescribeInstancesResponse>`;
      return { response: { statusCode: page < 0 ? 400 : 200, headers: { 'content-type': 'text/xml' }, body: Buffer.from(xml) } };
    };
    const clients = lazyAwsClients({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
      requestHandler: { handle } as ClientOverrides['requestHandler'],
    });
    // WHEN every page is read
    const ids: string[] = [];
    for await (const page of listInstancePages(clients.ec2, { prefetch: true }))
      ids.push(...page.instances.map((i) => i.instanceId));
    // THEN each page came once, in order, from a request with the parsed token; the early guesses failed unseen
    expect(ids).toEqual([instanceId(0), instanceId(1), instanceId(2)]);
    expect(asked).toEqual([null, 'a&amp;1', 'a&1', 'a&amp;2', 'a&2']);
  });
});
