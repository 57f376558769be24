"""The HTTP client: one method per operation of openapi.yaml, on the standard library.

Every method returns the JSON body of the answer as plain dicts and lists, with the
wire names of openapi.yaml, except ``report``, which returns whether to stop, and
``import_trials``, which returns the list of imported trials. ``metadata`` (a dict of your
own: a run's URL, a checkpoint's path) is merged into the study's or trial's: the keys sent
replace those keys, and a key sent as None is removed. An error answer raises
``PosteriorError`` carrying the RFC 9457 problem document's ``code``, ``status``,
``detail`` and ``errors`` (with JSON pointers).

Retries (a 5xx answer, or no answer at all) back off exponentially with jitter. Reads,
deletes, heartbeats, create_study (idempotent by name and definition), observe and fail
of a trial id (the same report again is a no-op) and ``report`` (the same step and value
again get the same decision), ``enqueue_trial`` (the same point while still queued
returns that trial), ``update_study`` and ``update_trial`` (a merge) are retried;
``suggest`` and ``import_trials`` are retried with the same ``Idempotency-Key``, so a
retry returns the trials of the first attempt rather than leasing or writing new ones;
``observe_external`` is retried only when the connection was refused, since a second copy
would be a second trial.
"""

from __future__ import annotations

import http.client
import json
import math
import operator
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, List, Optional, cast

Params = Dict[str, Any]
Trial = Dict[str, Any]
Study = Dict[str, Any]


