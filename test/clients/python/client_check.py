"""Checks the Python client (posterior_client) against a live server; run by
test/clients/python-client.test.ts on the source tree (PYTHONPATH=clients/python) and by
test/clients/python-package.test.ts on the wheel installed in a fresh virtual environment.

Usage: client_check.py URL API_KEY. Plain asserts, so it runs on a bare /usr/bin/python3.
It prints where posterior_client was imported from, so a test can tell which copy it checked.
"""

import http.server
import socket
import sys
import threading
import time
import urllib.error
import urllib.request

import posterior_client
from posterior_client import Client, PosteriorError, PosteriorUnreachableError, tune

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


ASHA = {"rule": "asha", "maxStep": 9, "reductionFactor": 3, "mode": "aggressive"}


@check
def report_says_whether_to_stop_and_a_stopped_trial_takes_no_observation():
    study = client.create_study("py-report", SPACE, options={"seed": 1, "initialTrials": 10, "earlyStopping": ASHA})
    a, b, c = client.suggest(study["id"], count=3)
    # Rung 1 of the one aggressive bracket: with fewer than eta values only the best so far goes on.
    decisions = [client.report(study["id"], t["id"], 1, v) for t, v in [(a, 0.5), (b, 0.3), (c, 0.6)]]
    assert decisions == [False, False, True], decisions
    assert client.report(study["id"], c["id"], 1, 0.6) is True, "a retry gets the same decision"
    stopped = client.get_trial(study["id"], c["id"])
    assert stopped["state"] == "stopped" and stopped["value"] == 0.6, stopped
    assert [(r["step"], r["value"]) for r in stopped["reports"]] == [(1, 0.6)], stopped
    try:
        client.observe(study["id"], c["id"], 0.1)
        raise AssertionError("expected TRIAL_NOT_PENDING")
    except PosteriorError as err:
        assert (err.status, err.code) == (409, "TRIAL_NOT_PENDING"), err
    try:
        client.report(study["id"], a["id"], 2, float("nan"))
        raise AssertionError("expected ValueError")
    except ValueError as err:
        assert "finite" in str(err)
    assert client.get_study(study["id"])["trialCounts"]["stopped"] == 1


@check
def tune_reports_every_epoch_closes_a_stopped_objective_and_counts_the_stopped_trials():
    trained = {}  # trial's x -> epochs it ran
    closed = []

    def objective(params):
        # Curves that fall with the epochs and end at (x - 0.3)^2: the worse x, the higher.
        try:
            for epoch in range(1, 10):
                trained[params["x"]] = epoch
                yield epoch, (params["x"] - 0.3) ** 2 + 1.0 / epoch
        finally:
            closed.append(params["x"])

    study = {"name": "py-tune-asha", "parameters": [{"name": "x", "type": "float", "low": -2, "high": 2}],
             "objective": {"goal": "minimize"},
             "options": {"seed": 7, "algorithm": "random", "earlyStopping": ASHA}}
    seen = []
    result = tune(client, study, objective, n_trials=8, on_trial=seen.append)
    counts = result.counts
    assert counts["stopped"] >= 2 and counts["completed"] >= 1 and counts["failed"] == 0, counts
    assert counts["stopped"] + counts["completed"] == 8 and len(seen) == 8, counts
    assert sorted(closed) == sorted(trained), "every objective is closed, the stopped ones too"
    for trial in result.trials:
        epochs = trained[trial["params"]["x"]]
        if trial["state"] == "stopped":
            # Stopped at a rung (1 or 3), right after the report there, with that report's value.
            assert epochs in (1, 3) and trial["reports"][-1]["step"] == epochs, (epochs, trial)
            assert trial["value"] == trial["reports"][-1]["value"], trial
        else:
            assert epochs == 9 and trial["value"] == (trial["params"]["x"] - 0.3) ** 2 + 1.0 / 9, (epochs, trial)
    server_counts = client.get_study(result.study["id"])["trialCounts"]
    assert (server_counts["stopped"], server_counts["completed"], server_counts["pending"]) == (
        counts["stopped"], counts["completed"], 0), server_counts
    assert result.best["state"] == "completed"
    assert "stopped" in repr(result)


