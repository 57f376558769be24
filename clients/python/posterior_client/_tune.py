"""The loop: ``tune`` runs suggest -> objective -> observe (or report, for a per-epoch
objective) with heartbeats from a background thread, and the helpers it needs."""

from __future__ import annotations

import inspect
import math
import operator
import threading
import time
import uuid
from typing import Any, Callable, Dict, Generator, List, Optional, Tuple, Union

from ._client import Client, Params, PosteriorError, PosteriorUnreachableError, Study, Trial


#: What a per-epoch objective yields: the step (training units done, from 1 up) and the value.
Report = Tuple[int, float]
Objective = Callable[[Params], Union[float, Generator[Report, None, Any]]]


class TuneResult:
    """What ``tune`` did: the study, the trials it ran (completed, failed or stopped), the
    best completed trial of the whole study, and why the loop ended (``ended``):
    ``"trials"`` (it ran the ``n_trials`` asked for), ``"complete"`` (the study was
    completed, or has its ``maxTrials``), ``"exhausted"`` (a finite space has no unused
    point left) or ``"paused"`` (the study stayed paused longer than ``max_pause_seconds``).
    """

    def __init__(self, study: Study, trials: List[Trial], best: Optional[Trial], ended: str = "trials") -> None:
        self.study = study
        self.trials = trials
        self.best = best
        self.ended = ended

    @property
    def counts(self) -> Dict[str, int]:
        """The trials this call ran, by how they ended: ``completed``, ``failed`` and ``stopped``."""
        counts = {"completed": 0, "failed": 0, "stopped": 0}
        for trial in self.trials:
            counts[trial["state"]] = counts.get(trial["state"], 0) + 1
        return counts

    def __repr__(self) -> str:
        c = self.counts
        return "TuneResult(study=%r, trials=%d (%d completed, %d failed, %d stopped), ended=%r, best=%r)" % (
            self.study["id"], len(self.trials), c["completed"], c["failed"], c["stopped"], self.ended, self.best)


class _Heartbeat:
    """Renews a trial's lease from a background thread while the objective runs."""

    def __init__(self, client: Client, study_id: str, trial_id: str, every: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(client, study_id, trial_id, every), name="posterior-heartbeat", daemon=True
        )

    def __enter__(self) -> "_Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self, client: Client, study_id: str, trial_id: str, every: float) -> None:
        while not self._stop.wait(every):
            try:
                client.heartbeat(study_id, trial_id)
            except PosteriorError as err:
                # NOTE: a missed heartbeat is not fatal (at worst the trial turns stale, and
                # observing a stale trial still completes it): stop only when it cannot succeed.
                if err.status < 500:
                    return
            except PosteriorUnreachableError:
                pass


def tune(
    client: Client,
    study: Union[str, Dict[str, Any]],
    objective: Objective,
    n_trials: int,
    heartbeat_seconds: Optional[float] = None,
    worker_id: Optional[str] = None,
    on_trial: Optional[Callable[[Trial], None]] = None,
    pause_poll_seconds: float = 5.0,
    max_pause_seconds: Optional[float] = None,
) -> TuneResult:
    """Runs ``n_trials`` rounds of suggest -> ``objective(params)`` -> observe.

    ``study`` is a study id, or a dict with ``name``, ``parameters``, ``objective`` (and
    optionally ``options``) that is created, or found when it exists with the same
    definition.

    The objective either returns the final value, or is a generator that yields
    ``(step, value)`` as it trains, ``step`` counting epochs (or any unit) from 1 up::

        def objective(params):
            model, optimizer = build(params)
            for epoch in range(1, EPOCHS + 1):
                train_one_epoch(model, optimizer)
                yield epoch, validation_loss(model)

    Each yielded pair is reported to the service. When the study's early stopping says
    stop, the generator is closed where it yielded (its ``finally`` and ``with`` blocks run,
    so GPU memory can be freed there) and the trial is left ``stopped`` with that value:
    nothing is observed. When the generator ends, its last yielded value (or the value it
    ``return``s, if not None) is observed as the trial's result. A generator suits the
    epoch loop of PyTorch and the like; tune tells the two kinds apart by what the call
    returns, so nothing about the function's signature is guessed.

    While the objective runs, a background thread sends a heartbeat every
    ``heartbeat_seconds`` (default: a third of the study's ``leaseSeconds``). An objective
    that raises, returns or yields something that is not a finite number, or yields steps
    that are not integers going up from 1, is reported as a failed trial with the reason,
    and the loop goes on. The loop ends early when a finite search space has no unused
    point left, or the study has its ``maxTrials`` or was completed; while the study has its
    ``maxConcurrentTrials`` running, it waits as the service's ``Retry-After`` says. While
    the study is paused, it asks again every ``pause_poll_seconds`` and goes on once the
    study is resumed; after ``max_pause_seconds`` paused (default: no limit) it gives up
    and returns, with ``ended == "paused"``. Ctrl-C ends the wait too.
    ``on_trial`` gets each trial as it ended; a stopped one as ``get_trial`` returns it,
    with its ``reports``.
    """
    if isinstance(study, str):
        study_body = client.get_study(study)
    else:
        study_body = client._request("POST", "/v1/studies", study)
    study_id = study_body["id"]
    every = heartbeat_seconds if heartbeat_seconds is not None else study_body["options"]["leaseSeconds"] / 3.0
    worker = worker_id or uuid.uuid4().hex[:8]
    ran: List[Trial] = []
    ended = "trials"
    pause = _PauseWait(pause_poll_seconds, max_pause_seconds)

    for _ in range(n_trials):
        trial, why = _lease(client, study_id, "%s-%s" % (worker, uuid.uuid4()), pause)
        if trial is None:
            ended = why
            break
        with _Heartbeat(client, study_id, trial["id"], every):
            outcome, detail = _run(client, study_id, trial, objective)
        if outcome == "value":
            done = client.observe(study_id, trial["id"], detail)
        elif outcome == "failed":
            done = client.fail(study_id, trial["id"], detail)
        else:
            done = client.get_trial(study_id, trial["id"])
        ran.append(done)
        if on_trial is not None:
            on_trial(done)

    try:
        best: Optional[Trial] = client.best(study_id)
    except PosteriorError as err:
        if err.code != "NO_COMPLETED_TRIALS":
            raise
        best = None
    return TuneResult(study_body, ran, best, ended)


