/**
 * Runs a runbook's `aws:executeScript` Python against a stub `boto3`, and follows its `aws:branch`
 * steps, so tests exercise the exact code SSM Automation would run. The stub answers each
 * `client(service).method(**kwargs)` from a table and records every call. {@link runAutomation} walks a
 * whole runbook: scripts run in python3, and the API actions (`aws:executeAwsApi`,
 * `aws:changeInstanceState`, `aws:waitForAwsResourceProperty`) are answered from the same table under
 * boto3's names (`ec2.create_tags`), so one call log shows everything the runbook did, in order.
 */
import { spawnSync } from 'node:child_process';
import type { AutomationDocument, AutomationStep } from '../modules/correct/remediation-document';
import { sharedRunbookDriver, type RunbookDriver } from './runbook-driver';

/** One stubbed answer: the response dict, or an exception to raise (a timeout, say; `code` names its class, e.g. `ParameterNotFound`). */
export type StubAnswer = Record<string, unknown> | { readonly raise: string; readonly code?: string };

/** `"service.method"` (boto3 names) -> the answer to every call, or one answer per call in order (the last repeats). */
export type Boto3Stub = Record<string, StubAnswer | readonly StubAnswer[]>;

/** One recorded API call. */
export interface StubCall {
  readonly service: string;
  readonly method: string;
  readonly kwargs: Record<string, unknown>;
}

export interface ScriptRun {
  /** The dict the handler returned (the step's `Payload`), when it returned. */
  readonly payload?: Record<string, unknown>;
  /** The exception message, when the handler raised (the step fails). */
  readonly error?: string;
  /** Every boto3 call: service, method, keyword arguments (a Lambda `Payload` decoded as JSON). */
  readonly calls: readonly StubCall[];
}

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

/** Options of a script run. */
export interface ScriptOptions {
  /** The clock the script's `utc_now()` returns. @default the real clock */
  readonly now?: Date;
  /** Calls made earlier in the same automation: they count for answers given one per call. */
  readonly priorCalls?: readonly StubCall[];
  /** The Python process. @default the test file's shared driver (stubs only) */
  readonly driver?: RunbookDriver;
  /** Calls the stub does not list go to the real boto3 of `driver`. @default false */
  readonly real?: boolean;
}

/**
 * Runs one `aws:executeScript` step's handler with `events` (the step's InputPayload after parameter
 * substitution) against the stub; `calls` holds only the calls of this step.
 */
export function runScriptStep(
  step: AutomationStep,
  events: Record<string, unknown>,
  stub: Boto3Stub,
  options: ScriptOptions = {},
): ScriptRun {
  const inputs = step.inputs as { Script: string; Handler: string };
  const answer = (options.driver ?? sharedRunbookDriver()).run({
    script: inputs.Script,
    handler: inputs.Handler,
    events,
    stub,
    real: options.real ?? false,
    priorCalls: (options.priorCalls ?? []).map((c) => [c.service, c.method, c.kwargs]),
    ...(options.now ? { now: options.now.toISOString() } : {}),
  });
  const calls = answer.calls.map(([service, method, kwargs]) => ({ service, method, kwargs }));
  return {
    ...(answer.payload ? { payload: answer.payload } : {}),
    ...(answer.error !== undefined ? { error: answer.error } : {}),
    calls,
  };
}

interface Choice {
  readonly NextStep?: string;
  readonly Variable?: string;
  readonly StringEquals?: string;
  readonly And?: readonly Choice[];
  readonly Or?: readonly Choice[];
  readonly Not?: Choice;
}

/** Replaces `{{ Name }}` references with their values; an unknown reference is an error (as in SSM). */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
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

/** Substitutes every string inside a step's inputs. */
function substituteAll(value: unknown, values: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return substitute(value, values);
  if (Array.isArray(value)) return value.map((v) => substituteAll(v, values));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteAll(v, values)]));
  }
  return value;
}

/** Reads `$.a.b[0].c` from a value. */
function select(value: unknown, selector: string): unknown {
  if (!selector.startsWith('$')) throw new Error(`unsupported selector ${selector}`);
  let current = value;
  for (const [, name, index] of selector.slice(1).matchAll(/\.(\w+)|\[(\d+)\]/g)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = name !== undefined ? (current as Record<string, unknown>)[name] : (current as unknown[])[Number(index)];
  }
  return current;
}