class PosteriorError(Exception):
    """The service answered with an error: an RFC 9457 problem document."""

    def __init__(
        self, status: int, problem: Optional[Dict[str, Any]], fallback: str = "", retry_after: Optional[float] = None
    ) -> None:
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
    ) -> None:
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
        metadata: Optional[Dict[str, Any]] = None,
    ) -> Study:
        """Creates a study, or returns the existing one with this name and definition (its
        metadata then unchanged: ``metadata`` is not part of the definition)."""
        objective: Dict[str, Any] = {"goal": goal}
        if objective_name is not None:
            objective["name"] = objective_name
        body: Dict[str, Any] = {"name": name, "parameters": parameters, "objective": objective}
        if options:
            body["options"] = options
        return self._object("POST", "/v1/studies", _with_metadata(body, metadata))

    def get_study(self, study_id: str) -> Study:
        return self._object("GET", "/v1/studies/%s" % _q(study_id))

    def list_studies(
        self, limit: Optional[int] = None, cursor: Optional[str] = None, state: Optional[str] = None
    ) -> Dict[str, Any]:
        """One page of studies, oldest first; ``state`` keeps only the active, paused or completed ones."""
        return self._object("GET", "/v1/studies", query={"limit": limit, "cursor": cursor, "state": state})

    def delete_study(self, study_id: str) -> None:
        self._request("DELETE", "/v1/studies/%s" % _q(study_id))

    def update_study(
        self, study_id: str, state: Optional[str] = None, metadata: Optional[Dict[str, Any]] = None
    ) -> Study:
        """Sets the study's ``state`` (``active``, ``paused`` or ``completed``) and merges
        ``metadata`` into its own; what is left out stays as it is. Returns the study."""
        body: Dict[str, Any] = {}
        if state is not None:
            body["state"] = state
        return self._object("PATCH", "/v1/studies/%s" % _q(study_id), _with_metadata(body, metadata))

    def pause(self, study_id: str) -> Study:
        """Stops suggestions (409 STUDY_PAUSED) while running trials report and finish."""
        return self.update_study(study_id, state="paused")

    def resume(self, study_id: str) -> Study:
        """Makes a paused study, or one a user completed, suggest again."""
        return self.update_study(study_id, state="active")

    def complete(self, study_id: str) -> Study:
        """Ends the study: suggest and enqueue_trial answer 409 STUDY_COMPLETE."""
        return self.update_study(study_id, state="completed")

    # trials

    def suggest(self, study_id: str, count: int = 1, idempotency_key: Optional[str] = None) -> List[Trial]:
        """Leases ``count`` new pending trials; every retry sends the same idempotency key."""
        key = idempotency_key or str(uuid.uuid4())
        body = self._object(
            "POST", "/v1/studies/%s/suggest" % _q(study_id), {"count": count}, headers={"Idempotency-Key": key}
        )
        return cast(List[Trial], body["trials"])

    def observe(
        self, study_id: str, trial_id: str, value: float, metadata: Optional[Dict[str, Any]] = None
    ) -> Trial:
        body = _with_metadata({"trialId": trial_id, "value": value}, metadata)
        return self._object("POST", "/v1/studies/%s/observe" % _q(study_id), body)

    def fail(
        self, study_id: str, trial_id: str, reason: Optional[str] = None, metadata: Optional[Dict[str, Any]] = None
    ) -> Trial:
        """Reports a crashed run: it is left out of the model and its point is not suggested again."""
        body: Dict[str, Any] = {"trialId": trial_id, "failed": True}
        if reason is not None:
            body["reason"] = reason[:2000]
        return self._object("POST", "/v1/studies/%s/observe" % _q(study_id), _with_metadata(body, metadata))

    def observe_external(
        self, study_id: str, params: Params, value: float, metadata: Optional[Dict[str, Any]] = None
    ) -> Trial:
        """Records a result measured outside the service (warm start) as a new completed trial."""
        body = _with_metadata({"params": params, "value": value}, metadata)
        return self._object("POST", "/v1/studies/%s/observe" % _q(study_id), body, retry=_REFUSED_ONLY)

    def enqueue_trial(self, study_id: str, params: Params, metadata: Optional[Dict[str, Any]] = None) -> Trial:
        """Queues a configuration to be tried: the next suggest hands it out first. Queuing
        the point of a trial still queued returns that trial; any other trial's point is
        409 DUPLICATE_PARAMS. With ``metadata``, the queued trial's metadata is then set.
        """
        trial = self._object("POST", "/v1/studies/%s/trials" % _q(study_id), {"params": params})
        if metadata is None:
            return trial
        # NOTE: the enqueue operation takes no metadata (TrialEnqueue is params only), so it
        # is a second request; if that one fails, the trial stays queued without it.
        return self.update_trial(study_id, trial["id"], metadata)

    def delete_trial(self, study_id: str, trial_id: str) -> None:
        """Deletes a queued trial; any other is 409 TRIAL_NOT_QUEUED."""
        self._request("DELETE", "/v1/studies/%s/trials/%s" % (_q(study_id), _q(trial_id)))

    def update_trial(self, study_id: str, trial_id: str, metadata: Dict[str, Any]) -> Trial:
        """Merges ``metadata`` into the trial's, in any state (a finished one's too)."""
        return self._object(
            "PATCH", "/v1/studies/%s/trials/%s" % (_q(study_id), _q(trial_id)), {"metadata": metadata}
        )

    def import_trials(
        self, study_id: str, rows: List[Dict[str, Any]], idempotency_key: Optional[str] = None
    ) -> List[Trial]:
        """Records results obtained elsewhere as finished trials, all rows or none; returns
        them in the order of the rows. A row is ``{"params", "value"}``, ``{"params",
        "failed": True, "reason"}`` or ``{"params", "value", "stopped": True}``, with optional
        ``metadata``, ``reports``, ``createdAt`` and ``completedAt``. Every retry sends the
        same idempotency key (yours, or a random one), so it never imports twice.
        """
        key = idempotency_key or str(uuid.uuid4())
        body = self._object(
            "POST",
            "/v1/studies/%s/trials:import" % _q(study_id),
            {"trials": rows},
            headers={"Idempotency-Key": key},
        )
        return cast(List[Trial], body["trials"])

    def heartbeat(self, study_id: str, trial_id: str) -> Trial:
        return self._object("POST", "/v1/studies/%s/trials/%s/heartbeat" % (_q(study_id), _q(trial_id)))

    def report(
        self, study_id: str, trial_id: str, step: int, value: float, metadata: Optional[Dict[str, Any]] = None
    ) -> bool:
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
        answer = self._object(
            "POST",
            "/v1/studies/%s/trials/%s/report" % (_q(study_id), _q(trial_id)),
            _with_metadata({"step": step, "value": value}, metadata),
        )
        decision: str = answer["decision"]
        return decision == "stop"

    def get_trial(self, study_id: str, trial_id: str) -> Trial:
        return self._object("GET", "/v1/studies/%s/trials/%s" % (_q(study_id), _q(trial_id)))

    def best(self, study_id: str) -> Trial:
        return self._object("GET", "/v1/studies/%s/best" % _q(study_id))

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

    def _object(self, method: str, path: str, body: Any = None, **options: Any) -> Dict[str, Any]:
        """A request whose answer is a JSON object, as every operation's is but the CSV export."""
        return cast(Dict[str, Any], self._request(method, path, body, **options))

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


def _with_metadata(body: Dict[str, Any], metadata: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    if metadata is not None:
        body["metadata"] = metadata
    return body


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

