"""Runs runbook script steps for the tests, one request after another, in ONE python3 process.

Reads one JSON request per line from the request pipe and writes one JSON answer per line to the
answer pipe (paths in argv). A request names the script's Python, its handler, the events and a stub
table: boto3 is then a stub that answers from the table and records every call. With "real": true,
calls the table does not list go to the real boto3 (e.g. against moto). A request {"call": {...}}
makes one real boto3 call (the runbook's API steps, against moto). Each request gets a fresh module.
"""
import json
import sys
import types
from datetime import datetime

try:
    import boto3 as REAL_BOTO3
except ImportError:  # the stubbed tests need no boto3
    REAL_BOTO3 = None


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


def stub_boto3(table, calls, real=False):
    """A boto3 module whose clients answer `service.method` from `table` (else, if `real`, from the real boto3)."""

    class Client:
        def __init__(self, service):
            self._service = service

        def __getattr__(self, method):
            service = self._service

            def call(**kwargs):
                calls.append([service, method, {k: _plain(v) for k, v in kwargs.items()}])
                key = service + "." + method
                if key not in table and real:
                    return getattr(REAL_BOTO3.client(service), method)(**kwargs)
                if key not in table:
                    raise ClientError("stub boto3: unexpected call " + key)
                answer = table[key]
                if isinstance(answer, list):
                    count = sum(1 for c in calls if c[:2] == [service, method])
                    answer = answer[min(count, len(answer)) - 1]
                if "raise" in answer:
                    error = type(answer.get("code", "ReadTimeoutError"), (Exception,), {})
                    raise error(answer["raise"])
                answer = dict(answer)
                if "Payload" in answer:
                    answer["Payload"] = _Body(answer["Payload"].encode())
                return answer

            return call

    module = types.ModuleType("boto3")
    module.client = lambda service, **kwargs: Client(service)
    return module


def call(request):
    """One real boto3 call; the reply without its metadata, or the error."""
    c = request["call"]
    try:
        reply = getattr(REAL_BOTO3.client(c["service"]), c["method"])(**c["kwargs"])
    except Exception as err:
        return {"error": type(err).__name__ + ": " + str(err), "calls": []}
    reply.pop("ResponseMetadata", None)
    return {"payload": reply, "calls": []}


def run(request):
    if "call" in request:
        return call(request)
    calls = [list(c) for c in request.get("priorCalls", [])]
    prior = len(calls)
    sys.modules["boto3"] = stub_boto3(request.get("stub") or {}, calls, request.get("real", False))
    step = types.ModuleType("step")
    exec(compile(request["script"], "step.py", "exec"), step.__dict__)
    if request.get("now") and hasattr(step, "utc_now"):
        fixed = datetime.fromisoformat(request["now"].replace("Z", "+00:00"))
        step.utc_now = lambda: fixed
    answer = {}
    try:
        answer["payload"] = getattr(step, request["handler"])(request["events"], None)
    except Exception as err:
        answer["error"] = str(err)
    answer["calls"] = calls[prior:]
    return answer


def main():
    with open(sys.argv[1]) as requests, open(sys.argv[2], "w") as answers:
        for line in requests:
            try:
                answer = run(json.loads(line))
            except Exception as err:
                answer = {"crash": type(err).__name__ + ": " + str(err)}
            answers.write(json.dumps(answer, default=str) + "\n")
            answers.flush()


if __name__ == "__main__":
    main()
