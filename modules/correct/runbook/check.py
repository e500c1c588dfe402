"""The runbook's check step: the last gate before any action.

aws:executeScript returns the handler's dict as Payload, so the branch can read one field of the
verdict; aws:invokeLambdaFunction only returns the whole response as one string. The script fails
closed on anything but a consistent, fresh answer about this very instance. Every name and value it
checks comes from the contract module (the constants prelude generated at synth).
"""
import json
from datetime import datetime, timedelta, timezone

import boto3

from ami_guard_contract import *  # noqa: F401,F403  (replaced at synth by constants generated from contract.ts)


def utc_now():
    return datetime.now(timezone.utc)


def fail(why, body=""):
    raise Exception("AMI Guard check failed, nothing was changed: " + why + (": " + body[:500] if body else ""))


def check(events, context):
    instance_id = events["InstanceId"]
    if not isinstance(instance_id, str) or not INSTANCE_ID.match(instance_id):
        fail("not an instance ID " + json.dumps(instance_id))
    grace = events.get("GraceHours")
    if events.get("Mode") == NOTIFY_MODE:
        grace = None
    if grace is not None and (isinstance(grace, bool) or not isinstance(grace, int) or not 0 <= grace <= MAX_GRACE_HOURS):
        fail("GraceHours must be a whole number of hours from 0 to " + str(MAX_GRACE_HOURS) + ", got " + json.dumps(grace))
    request = {"instanceId": instance_id, "mode": events["Mode"]}
    if grace is not None:
        request["graceHours"] = grace
    answer, body = invoke(events["FunctionName"], {CHECK_EVENT_KEY: request})
    if answer.get("instanceId") != instance_id:
        fail("the answer is about another instance", body)
    verdict = answer.get("verdict")
    compliance = answer.get("compliance")
    phase = answer.get("phase")
    if verdict not in (REMEDIATE, SKIP) or compliance not in COMPLIANCE_TYPES:
        fail("unexpected verdict or compliance", body)
    if verdict == REMEDIATE and compliance != NON_COMPLIANT:
        fail("REMEDIATE for an instance that is not NON_COMPLIANT", body)
    # A stale or deprecated finding only notifies, even with a grace period (unless enforceFreshness).
    notify_only = grace is not None and phase == NOTIFY_PHASES[0] and answer.get("finding") in FRESHNESS_REASONS
    if phase not in PHASES or (phase not in (NOTIFY_PHASES if grace is None else ACTING_PHASES) and not notify_only):
        fail("unexpected phase " + json.dumps(phase) + (" without" if grace is None else " with") + " a grace period", body)
    if (verdict == REMEDIATE) != (phase in REMEDIATE_PHASES):
        fail("the phase does not match the verdict", body)
    if phase == CLEAR and compliance != COMPLIANT:
        fail("removing the deadline of an instance that is not COMPLIANT", body)
    deadline = answer.get("deadline")
    overdue = False
    if phase in DEADLINE_PHASES:
        if not isinstance(deadline, str) or not DEADLINE.match(deadline):
            fail("a deadline phase without a deadline", body)
        due = datetime.strptime(deadline, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
        if phase == ACT and due > utc_now():
            fail("acting before the deadline " + deadline, body)
        overdue = phase == ACT and due + timedelta(hours=escalate_after(events)) <= utc_now()
    result = {field: answer.get(field) for field in FIELDS}
    for field in FIELDS:
        if not isinstance(result[field], str) or result[field] == "":
            result[field] = NONE
    for field in NAMED_FIELDS:
        if result[field] == NONE:
            result[field] = UNKNOWN
    result[OVERDUE] = "yes" if overdue else "no"
    return result


def escalate_after(events):
    """Hours past the deadline after which a still NON_COMPLIANT instance is escalated (the runbook parameter)."""
    hours = str(events.get(ESCALATE_AFTER_HOURS_PARAMETER, ""))
    if not hours.isdigit():
        fail(ESCALATE_AFTER_HOURS_PARAMETER + " must be a whole number of hours, got " + json.dumps(hours))
    return int(hours)


def invoke(function_name, event):
    """Invokes the rule Lambda; its answer as a dict and the raw body. Fails on anything but a JSON object."""
    try:
        response = boto3.client("lambda").invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
        body = response["Payload"].read().decode()
    except Exception as err:
        fail("the check function could not be invoked (" + type(err).__name__ + ": " + str(err) + ")")
    status = response.get("StatusCode")
    if response.get("FunctionError"):
        fail("the check function raised " + str(response.get("FunctionError")), body)
    if not isinstance(status, int) or not 200 <= status < 300:
        fail("the check function answered with status " + json.dumps(status), body)
    try:
        answer = json.loads(body)
    except ValueError:
        fail("the answer is not JSON", body)
    if not isinstance(answer, dict):
        fail("the answer is not a JSON object", body)
    return answer, body
