"""Posterior's Python client: one module, standard library only (Python >= 3.8).

Copy this file next to your training script, or add its folder to ``sys.path``::

    from posterior import Client, tune

    client = Client("http://127.0.0.1:8080", api_key=None)
    study = client.create_study(
        "svm-digits",
        [{"name": "C", "type": "float", "low": 1e-2, "high": 1e3, "log": True}],
        goal="maximize",
    )
    result = tune(client, study["id"], lambda params: train(**params), n_trials=20)
    print(result.best["params"], result.best["value"])

An objective may also report as it trains, so that a study with early stopping
(``options.earlyStopping``) can stop a poor run after a few epochs: write it as a generator
that yields ``(step, value)`` after each epoch (see ``tune``)::

    def objective(params):
        model = build(params)
        for epoch in range(1, 21):
            train_one_epoch(model)
            yield epoch, validation_loss(model)

Every method returns the JSON body of the answer as plain dicts and lists, with the
wire names of openapi.yaml, except ``report``, which returns whether to stop. An error
answer raises ``PosteriorError`` carrying the RFC 9457 problem document's ``code``,
``status``, ``detail`` and ``errors`` (with JSON pointers).

Retries (a 5xx answer, or no answer at all) back off exponentially with jitter. Reads,
deletes, heartbeats, create_study (idempotent by name and definition), observe and fail
of a trial id (the same report again is a no-op) and ``report`` (the same step and value
again get the same decision) are retried; ``suggest`` is retried with the same
``Idempotency-Key``, so a retry returns the trials of the first attempt rather than
leasing new ones; ``observe_external`` is retried only when the connection was refused,
since a second copy would be a second trial.
"""

from __future__ import annotations

import http.client
import inspect
import json
import math
import operator
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Dict, Generator, List, Optional, Tuple, Union

__all__ = ["Client", "PosteriorError", "PosteriorUnreachableError", "TuneResult", "tune"]

Params = Dict[str, Any]
Trial = Dict[str, Any]
Study = Dict[str, Any]


class PosteriorError(Exception):
    """The service answered with an error: an RFC 9457 problem document."""

    def __init__(
        self, status: int, problem: Optional[Dict[str, Any]], fallback: str = "", retry_after: Optional[float] = None
    ):
        problem = problem or {}
        self.status = status
        #: Seconds after which the request may succeed, from a 429 or 503's ``Retry-After``.
        self.retry_after = retry_after
        self.code: str = problem.get("code") or "HTTP_%d" % status
        self.title: Optional[str] = problem.get("title")
        self.detail: Optional[str] = problem.get("detail")
        self.errors: List[Dict[str, Any]] = problem.get("errors") or []
        self.problem = problem
        message = "%s (%d): %s" % (self.code, status, self.detail or self.title or fallback)
        for error in self.errors:
            where = error.get("pointer") or error.get("parameter") or error.get("header")
            if where:
                message += "\n  %s: %s" % (where, error.get("detail", ""))
        super().__init__(message)


class PosteriorUnreachableError(Exception):
    """The service could not be reached, after the retries the request allowed."""


_ALWAYS, _REFUSED_ONLY = "always", "refused-only"


