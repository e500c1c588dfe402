"""The runbook's safety step: what forbids the action, asked right before it, failing closed."""
from datetime import datetime, timedelta, timezone

import boto3

from ami_guard_contract import *  # noqa: F401,F403  (replaced at synth by constants generated from contract.ts)

PROTECTION = {
    STOP_MODE: ("disableApiStop", "DisableApiStop", "stop protection"),
    TERMINATE_MODE: ("disableApiTermination", "DisableApiTermination", "termination protection"),
}


def utc_now():
    return datetime.now(timezone.utc)


def safety(events, context):
    instance_id = events["InstanceId"]
    mode = events["Mode"]
    verb = "stopping" if mode == STOP_MODE else "terminating"
    keep_until = utc_now() + timedelta(days=int(events["KeepEvidenceDays"]))
    result = {"Blocked": "yes", "Why": "", "EvidenceUntil": keep_until.strftime("%Y-%m-%d")}
    if mode not in PROTECTION:
        result["Why"] = "mode " + str(mode) + " does not act"
        return result
    try:
        member = boto3.client("autoscaling").describe_auto_scaling_instances(InstanceIds=[instance_id]).get("AutoScalingInstances") or []
        if member:
            result["Why"] = ("it belongs to Auto Scaling group " + str(member[0].get("AutoScalingGroupName")) + ": " + verb
                             + " it would only make the group launch a replacement from the same launch template")
            return result
        attribute, key, name = PROTECTION[mode]
        value = boto3.client("ec2").describe_instance_attribute(InstanceId=instance_id, Attribute=attribute).get(key) or {}
        if value.get("Value") is not False:
            result["Why"] = name + " (" + key + ") is on" if value.get("Value") else "its " + name + " setting could not be read"
            return result
    except Exception as err:
        result["Why"] = "AMI Guard could not confirm that " + verb + " it is safe (" + type(err).__name__ + ": " + str(err)[:300] + ")"
        return result
    result["Blocked"] = "no"
    return result
