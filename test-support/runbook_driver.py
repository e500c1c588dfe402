"""Runs runbook script steps for the tests, one request after another, in ONE python3 process.

Reads one JSON request per line from the request pipe and writes one JSON answer per line to the
answer pipe (paths in argv). A request names the script's Python, its handler, the events, and either
a stub table (boto3 is then a stub that answers from the table and records every call) or nothing
(the real boto3, e.g. against moto). Each request gets a fresh module and a fresh stub.
"""
import json
import sys
import types
from datetime import datetime


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


def stub_boto3(table, calls):
    """A boto3 module whose clients answer `service.method` from `table` and append each call to `calls`."""

    class Client:
        def __init__(self, service):
            self._service = service

        def __getattr__(self, method):
            service = self._service

            def call(**kwargs):
                calls.append([service, method, {k: _plain(v) for k, v in kwargs.items()}])
                key = service + "." + method
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


def run(request):
    calls = [list(c) for c in request.get("priorCalls", [])]
    prior = len(calls)
    real = request.get("stub") is None
    if real:
        sys.modules.pop("boto3", None)
        import boto3  # noqa: F401  (the real one)
    else:
        sys.modules["boto3"] = stub_boto3(request["stub"], calls)
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