#: Longest wait for a study at its maxConcurrentTrials before asking again, in seconds.
_MAX_CONCURRENCY_WAIT = 60.0

#: The answers to suggest that end the loop, and what ``TuneResult.ended`` then says.
_ENDINGS = {"STUDY_COMPLETE": "complete", "SEARCH_SPACE_EXHAUSTED": "exhausted"}


class _PauseWait:
    """How long to wait for a paused study: ``poll`` seconds between asks, ``limit`` in all
    (None: as long as it stays paused). The clock starts at the first 409 STUDY_PAUSED."""

    def __init__(self, poll: float, limit: Optional[float]) -> None:
        if not poll > 0:
            raise ValueError("pause_poll_seconds must be positive, got %r" % (poll,))
        self.poll = poll
        self.limit = limit
        self.since: Optional[float] = None

    def wait(self) -> bool:
        """Sleeps until the next ask; False when the limit is reached (give up)."""
        now = time.monotonic()
        if self.since is None:
            self.since = now
        if self.limit is None:
            time.sleep(self.poll)
            return True
        left = self.limit - (now - self.since)
        if left <= 0:
            return False
        time.sleep(min(self.poll, left))
        return True


def _lease(client: Client, study_id: str, key: str, pause: _PauseWait) -> Tuple[Optional[Trial], str]:
    """One new trial, or None and why the study has no more to give."""
    while True:
        try:
            trial = client.suggest(study_id, idempotency_key=key)[0]
            pause.since = None  # a later pause gets the whole max_pause_seconds again
            return trial, ""
        except PosteriorError as err:
            if err.code in _ENDINGS:
                return None, _ENDINGS[err.code]
            if err.code == "STUDY_PAUSED":
                # A refused suggest stores nothing under its key: the same key asks again.
                if not pause.wait():
                    return None, "paused"
                continue
            if err.code != "CONCURRENCY_LIMIT":
                raise
            time.sleep(min(_MAX_CONCURRENCY_WAIT, err.retry_after or client.backoff))


def _run(client: Client, study_id: str, trial: Trial, objective: Objective) -> Tuple[str, Any]:
    """Runs the objective on the trial: ("value", v), ("failed", reason) or ("stopped", None)."""
    try:
        result = objective(trial["params"])
    except Exception as err:  # noqa: BLE001 -- any failure of the user's run is reported, not raised
        return "failed", _message(err)
    if inspect.isgenerator(result):
        return _run_reporting(client, study_id, trial["id"], result)
    value: Any = result  # a number of any kind that float() takes (numpy's, torch's)
    if not _finite(value):
        return "failed", "the objective returned %r, not a finite number" % (value,)
    return "value", float(value)


def _run_reporting(client: Client, study_id: str, trial_id: str, reports: Generator[Any, None, Any]) -> Tuple[str, Any]:
    """Drives a per-epoch objective: reports each (step, value) it yields until it ends or
    the service says stop; the generator is closed either way."""
    last_step, last_value = 0, None
    try:
        while True:
            try:
                item = next(reports)
            except StopIteration as end:
                final = end.value if end.value is not None else last_value
                if final is None:
                    return "failed", "the objective yielded no (step, value) and returned nothing"
                if not _finite(final):
                    return "failed", "the objective ended with %r, not a finite number" % (final,)
                return "value", float(final)
            except Exception as err:  # noqa: BLE001 -- any failure of the user's run is reported, not raised
                return "failed", _message(err)
            problem = _bad_report(item, last_step)
            if problem:
                return "failed", problem
            last_step, last_value = int(item[0]), float(item[1])
            if _report(client, study_id, trial_id, last_step, last_value):
                return "stopped", None
    finally:
        reports.close()


def _bad_report(item: Any, last_step: int) -> Optional[str]:
    """Why a yielded item is not a report that can follow ``last_step``; None when it is."""
    if not isinstance(item, tuple) or len(item) != 2:
        return "the objective yielded %r, not a (step, value) pair" % (item,)
    step, value = item
    try:
        whole = not isinstance(step, bool) and operator.index(step) == step
    except TypeError:
        whole = False
    if not whole or step <= last_step:
        return "the objective yielded step %r after step %d; steps are integers going up from 1" % (step, last_step)
    if not _finite(value):
        return "the objective yielded %r at step %d, not a finite number" % (value, step)
    return None


def _report(client: Client, study_id: str, trial_id: str, step: int, value: float) -> bool:
    try:
        return client.report(study_id, trial_id, step, value)
    except PosteriorError as err:
        if err.code != "TRIAL_NOT_PENDING":
            raise
        # NOTE: the service refuses a report on a stale trial (its lease ran out, e.g. while
        # the network was down), but a heartbeat makes it pending again: this worker is
        # evidently alive. A trial that is really finished makes the heartbeat raise.
        client.heartbeat(study_id, trial_id)
        return client.report(study_id, trial_id, step, value)


def _message(err: BaseException) -> str:
    return str(err) or type(err).__name__


def _finite(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        # numpy and torch scalars are not int or float, but convert cleanly
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
