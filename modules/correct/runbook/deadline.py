"""The runbook's clear step: a COMPLIANT instance loses its notice record and its deadline tag."""
import boto3

from ami_guard_contract import *  # noqa: F401,F403  (replaced at synth by constants generated from contract.ts)


def clear(events, context):
    instance_id = events["InstanceId"]
    if not isinstance(instance_id, str) or not INSTANCE_ID.match(instance_id):
        raise Exception("not an instance ID: " + repr(instance_id))
    # The record first: a tag without a record decides nothing, a record without a tag still would.
    removed = "yes"
    try:
        boto3.client("ssm").delete_parameter(Name=NOTICE_RECORD_PATH + instance_id)
    except Exception as err:
        if type(err).__name__ != "ParameterNotFound" and "ParameterNotFound" not in str(err):
            raise
        removed = "no"
    boto3.client("ec2").delete_tags(Resources=[instance_id], Tags=[{"Key": DEADLINE_TAG_KEY}])
    return {"RecordRemoved": removed}
