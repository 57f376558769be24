"""Checks the Python client's study control, queue, import and metadata methods, and tune
around a paused or completed study, against a live server; run by
test/clients/python-client.test.ts on the source tree (PYTHONPATH=clients/python).

Usage: client_methods_check.py URL API_KEY. Plain asserts, so it runs on a bare /usr/bin/python3.
"""

import sys
import threading
import time

from posterior_client import Client, PosteriorError, tune

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


def problem(call, *args, **kwargs):
    """The PosteriorError a call raises; fails when it raises none."""
    try:
        call(*args, **kwargs)
    except PosteriorError as err:
        return err
    raise AssertionError("expected a PosteriorError from %s" % call.__name__)


@check
def enqueue_and_delete_round_trip_and_suggest_hands_out_the_queued_trial_first():
    study = client.create_study("py-queue", SPACE, options={"seed": 3})
    queued = client.enqueue_trial(study["id"], {"x": 0.5, "k": "b"}, metadata={"why": "baseline"})
    assert queued["state"] == "queued" and queued["source"] == "queued", queued
    assert queued["metadata"] == {"why": "baseline"}, queued
    again = client.enqueue_trial(study["id"], {"x": 0.5, "k": "b"})
    assert again["id"] == queued["id"], "the same point while queued is the same trial"
    other = client.enqueue_trial(study["id"], {"x": -1.0, "k": "a"})
    client.delete_trial(study["id"], other["id"])
    assert problem(client.get_trial, study["id"], other["id"]).code == "TRIAL_NOT_FOUND"
    (leased,) = client.suggest(study["id"])
    assert leased["id"] == queued["id"] and leased["state"] == "pending", leased
    err = problem(client.delete_trial, study["id"], leased["id"])
    assert (err.status, err.code) == (409, "TRIAL_NOT_QUEUED"), err


@check
def pause_resume_complete_and_update_study_change_the_state_and_merge_metadata():
    study = client.create_study("py-control", SPACE, metadata={"owner": "ana", "team": "vision"})
    assert study["metadata"] == {"owner": "ana", "team": "vision"}, study
    assert client.pause(study["id"])["state"] == "paused"
    err = problem(client.suggest, study["id"])
    assert (err.status, err.code) == (409, "STUDY_PAUSED"), err
    assert [s["id"] for s in client.list_studies(state="paused")["studies"]] == [study["id"]]
    assert client.resume(study["id"])["state"] == "active"
    assert client.complete(study["id"])["state"] == "completed"
    assert problem(client.suggest, study["id"]).code == "STUDY_COMPLETE"
    updated = client.update_study(study["id"], state="active", metadata={"team": None, "ticket": 42})
    assert updated["state"] == "active" and updated["metadata"] == {"owner": "ana", "ticket": 42}, updated
    assert client.update_study(study["id"], metadata={"owner": "bo"})["metadata"] == {"owner": "bo", "ticket": 42}
    err = problem(client.update_study, study["id"], state="sleeping")
    assert (err.status, err.code) == (422, "VALIDATION_FAILED"), err
    assert "#/state" in [e.get("pointer") for e in err.errors], err.errors


@check
def metadata_rides_on_observe_fail_report_and_update_trial():
    study = client.create_study("py-metadata", SPACE, options={"earlyStopping": {"rule": "median", "maxStep": 5}})
    a, b, c = client.suggest(study["id"], count=3)
    assert client.report(study["id"], a["id"], 1, 0.7, metadata={"epoch_seconds": 12}) is False
    done = client.observe(study["id"], a["id"], 0.5, metadata={"run": "wandb/abc"})
    assert done["metadata"] == {"epoch_seconds": 12, "run": "wandb/abc"}, done
    failed = client.fail(study["id"], b["id"], "OOM", metadata={"gpu": 3})
    assert failed["state"] == "failed" and failed["metadata"] == {"gpu": 3}, failed
    ext = client.observe_external(study["id"], {"x": 1.0, "k": "a"}, 0.9, metadata={"from": "paper"})
    assert ext["metadata"] == {"from": "paper"}, ext
    patched = client.update_trial(study["id"], a["id"], {"run": None, "checkpoint": "s3://ckpt/a"})
    assert patched["metadata"] == {"epoch_seconds": 12, "checkpoint": "s3://ckpt/a"}, patched
    assert client.get_trial(study["id"], a["id"])["metadata"] == patched["metadata"]
    err = problem(client.update_trial, study["id"], c["id"], {"blob": "x" * 20000})
    assert (err.status, err.code) == (422, "METADATA_TOO_LARGE"), err