class Client:
    """A Posterior service at ``url``; ``api_key`` is sent as a bearer token when given."""

    def __init__(
        self,
        url: str = "http://127.0.0.1:8080",
        api_key: Optional[str] = None,
        retries: int = 4,
        backoff: float = 0.25,
        timeout: float = 60.0,
    ):
        self.url = url.rstrip("/")
        self.api_key = api_key or None
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout

    # studies

    def create_study(
        self,
        name: str,
        parameters: List[Dict[str, Any]],
        goal: str = "minimize",
        objective_name: Optional[str] = None,
        options: Optional[Dict[str, Any]] = None,
    ) -> Study:
        """Creates a study, or returns the existing one with this name and definition."""
        objective: Dict[str, Any] = {"goal": goal}
        if objective_name is not None:
            objective["name"] = objective_name
        body: Dict[str, Any] = {"name": name, "parameters": parameters, "objective": objective}
        if options:
            body["options"] = options
        return self._request("POST", "/v1/studies", body)

    def get_study(self, study_id: str) -> Study:
        return self._request("GET", "/v1/studies/%s" % _q(study_id))

    def list_studies(self, limit: Optional[int] = None, cursor: Optional[str] = None) -> Dict[str, Any]:
        return self._request("GET", "/v1/studies", query={"limit": limit, "cursor": cursor})

    def delete_study(self, study_id: str) -> None:
        self._request("DELETE", "/v1/studies/%s" % _q(study_id))

    # trials

    def suggest(self, study_id: str, count: int = 1, idempotency_key: Optional[str] = None) -> List[Trial]:
        """Leases ``count`` new pending trials; every retry sends the same idempotency key."""
        key = idempotency_key or str(uuid.uuid4())
        body = self._request(
            "POST", "/v1/studies/%s/suggest" % _q(study_id), {"count": count}, headers={"Idempotency-Key": key}
        )
        return body["trials"]

    def observe(self, study_id: str, trial_id: str, value: float) -> Trial:
        return self._request("POST", "/v1/studies/%s/observe" % _q(study_id), {"trialId": trial_id, "value": value})

    def fail(self, study_id: str, trial_id: str, reason: Optional[str] = None) -> Trial:
        """Reports a crashed run: it is left out of the model and its point is not suggested again."""
        body: Dict[str, Any] = {"trialId": trial_id, "failed": True}
        if reason is not None:
            body["reason"] = reason[:2000]
        return self._request("POST", "/v1/studies/%s/observe" % _q(study_id), body)

    def observe_external(self, study_id: str, params: Params, value: float) -> Trial:
        """Records a result measured outside the service (warm start) as a new completed trial."""
        return self._request(
            "POST", "/v1/studies/%s/observe" % _q(study_id), {"params": params, "value": value}, retry=_REFUSED_ONLY
        )

    def heartbeat(self, study_id: str, trial_id: str) -> Trial:
        return self._request("POST", "/v1/studies/%s/trials/%s/heartbeat" % (_q(study_id), _q(trial_id)))

    def report(self, study_id: str, trial_id: str, step: int, value: float) -> bool:
        """Reports a running trial's ``value`` after ``step`` training units (epochs, say);
        True when the service says stop.

        On True the trial is already ``stopped`` with this value: stop training, and do not
        observe it (that answers 409 TRIAL_NOT_PENDING). Steps must not go down, and a step
        reported again must carry the same value; a retry of the same step and value gets
        the same decision. A report also renews the trial's lease, as a heartbeat does.
        ``step`` may be any integer type (numpy's too), ``value`` anything ``float`` takes.
        """
        step = operator.index(step)
        value = float(value)
        if not math.isfinite(value):
            raise ValueError("value must be a finite number, got %r" % value)
        answer = self._request(
            "POST", "/v1/studies/%s/trials/%s/report" % (_q(study_id), _q(trial_id)), {"step": step, "value": value}
        )
        return answer["decision"] == "stop"

    def get_trial(self, study_id: str, trial_id: str) -> Trial:
        return self._request("GET", "/v1/studies/%s/trials/%s" % (_q(study_id), _q(trial_id)))

    def best(self, study_id: str) -> Trial:
        return self._request("GET", "/v1/studies/%s/best" % _q(study_id))

    def trials(self, study_id: str, state: Optional[str] = None) -> List[Trial]:
        """Every trial of the study by number (all pages), optionally only those in one state."""
        out: List[Trial] = []
        cursor = None
        while True:
            page = self._request(
                "GET",
                "/v1/studies/%s/trials" % _q(study_id),
                query={"state": state, "limit": 1000, "cursor": cursor},
            )
            out.extend(page["trials"])
            cursor = page.get("nextCursor")
            if not cursor:
                return out

    def export(self, study_id: str, format: str = "json") -> Any:
        """The study and all its trials: a dict for ``format="json"``, CSV text for ``format="csv"``."""
        return self._request(
            "GET", "/v1/studies/%s/export" % _q(study_id), query={"format": format}, raw=(format == "csv")
        )

    # transport

    def _request(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
        retry: str = _ALWAYS,
        raw: bool = False,
    ) -> Any:
        url = self.url + path
        pairs = {k: v for k, v in (query or {}).items() if v is not None}
        if pairs:
            url += "?" + urllib.parse.urlencode(pairs)
        all_headers = {"accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, allow_nan=False).encode("utf-8")
            all_headers["content-type"] = "application/json"
        if self.api_key:
            all_headers["authorization"] = "Bearer %s" % self.api_key
        all_headers.update(headers or {})

        attempt = 0
        while True:
            last = attempt >= self.retries
            request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    text = response.read().decode("utf-8")
                    if raw:
                        return text
                    return json.loads(text) if text else None
            except urllib.error.HTTPError as err:
                text = err.read().decode("utf-8", "replace")
                if err.code >= 500 and retry == _ALWAYS and not last:
                    self._sleep(attempt)
                    attempt += 1
                    continue
                raise PosteriorError(
                    err.code, _problem(text), err.reason or text[:200], _seconds(err.headers.get("Retry-After"))
                ) from None
            except (OSError, http.client.HTTPException) as err:
                if last or (retry == _REFUSED_ONLY and not _refused(err)):
                    raise PosteriorUnreachableError("cannot reach Posterior at %s: %s" % (self.url, _reason(err))) from err
                self._sleep(attempt)
                attempt += 1

    def _sleep(self, attempt: int) -> None:
        # Full jitter: workers that failed together do not retry together.
        time.sleep(random.uniform(0, min(10.0, self.backoff * 2**attempt)))


def _q(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def _problem(text: str) -> Optional[Dict[str, Any]]:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _seconds(header: Optional[str]) -> Optional[float]:
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None  # an HTTP date: the service sends seconds


def _reason(err: BaseException) -> str:
    reason = getattr(err, "reason", None)
    return str(reason if reason is not None else err)


def _refused(err: BaseException) -> bool:
    return isinstance(getattr(err, "reason", err), ConnectionRefusedError)


# the loop

#: What a per-epoch objective yields: the step (training units done, from 1 up) and the value.
Report = Tuple[int, float]
Objective = Callable[[Params], Union[float, Generator[Report, None, Any]]]


class TuneResult:
    """What ``tune`` did: the study, the trials it ran (completed, failed or stopped) and
    the best completed trial of the whole study."""

    def __init__(self, study: Study, trials: List[Trial], best: Optional[Trial]):
        self.study = study
        self.trials = trials
        self.best = best

    @property
    def counts(self) -> Dict[str, int]:
        """The trials this call ran, by how they ended: ``completed``, ``failed`` and ``stopped``."""
        counts = {"completed": 0, "failed": 0, "stopped": 0}
        for trial in self.trials:
            counts[trial["state"]] = counts.get(trial["state"], 0) + 1
        return counts

    def __repr__(self) -> str:
        c = self.counts
        return "TuneResult(study=%r, trials=%d (%d completed, %d failed, %d stopped), best=%r)" % (
            self.study["id"], len(self.trials), c["completed"], c["failed"], c["stopped"], self.best)


class _Heartbeat:
    """Renews a trial's lease from a background thread while the objective runs."""

    def __init__(self, client: Client, study_id: str, trial_id: str, every: float):
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
    study: Any,
    objective: Objective,
    n_trials: int,
    heartbeat_seconds: Optional[float] = None,
    worker_id: Optional[str] = None,
    on_trial: Optional[Callable[[Trial], None]] = None,
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
    point left, or the study has its ``maxTrials``; while the study has its
    ``maxConcurrentTrials`` running, it waits as the service's ``Retry-After`` says.
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

    for _ in range(n_trials):
        trial = _lease(client, study_id, "%s-%s" % (worker, uuid.uuid4()))
        if trial is None:
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
    return TuneResult(study_body, ran, best)


#: Longest wait for a study at its maxConcurrentTrials before asking again, in seconds.
_MAX_CONCURRENCY_WAIT = 60.0


def _lease(client: Client, study_id: str, key: str) -> Optional[Trial]:
    """One new trial, or None when the study has no more to give."""
    while True:
        try:
            return client.suggest(study_id, idempotency_key=key)[0]
        except PosteriorError as err:
            if err.code in ("SEARCH_SPACE_EXHAUSTED", "STUDY_COMPLETE"):
                return None
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
    if not _finite(result):
        return "failed", "the objective returned %r, not a finite number" % (result,)
    return "value", float(result)


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
