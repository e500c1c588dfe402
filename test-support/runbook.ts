/**
 * Runs a runbook's `aws:executeScript` Python against a stub `boto3`, and follows its `aws:branch`
 * steps, so tests exercise the exact code SSM Automation would run. The stub answers each
 * `client(service).method(**kwargs)` from a table and records every call.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AutomationDocument, AutomationStep } from '../modules/correct/remediation-document';
import { tempDir } from './synth';

/** One stubbed answer: the response dict, or an exception to raise (a timeout, say). */
export type StubAnswer = Record<string, unknown> | { readonly raise: string };

/** `"service.method"` -> the answer to every call, or one answer per call in order. */
export type Boto3Stub = Record<string, StubAnswer | readonly StubAnswer[]>;

export interface ScriptRun {
  /** The dict the handler returned (the step's `Payload`), when it returned. */
  readonly payload?: Record<string, unknown>;
  /** The exception message, when the handler raised (the step fails). */
  readonly error?: string;
  /** Every boto3 call: service, method, keyword arguments (a Lambda `Payload` decoded as JSON). */
  readonly calls: readonly { service: string; method: string; kwargs: Record<string, unknown> }[];
}

const STUB_BOTO3 = `import json
import os


class ReadTimeoutError(Exception):
    pass


class ClientError(Exception):
    pass


class _Body:
    def __init__(self, data):
        self._data = data

    def read(self):
        return self._data


def _plain(value):
    if isinstance(value, (bytes, bytearray)):
        try:
            return json.loads(value.decode())
        except ValueError:
            return value.decode()
    return value


class _Client:
    def __init__(self, service):
        self._service = service

    def __getattr__(self, method):
        def call(**kwargs):
            with open(os.environ["AMI_GUARD_STUB_CALLS"], "a") as log:
                log.write(json.dumps([self._service, method, {k: _plain(v) for k, v in kwargs.items()}], default=str) + "\\n")
            table = json.load(open(os.environ["AMI_GUARD_STUB"]))
            key = self._service + "." + method
            if key not in table:
                raise ClientError("stub boto3: unexpected call " + key)
            answer = table[key]
            if isinstance(answer, list):
                count = sum(1 for line in open(os.environ["AMI_GUARD_STUB_CALLS"]) if json.loads(line)[:2] == [self._service, method])
                answer = answer[min(count, len(answer)) - 1]
            if "raise" in answer:
                raise ReadTimeoutError(answer["raise"])
            answer = dict(answer)
            if "Payload" in answer:
                answer["Payload"] = _Body(answer["Payload"].encode())
            return answer

        return call


def client(service, **kwargs):
    return _Client(service)
`;

const RUNNER = `import importlib.util
import json
import sys

spec = importlib.util.spec_from_file_location("step", sys.argv[1])
step = importlib.util.module_from_spec(spec)
spec.loader.exec_module(step)
try:
    result = getattr(step, sys.argv[2])(json.loads(sys.argv[3]), None)
except Exception as err:
    print(json.dumps({"error": str(err)}))
    sys.exit(0)
print(json.dumps({"payload": result}))
`;

/** Why Python cannot run here, or undefined when `python3` is available. */
export function pythonUnavailableReason(): string | undefined {
  const res = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  return res.error || res.status !== 0 ? 'python3 is not on the PATH' : undefined;
}

/** The `aws:executeScript` step of a document by name. */
export function scriptStep(doc: AutomationDocument, name: string): AutomationStep {
  const step = doc.mainSteps.find((s) => s.name === name);
  if (!step || step.action !== 'aws:executeScript') throw new Error(`no aws:executeScript step ${name}`);
  return step;
}

/**
 * Runs one `aws:executeScript` step's handler with `events` (the step's InputPayload after parameter
 * substitution) against the stub.
 */
export function runScriptStep(step: AutomationStep, events: Record<string, unknown>, stub: Boto3Stub): ScriptRun {
  const inputs = step.inputs as { Script: string; Handler: string };
  const dir = tempDir('ami-guard-runbook-');
  try {
    fs.writeFileSync(path.join(dir, 'boto3.py'), STUB_BOTO3);
    fs.writeFileSync(path.join(dir, 'step.py'), inputs.Script);
    fs.writeFileSync(path.join(dir, 'runner.py'), RUNNER);
    fs.writeFileSync(path.join(dir, 'stub.json'), JSON.stringify(stub));
    const callsFile = path.join(dir, 'calls.jsonl');
    fs.writeFileSync(callsFile, '');
    const res = spawnSync(
      'python3',
      [path.join(dir, 'runner.py'), path.join(dir, 'step.py'), inputs.Handler, JSON.stringify(events)],
      {
        cwd: dir,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          PYTHONPATH: dir,
          AMI_GUARD_STUB: path.join(dir, 'stub.json'),
          AMI_GUARD_STUB_CALLS: callsFile,
        },
        timeout: 60_000,
      },
    );
    if (res.status !== 0) throw new Error(`python3 failed to run step ${step.name}: ${res.stderr || res.error}`);
    const out = JSON.parse(res.stdout) as { payload?: Record<string, unknown>; error?: string };
    const calls = fs
      .readFileSync(callsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [service, method, kwargs] = JSON.parse(line) as [string, string, Record<string, unknown>];
        return { service, method, kwargs };
      });
    return { ...out, calls };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Choice {
  readonly NextStep?: string;
  readonly Variable?: string;
  readonly StringEquals?: string;
  readonly And?: readonly Choice[];
  readonly Or?: readonly Choice[];
  readonly Not?: Choice;
}

/** Replaces `{{ Name }}` references with their values; an unknown reference is an error. */
function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{\s*([\w.:]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for {{ ${name} }}`);
    return values[name];
  });
}

function matches(choice: Choice, values: Readonly<Record<string, string>>): boolean {
  if (choice.And) return choice.And.every((c) => matches(c, values));
  if (choice.Or) return choice.Or.some((c) => matches(c, values));
  if (choice.Not) return !matches(choice.Not, values);
  if (choice.Variable !== undefined && choice.StringEquals !== undefined) {
    return substitute(choice.Variable, values) === choice.StringEquals;
  }
  throw new Error(`unsupported choice ${JSON.stringify(choice)}`);
}

/** The step an `aws:branch` step goes to, given parameter and step-output values (`{ "CheckInstance.Verdict": ... }`). */
export function branchTarget(doc: AutomationDocument, name: string, values: Readonly<Record<string, string>>): string {
  const step = doc.mainSteps.find((s) => s.name === name);
  if (!step || step.action !== 'aws:branch') throw new Error(`no aws:branch step ${name}`);
  const inputs = step.inputs as { Choices: readonly Choice[]; Default?: string };
  const hit = inputs.Choices.find((c) => matches(c, values));
  if (hit?.NextStep) return hit.NextStep;
  if (!inputs.Default) throw new Error(`branch ${name} has no matching choice and no Default`);
  return inputs.Default;
}

/** A step's outputs as `<step>.<Name>` values, read from its Payload with each output's `$.Payload.<field>` selector. */
export function stepOutputs(step: AutomationStep, payload: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const output of step.outputs ?? []) {
    const field = output.Selector.replace(/^\$\.Payload\./, '');
    values[`${step.name}.${output.Name}`] = String(payload[field]);
  }
  return values;
}