@check
def import_trials_writes_all_rows_once_per_key_and_names_every_bad_row():
    study = client.create_study("py-import", SPACE)
    rows = [
        {"params": {"x": 0.1, "k": "a"}, "value": 0.3, "metadata": {"sweep": 1}},
        {"params": {"x": 0.2, "k": "b"}, "failed": True, "reason": "diverged"},
    ]
    trials = client.import_trials(study["id"], rows, idempotency_key="sweep-1")
    assert [(t["state"], t["source"]) for t in trials] == [("completed", "imported"), ("failed", "imported")], trials
    assert trials[0]["metadata"] == {"sweep": 1}, trials[0]
    again = client.import_trials(study["id"], rows, idempotency_key="sweep-1")
    assert [t["id"] for t in again] == [t["id"] for t in trials], "the same key writes nothing new"
    assert client.get_study(study["id"])["trialCounts"]["total"] == 2
    err = problem(client.import_trials, study["id"], rows[:1], idempotency_key="sweep-1")
    assert (err.status, err.code) == (409, "IDEMPOTENCY_KEY_REUSED"), err
    bad = [{"params": {"x": 0.3, "k": "a"}, "value": 0.1}, {"params": {"x": 9.0, "k": "a"}, "value": 0.2}]
    err = problem(client.import_trials, study["id"], bad)
    assert (err.status, err.code) == (422, "INVALID_PARAMS"), err
    assert [e["pointer"] for e in err.errors] == ["#/trials/1/params/x"], err.errors
    assert client.get_study(study["id"])["trialCounts"]["total"] == 2, "nothing of a bad import is written"


@check
def tune_waits_while_the_study_is_paused_and_goes_on_when_it_is_resumed():
    study = client.create_study("py-tune-pause", SPACE, options={"algorithm": "random"})
    resumed_at = []

    def resume_later():
        time.sleep(1.0)
        resumed_at.append(time.time())
        client.resume(study["id"])

    def objective(params):
        if not resumed_at and client.get_study(study["id"])["state"] == "active":
            client.pause(study["id"])  # the operator pauses while this trial runs
            threading.Thread(target=resume_later, daemon=True).start()
        return params["x"]

    started = time.monotonic()
    result = tune(client, study["id"], objective, n_trials=3, pause_poll_seconds=0.2)
    assert time.monotonic() - started >= 1.0
    assert [t["state"] for t in result.trials] == ["completed"] * 3, result.trials
    assert result.ended == "trials", result
    # The running trial finished while paused; the next two were leased only after the resume.
    created = [_epoch(t["createdAt"]) for t in result.trials]
    assert created[0] < resumed_at[0] <= created[1] + 0.01, (created, resumed_at)


@check
def tune_gives_up_on_a_study_paused_longer_than_max_pause_seconds():
    study = client.create_study("py-tune-give-up", SPACE)
    client.pause(study["id"])
    started = time.monotonic()
    result = tune(client, study["id"], lambda p: p["x"], n_trials=3, pause_poll_seconds=0.1, max_pause_seconds=0.5)
    waited = time.monotonic() - started
    assert 0.5 <= waited < 3, waited
    assert result.trials == [] and result.ended == "paused", result
    assert "ended='paused'" in repr(result)


@check
def tune_ends_cleanly_when_the_study_is_completed_while_a_trial_runs():
    study = client.create_study("py-tune-complete", SPACE, options={"algorithm": "random"})

    def objective(params):
        client.complete(study["id"])
        return params["x"]

    result = tune(client, study["id"], objective, n_trials=5)
    assert [t["state"] for t in result.trials] == ["completed"], "the running trial is still observed"
    assert result.ended == "complete" and result.best["id"] == result.trials[0]["id"], result


def _epoch(stamp):
    """Seconds since the epoch of an RFC 3339 time the service wrote (UTC, with milliseconds)."""
    import calendar

    whole, _, rest = stamp.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + float("0." + (rest or "0"))


for fn in checks:
    fn()
    print("ok", fn.__name__)
print("%d checks passed" % len(checks))
