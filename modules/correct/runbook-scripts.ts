/**
 * The runbook's Python, loaded at synth from the `.py` files in `runbook/`. Each file imports its
 * shared facts with `from ami_guard_contract import *`; that one line is replaced here by constants
 * generated from the contract module, so the Python never writes a key, pattern or phase twice.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  FRESHNESS_REASONS,
  CHECK_EVENT_KEY,
  CHECK_OUTPUTS,
  COMPLIANCE_TYPES,
  DEADLINE_PATTERN,
  DEADLINE_TAG_KEY,
  ESCALATE_AFTER_HOURS_PARAMETER,
  INSTANCE_ID_PATTERN,
  MAX_GRACE_HOURS,
  NOTICE_RECORD_PATH,
  PHASE,
  PHASES,
  UNKNOWN_OWNER,
  VERDICT,
  type ActingMode,
  type ComplianceType,
} from '../../lambda/ami-compliance/contract';

/** What an output says when the answer has no value for it (SNS refuses empty message attributes). */
const NONE = 'none';

/** The check step's output that says the deadline passed more than the escalation threshold ago (`yes`/`no`). */
export const OVERDUE_OUTPUT = 'Overdue';

/** The line each `.py` file has where the generated constants go. */
const CONTRACT_IMPORT = /^from ami_guard_contract import \*.*$/m;

const py = (value: unknown): string => JSON.stringify(value);
const tuple = (values: readonly unknown[]): string => `(${values.map(py).join(', ')}${values.length === 1 ? ',' : ''})`;

/** The constants prelude: Python assignments of every contract fact the scripts read. */
export function contractPrelude(): string {
  const deadlinePhases = [PHASE.notice, PHASE.wait, PHASE.act];
  const constants: Record<string, string> = {
    CHECK_EVENT_KEY: py(CHECK_EVENT_KEY),
    NOTIFY_MODE: py('notify' satisfies ActingMode),
    STOP_MODE: py('stop' satisfies ActingMode),
    TERMINATE_MODE: py('terminate' satisfies ActingMode),
    REMEDIATE: py(VERDICT.remediate),
    SKIP: py(VERDICT.skip),
    NON_COMPLIANT: py('NON_COMPLIANT' satisfies ComplianceType),
    COMPLIANT: py('COMPLIANT' satisfies ComplianceType),
    COMPLIANCE_TYPES: tuple(COMPLIANCE_TYPES),
    PHASES: tuple(PHASES),
    NOTIFY_PHASES: tuple([PHASE.notify, PHASE.skip]),
    FRESHNESS_REASONS: tuple(FRESHNESS_REASONS),
    DEADLINE_PHASES: tuple(deadlinePhases),
    ACTING_PHASES: tuple([...deadlinePhases, PHASE.clear, PHASE.skip]),
    REMEDIATE_PHASES: tuple([PHASE.notify, ...deadlinePhases]),
    ACT: py(PHASE.act),
    CLEAR: py(PHASE.clear),
    INSTANCE_ID: `re.compile(${py(INSTANCE_ID_PATTERN.source)})`,
    DEADLINE: `re.compile(${py(DEADLINE_PATTERN.source)})`,
    MAX_GRACE_HOURS: String(MAX_GRACE_HOURS),
    FIELDS: tuple(Object.values(CHECK_OUTPUTS)),
    NAMED_FIELDS: tuple([CHECK_OUTPUTS.Owner, CHECK_OUTPUTS.Team, CHECK_OUTPUTS.Launcher, CHECK_OUTPUTS.ImageId]),
    UNKNOWN: py(UNKNOWN_OWNER),
    OVERDUE: py(OVERDUE_OUTPUT),
    ESCALATE_AFTER_HOURS_PARAMETER: py(ESCALATE_AFTER_HOURS_PARAMETER),
    NOTICE_RECORD_PATH: py(NOTICE_RECORD_PATH),
    DEADLINE_TAG_KEY: py(DEADLINE_TAG_KEY),
    NONE: py(NONE),
  };
  return [
    '# Generated at synth from lambda/ami-compliance/contract.ts: the facts this script shares with the rule Lambda.',
    'import re',
    '',
    ...Object.entries(constants).map(([name, value]) => `${name} = ${value}`),
  ].join('\n');
}

/** The runbook's script files, by handler file name. */
export const RUNBOOK_SCRIPTS = ['check.py', 'safety.py', 'deadline.py'] as const;
export type RunbookScript = (typeof RUNBOOK_SCRIPTS)[number];

/** The directory of the `.py` files. */
export const RUNBOOK_SCRIPT_DIR = path.join(__dirname, 'runbook');

/** The Python of one script as the runbook carries it: the file, with the contract import replaced by the prelude. */
export function runbookScript(file: RunbookScript): string {
  const source = fs.readFileSync(path.join(RUNBOOK_SCRIPT_DIR, file), 'utf8');
  if (!CONTRACT_IMPORT.test(source)) {
    throw new Error(`modules/correct/runbook/${file} must import its constants with "from ami_guard_contract import *".`);
  }
  return source.replace(CONTRACT_IMPORT, () => contractPrelude());
}
