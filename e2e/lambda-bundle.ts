/**
 * The BUILT rule Lambda bundle run as the Lambda runtime runs it, against moto: each call in a fresh
 * Node process, and a recording proxy in front of moto that keeps every evaluation sent to Config
 * (moto accepts PutEvaluations only in test mode and stores nothing; see e2e/moto-gaps.ts).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

/** What the bundle answers, after the trip through JSON: the Config handler's counts, or a check result. */
export type BundleHandler = (event: unknown) => Promise<Record<string, unknown>>;

/**
 * `require()`s the built bundle in a fresh Node process and calls its handler, as the Lambda runtime does.
 * Not in Jest's VM: the bundled SDK does `await import("node:http")`, which Jest's VM refuses without
 * --experimental-vm-modules while plain Node (and Lambda) allow it. The result crosses as JSON, like Lambda's.
 */
const RUNNER = `
const fs = require('node:fs');
const [bundle, eventJson, resultFile] = process.argv.slice(1);
require(bundle).handler(JSON.parse(eventJson)).then(
  (result) => fs.writeFileSync(resultFile, JSON.stringify({ result })),
  (err) => fs.writeFileSync(resultFile, JSON.stringify({ error: { name: err.name, message: err.message } })),
);`;

/** Time limit of one bundle invocation (a fresh Node process). */
export const BUNDLE_CALL_MS = 60_000;

/** A handler that runs `bundle` with `env` (the Lambda's environment, with AWS_ENDPOINT_URL set). */
export function bundleHandler(bundle: string, env: NodeJS.ProcessEnv): BundleHandler {
  let calls = 0;
  return (event) =>
    new Promise((resolve, reject) => {
      const resultFile = path.join(path.dirname(bundle), `result-${++calls}.json`);
      execFile(
        process.execPath,
        ['-e', RUNNER, bundle, JSON.stringify(event), resultFile],
        { env, timeout: BUNDLE_CALL_MS },
        (err, _stdout, stderr) => {
          if (err) return reject(new Error(`bundle process failed: ${err.message}\n${stderr}`));
          const { result, error } = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
          if (error) reject(Object.assign(new Error(error.message), { name: error.name }));
          else resolve(result);
        },
      );
    });
}

/** An evaluation as the SDK puts it on the wire (JSON 1.1: timestamps in epoch seconds). */
export interface SentEvaluation {
  ComplianceResourceId: string;
  ComplianceType: string;
  Annotation: string;
  OrderingTimestamp: number;
}

/** A proxy in front of moto; `evaluations` holds the Evaluations of every PutEvaluations call through it. */
export interface RecordingProxy {
  readonly url: string;
  readonly evaluations: SentEvaluation[];
  close(): Promise<void>;
}

/** Starts a recording proxy on a free loopback port in front of `target`. */
export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const evaluations: SentEvaluation[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (String(req.headers['x-amz-target']).endsWith('.PutEvaluations')) {
        evaluations.push(...JSON.parse(body.toString()).Evaluations);
      }
      const forward = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      });
      forward.on('error', (err) => res.writeHead(502).end(String(err)));
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    evaluations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
