"""Checks clients/python/posterior.py against a live server; run by test/clients/python-client.test.ts.

Usage: client_check.py URL API_KEY. Plain asserts, so it runs on a bare /usr/bin/python3.
"""

import http.server
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "clients", "python"))

from posterior import Client, PosteriorError, PosteriorUnreachableError, tune  # noqa: E402

URL, KEY = sys.argv[1], sys.argv[2]
client = Client(URL, api_key=KEY, backoff=0.01)
SPACE = [
    {"name": "x", "type": "float", "low": -2, "high": 2},
    {"name": "k", "type": "categorical", "choices": ["a", "b"]},
]
checks = []


def check(fn):
    checks.append(fn)
    return fn


@check
def every_method_answers_with_the_wire_body():
    study = client.create_study("py-crud", SPACE, goal="minimize", objective_name="loss")
    assert study["objective"] == {"name": "loss", "goal": "minimize"}, study
    assert client.create_study("py-crud", SPACE, objective_name="loss")["id"] == study["id"]
    assert client.get_study(study["id"])["name"] == "py-crud"
    assert study["id"] in [s["id"] for s in client.list_studies()["studies"]]
    a, b = client.suggest(study["id"], count=2)
    assert a["state"] == "pending"
    assert client.heartbeat(study["id"], a["id"])["state"] == "pending"
    done = client.observe(study["id"], a["id"], 0.25)
    assert done["state"] == "completed" and done["value"] == 0.25, done
    failed = client.fail(study["id"], b["id"], "CUDA OOM")
    assert failed["state"] == "failed" and failed["failureReason"] == "CUDA OOM", failed
    ext = client.observe_external(study["id"], {"x": 0.0, "k": "a"}, 0.5)
    assert ext["source"] == "external", ext
    assert client.best(study["id"])["id"] == a["id"]
    assert [t["id"] for t in client.trials(study["id"], state="failed")] == [b["id"]]
    assert len(client.trials(study["id"])) == 3
    assert client.get_trial(study["id"], a["id"])["value"] == 0.25
    assert [t["state"] for t in client.export(study["id"])["trials"]] == ["completed", "failed", "completed"]
    csv = client.export(study["id"], format="csv").splitlines()
    assert csv[0].startswith("number,id,state,value,") and csv[0].endswith(",params.x,params.k"), csv[0]
    assert len(csv) == 4, csv
    client.delete_study(study["id"])
    try:
        client.get_study(study["id"])
        raise AssertionError("expected STUDY_NOT_FOUND")
    except PosteriorError as err:
        assert (err.status, err.code) == (404, "STUDY_NOT_FOUND"), err


@check
def a_problem_document_becomes_a_posterior_error_with_pointers():
    bad = [{"name": "x", "type": "float", "low": 0, "high": 1, "log": True}]
    try:
        client.create_study("py-bad", bad)
        raise AssertionError("expected INVALID_SEARCH_SPACE")
    except PosteriorError as err:
        assert err.status == 422 and err.code == "INVALID_SEARCH_SPACE", err
        assert err.errors[0]["pointer"] == "#/parameters/0/low", err.errors
        assert "low > 0" in err.detail
        assert "#/parameters/0/low" in str(err)


@check
def a_client_without_the_key_is_unauthorized():
    try:
        Client(URL).list_studies()
        raise AssertionError("expected UNAUTHORIZED")
    except PosteriorError as err:
        assert (err.status, err.code) == (401, "UNAUTHORIZED"), err


@check
def an_unreachable_server_raises_after_the_retries():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        Client("http://127.0.0.1:%d" % port, retries=2, backoff=0.001).list_studies()
        raise AssertionError("expected PosteriorUnreachableError")
    except PosteriorUnreachableError as err:
        assert "cannot reach Posterior" in str(err)


@check
def tune_reports_a_raising_objective_as_a_failed_trial_and_goes_on():
    calls = []

    def objective(params):
        calls.append(params)
        if len(calls) == 2:
            raise RuntimeError("diverged: loss is NaN")
        if len(calls) == 4:
            return float("nan")
        return params["x"] ** 2 + (0 if params["k"] == "a" else 1)

    study = {"name": "py-tune", "parameters": SPACE, "objective": {"goal": "minimize"}}
    result = tune(client, study, objective, n_trials=6)
    states = [t["state"] for t in result.trials]
    assert states == ["completed", "failed", "completed", "failed", "completed", "completed"], states
    assert result.trials[1]["failureReason"] == "diverged: loss is NaN"
    assert "nan" in result.trials[3]["failureReason"]
    values = [t["value"] for t in result.trials if t["state"] == "completed"]
    assert result.best["value"] == min(values)
    counts = client.get_study(result.study["id"])["trialCounts"]
    assert counts["completed"] == 4 and counts["failed"] == 2 and counts["pending"] == 0, counts


@check
def tune_heartbeats_in_the_background_so_a_long_run_stays_pending():
    study = client.create_study("py-heartbeat", SPACE, options={"leaseSeconds": 2})
    seen = []

    def objective(params):
        time.sleep(4.5)  # more than two leases
        pending = client.trials(study["id"], state="pending")
        seen.append(len(pending))
        return params["x"]

    result = tune(client, study["id"], objective, n_trials=1)
    assert seen == [1], seen
    assert result.trials[0]["state"] == "completed"


class _FlakyProxy(http.server.BaseHTTPRequestHandler):
    """Forwards to the server, but loses the answer of the first suggest with a 502."""

    keys = []
    failed = False

    def _forward(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        request = urllib.request.Request(URL + self.path, data=body, method=self.command, headers=headers)
        try:
            with urllib.request.urlopen(request) as response:
                status, text, ctype = response.status, response.read(), response.headers.get("content-type")
        except urllib.error.HTTPError as err:
            status, text, ctype = err.code, err.read(), err.headers.get("content-type")
        if self.path.endswith("/suggest"):
            _FlakyProxy.keys.append(self.headers.get("Idempotency-Key"))
            if not _FlakyProxy.failed:
                _FlakyProxy.failed = True
                status, text, ctype = 502, b"bad gateway", "text/plain"
        self.send_response(status)
        self.send_header("content-type", ctype or "application/json")
        self.send_header("content-length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    do_GET = do_POST = do_DELETE = _forward

    def log_message(self, *args):
        pass


@check
def a_5xx_on_suggest_is_retried_with_the_same_idempotency_key():
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FlakyProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        via = Client("http://127.0.0.1:%d" % proxy.server_address[1], api_key=KEY, backoff=0.01)
        study = {"name": "py-retry", "parameters": SPACE, "objective": {"goal": "minimize"}}
        result = tune(via, study, lambda p: p["x"], n_trials=2, worker_id="w3")
        keys = _FlakyProxy.keys
        assert len(keys) == 3 and keys[0] == keys[1] and keys[2] != keys[0], keys
        assert keys[0].startswith("w3-")
        assert [t["number"] for t in result.trials] == [0, 1]
        counts = client.get_study(result.study["id"])["trialCounts"]
        assert counts["total"] == 2 and counts["pending"] == 0, counts
    finally:
        proxy.shutdown()


for fn in checks:
    fn()
    print("ok", fn.__name__)
print("%d checks passed" % len(checks))