@check
def tune_fails_a_per_epoch_objective_that_raises_or_reports_nonsense():
    def raising(params):
        yield 1, 0.5
        raise RuntimeError("CUDA out of memory at epoch 2")

    def nan(params):
        yield 1, float("nan")

    def backwards(params):
        yield 2, 0.5
        yield 1, 0.4

    def silent(params):
        return
        yield  # a generator that yields nothing

    def returns_final(params):
        yield 1, 0.9
        return 0.25  # e.g. the value of the best checkpoint

    study = client.create_study("py-tune-bad-reports", SPACE, options={"algorithm": "random"})
    reasons = []
    for objective in (raising, nan, backwards, silent):
        result = tune(client, study["id"], objective, n_trials=1)
        assert result.trials[0]["state"] == "failed", result.trials
        reasons.append(result.trials[0]["failureReason"])
    assert reasons[0] == "CUDA out of memory at epoch 2", reasons
    assert "nan at step 1, not a finite number" in reasons[1], reasons
    assert "step 1 after step 2" in reasons[2], reasons
    assert "yielded no (step, value)" in reasons[3], reasons
    done = tune(client, study["id"], returns_final, n_trials=1).trials[0]
    assert done["state"] == "completed" and done["value"] == 0.25, done


@check
def tune_reports_on_a_trial_whose_lease_ran_out_by_renewing_it_first():
    study = client.create_study("py-tune-stale", SPACE, options={"leaseSeconds": 1, "algorithm": "random"})

    def slow(params):
        yield 1, 0.5
        time.sleep(1.5)  # the lease runs out, and no heartbeat comes in between
        yield 2, 0.4

    result = tune(client, study["id"], slow, n_trials=1, heartbeat_seconds=60)
    assert result.trials[0]["state"] == "completed" and result.trials[0]["value"] == 0.4, result.trials


@check
def tune_ends_at_max_trials_and_waits_out_max_concurrent_trials():
    study = client.create_study("py-tune-limits", SPACE, options={"algorithm": "random", "maxTrials": 3,
                                                                  "maxConcurrentTrials": 1, "leaseSeconds": 1})
    client.suggest(study["id"])  # held by a worker that vanishes: stale after 1 s, then no longer running
    started = time.monotonic()
    result = tune(client, study["id"], lambda p: p["x"], n_trials=5)
    # The first suggest is answered 429 CONCURRENCY_LIMIT with Retry-After: 1 (the lease).
    assert time.monotonic() - started >= 0.9
    assert len(result.trials) == 2, "the study ends at maxTrials 3, the held trial included"
    assert client.get_study(study["id"])["trialCounts"]["total"] == 3


class _FlakyProxy(http.server.BaseHTTPRequestHandler):
    """Forwards to the server, but loses the first answer to a path ending in ``lose`` with a 502."""

    lose = "/suggest"
    keys = []
    bodies = []
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
        if self.path.endswith(_FlakyProxy.lose):
            _FlakyProxy.keys.append(self.headers.get("Idempotency-Key"))
            _FlakyProxy.bodies.append(body)
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


@check
def a_report_whose_answer_is_lost_is_sent_again_and_gets_the_same_decision():
    _FlakyProxy.lose, _FlakyProxy.bodies, _FlakyProxy.failed = "/report", [], False
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FlakyProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        via = Client("http://127.0.0.1:%d" % proxy.server_address[1], api_key=KEY, backoff=0.01)
        study = client.create_study("py-report-retry", SPACE, options={"initialTrials": 10, "earlyStopping": ASHA})
        a, b = client.suggest(study["id"], count=2)
        assert client.report(study["id"], a["id"], 1, 0.1) is False
        # The server stops b, but the answer is lost; the retry hears the same decision.
        assert via.report(study["id"], b["id"], 1, 0.9) is True
        assert len(_FlakyProxy.bodies) == 2 and _FlakyProxy.bodies[0] == _FlakyProxy.bodies[1], _FlakyProxy.bodies
        trial = client.get_trial(study["id"], b["id"])
        assert trial["state"] == "stopped" and len(trial["reports"]) == 1, trial
    finally:
        proxy.shutdown()


print("posterior_client %s from %s" % (posterior_client.__version__, posterior_client.__file__))
for fn in checks:
    fn()
    print("ok", fn.__name__)
print("%d checks passed" % len(checks))