/** `CreateTags` -> `create_tags`, as boto3 names the method. */
function snake(api: string): string {
  return api.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Everything a simulated automation run needs besides the runbook. */
export interface AutomationRun {
  /** The runbook parameters (`InstanceId`, `Mode`, ...). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly stub: Boto3Stub;
  /** The clock of the script steps. */
  readonly now: Date;
  /** @default 222222222222 */
  readonly accountId?: string;
  /** @default eu-west-1 */
  readonly region?: string;
  /** @default a fixed execution ID */
  readonly executionId?: string;
  /**
   * Where calls the stub does not list go: the API steps call `real(service, method, kwargs)`, the
   * scripts call the real boto3 of `driver`. @default none: an unlisted call fails its step
   */
  readonly real?: {
    readonly driver: RunbookDriver;
    call(service: string, method: string, kwargs: Record<string, unknown>): Record<string, unknown>;
  };
}

/** What a simulated automation did. */
export interface AutomationResult {
  readonly status: 'Success' | 'Failed';
  /** The steps that ran, in order. */
  readonly steps: readonly string[];
  /** Every API call of every step, in order. */
  readonly calls: readonly StubCall[];
  /** Parameters, system variables and step outputs at the end. */
  readonly values: Readonly<Record<string, string>>;
  /** Why the automation failed. */
  readonly failure?: string;
}

/** The AWS API calls an `aws:changeInstanceState` step makes for each desired state. */
const STATE_CHANGES: Record<string, string> = {
  stopped: 'stop_instances',
  terminated: 'terminate_instances',
  running: 'start_instances',
};

/**
 * Runs a whole runbook as SSM Automation would, against the stub: parameters and system variables
 * substituted, scripts in python3, API actions answered from the table, branches followed, `onFailure`
 * honoured. A call without an answer in the table fails its step, as the Python stub does.
 */
export function runAutomation(doc: AutomationDocument, run: AutomationRun): AutomationResult {
  const values: Record<string, string> = {
    ...run.parameters,
    'global:ACCOUNT_ID': run.accountId ?? '222222222222',
    'global:REGION': run.region ?? 'eu-west-1',
    'automation:EXECUTION_ID': run.executionId ?? '0b5e6f1c-7d3a-4e5f-9a1b-2c3d4e5f6a7b',
  };
  const calls: StubCall[] = [];
  const steps: string[] = [];
  const answer = (service: string, method: string, kwargs: Record<string, unknown>): Record<string, unknown> => {
    calls.push({ service, method, kwargs });
    const entry = run.stub[`${service}.${method}`];
    if (entry === undefined && run.real) return run.real.call(service, method, kwargs);
    if (entry === undefined) throw new Error(`stub boto3: unexpected call ${service}.${method}`);
    const count = calls.filter((c) => c.service === service && c.method === method).length;
    const reply = Array.isArray(entry) ? entry[Math.min(count, entry.length) - 1] : entry;
    if ('raise' in reply) throw new Error(String(reply.raise));
    return reply as Record<string, unknown>;
  };
  const byName = new Map(doc.mainSteps.map((s) => [s.name, s]));
  let current: AutomationStep | undefined = doc.mainSteps[0];
  while (current) {
    const step: AutomationStep = current;
    steps.push(step.name);
    if (steps.length > 100) throw new Error(`the automation loops: ${steps.slice(-10).join(' -> ')}`);
    let failure: string | undefined;
    let outputs: Record<string, unknown> | undefined;
    try {
      if (step.action === 'aws:branch') {
        current = byName.get(branchTarget(doc, step.name, values));
        continue;
      }
      const inputs = substituteAll(step.inputs, values) as Record<string, unknown>;
      switch (step.action) {
        case 'aws:executeScript': {
          const result = runScriptStep(step, inputs.InputPayload as Record<string, unknown>, run.stub, {
            now: run.now,
            priorCalls: calls,
            ...(run.real ? { driver: run.real.driver, real: true } : {}),
          });
          calls.push(...result.calls);
          if (result.error !== undefined) throw new Error(result.error);
          outputs = { Payload: result.payload };
          break;
        }
        case 'aws:executeAwsApi': {
          const { Service, Api, ...kwargs } = inputs;
          outputs = answer(String(Service), snake(String(Api)), kwargs);
          break;
        }
        case 'aws:changeInstanceState': {
          const method = STATE_CHANGES[String(inputs.DesiredState)];
          if (!method) throw new Error(`unsupported DesiredState ${String(inputs.DesiredState)}`);
          outputs = answer('ec2', method, { InstanceIds: inputs.InstanceIds });
          break;
        }
        case 'aws:waitForAwsResourceProperty': {
          const { Service, Api, PropertySelector, DesiredValues, ...kwargs } = inputs;
          let reached = false;
          for (let poll = 0; poll < 10 && !reached; poll++) {
            const reply = answer(String(Service), snake(String(Api)), kwargs);
            reached = (DesiredValues as string[]).includes(String(select(reply, String(PropertySelector))));
          }
          if (!reached) throw new Error(`${String(PropertySelector)} never reached ${JSON.stringify(DesiredValues)}`);
          break;
        }
        case 'aws:sleep':
          break;
        default:
          throw new Error(`the simulator does not run ${step.action}`);
      }
    } catch (err) {
      failure = `${step.name}: ${(err as Error).message}`;
    }
    if (failure !== undefined) {
      const target = step.onFailure?.startsWith('step:') ? byName.get(step.onFailure.slice(5)) : undefined;
      if (!target) return { status: 'Failed', steps, calls, values, failure };
      current = target;
      continue;
    }
    for (const output of step.outputs ?? []) {
      const value = select(outputs, output.Selector);
      if (value === undefined) return { status: 'Failed', steps, calls, values, failure: `${step.name}: no ${output.Selector}` };
      values[`${step.name}.${output.Name}`] = String(value);
    }
    if (step.isEnd) break;
    if (step.nextStep) current = byName.get(step.nextStep);
    else current = doc.mainSteps[doc.mainSteps.indexOf(step) + 1];
  }
  return { status: 'Success', steps, calls, values };
}
