"""Training workers in processes of their own, one per device, that outlive each other's crashes.

Used by tune_pytorch.py. Standard library only (with the client, posterior_client), so it is tested where
there is no GPU and no PyTorch.

``run_workers`` starts ``target(rank, client, *args)`` in each worker process, where
``client`` is a ``TrackingClient``: a ``Client`` that tells the parent process which trial
its worker holds. When a worker dies without reporting its trial (an exception outside the
objective, a segfault in a CUDA kernel, the kernel's OOM killer), the parent reports that
trial failed, so the service does not keep it pending until its lease ends, and the other
workers go on with their trials.
"""

import multiprocessing
from multiprocessing.connection import wait
from typing import Any, Callable, Dict, Optional, Sequence

from posterior_client import Client, PosteriorError, PosteriorUnreachableError

__all__ = ["TrackingClient", "device_for", "run_workers"]


def device_for(rank: int, gpus: int) -> str:
    """The device of worker ``rank`` when the machine has ``gpus`` GPUs.

    ``cuda:<rank mod gpus>``: with more workers than GPUs, they share the GPUs in turn.
    ``cpu`` when there is no GPU.
    """
    return "cuda:%d" % (rank % gpus) if gpus > 0 else "cpu"


class TrackingClient(Client):
    """A ``Client`` that sends each trial it leases, and each it finishes (observed, failed or
    stopped by a report), down ``conn``."""

    def __init__(self, conn: Any, url: str, api_key: Optional[str] = None):
        super().__init__(url, api_key)
        self._conn = conn

    def suggest(self, study_id, count=1, idempotency_key=None):
        trials = super().suggest(study_id, count, idempotency_key)
        for trial in trials:
            self._conn.send(("leased", study_id, trial["id"]))
        return trials

    def observe(self, study_id, trial_id, value):
        done = super().observe(study_id, trial_id, value)
        self._conn.send(("reported", study_id, trial_id))
        return done

    def fail(self, study_id, trial_id, reason=None):
        done = super().fail(study_id, trial_id, reason)
        self._conn.send(("reported", study_id, trial_id))
        return done

    def report(self, study_id, trial_id, step, value):
        stop = super().report(study_id, trial_id, step, value)
        if stop:  # the trial is finished (stopped): nothing is left for the parent to report
            self._conn.send(("reported", study_id, trial_id))
        return stop


def _worker_main(target: Callable[..., Any], rank: int, conn: Any, url: str, api_key: Optional[str], args: Sequence[Any]) -> None:
    target(rank, TrackingClient(conn, url, api_key), *args)


def run_workers(
    target: Callable[..., Any],
    n_workers: int,
    args: Sequence[Any],
    url: str,
    api_key: Optional[str] = None,
) -> Dict[int, Optional[int]]:
    """Runs ``target(rank, client, *args)`` for ranks 0..n_workers-1, each in a process of
    its own, until every one has exited; returns their exit codes by rank.

    A worker that exits leaving a trial leased and unreported has it reported failed, with
    the exit code as the reason; the other workers are left to finish. Workers are started
    with ``spawn``, as CUDA needs, so ``target`` must be a module-level function. On Ctrl-C
    every worker is stopped, its trial reported failed, and KeyboardInterrupt raised again.
    """
    ctx = multiprocessing.get_context("spawn")
    client = Client(url, api_key)
    processes, conns = {}, {}
    for rank in range(n_workers):
        receiver, sender = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_worker_main, args=(target, rank, sender, url, api_key, args), name="worker%d" % rank)
        process.start()
        sender.close()  # the worker has its own copy; this one must close for EOF to arrive
        processes[rank], conns[rank] = process, receiver
    held: Dict[int, Dict[str, str]] = {rank: {} for rank in processes}  # trial id -> study id
    codes: Dict[int, Optional[int]] = {}
    listening = {conns[rank]: rank for rank in processes}
    running = {processes[rank].sentinel: rank for rank in processes}
    try:
        while running:
            for ready in wait(list(listening) + list(running)):
                if ready in listening:
                    if not _receive(ready, held[listening[ready]]):
                        del listening[ready]
                elif ready in running:
                    rank = running.pop(ready)
                    listening.pop(conns[rank], None)
                    processes[rank].join()
                    codes[rank] = processes[rank].exitcode
                    _fail_held(client, rank, conns[rank], held[rank], _exit_reason(rank, codes[rank]))
    except KeyboardInterrupt:
        for rank in running.values():
            processes[rank].terminate()
            processes[rank].join()
            _fail_held(client, rank, conns[rank], held[rank], "interrupted (Ctrl-C) before reporting this trial")
        raise
    return codes


def _receive(conn: Any, held: Dict[str, str]) -> bool:
    """Applies the worker's next message to ``held``; False once the worker's end is closed."""
    try:
        event, study_id, trial_id = conn.recv()
    except EOFError:
        return False
    if event == "leased":
        held[trial_id] = study_id
    else:
        held.pop(trial_id, None)
    return True


def _exit_reason(rank: int, code: Optional[int]) -> str:
    if code is not None and code < 0:
        return "worker %d was killed by signal %d before reporting this trial" % (rank, -code)
    return "worker %d exited with code %s before reporting this trial" % (rank, code)


def _fail_held(client: Client, rank: int, conn: Any, held: Dict[str, str], reason: str) -> None:
    """After worker ``rank`` exited: reads what it sent last, then fails the trials it still held."""
    while conn.poll() and _receive(conn, held):
        pass
    conn.close()
    for trial_id, study_id in held.items():
        try:
            client.fail(study_id, trial_id, reason)
        except PosteriorError as err:
            if err.code != "TRIAL_NOT_PENDING":  # TRIAL_NOT_PENDING: reported just before the worker died
                print("could not report trial %s of worker %d as failed: %s" % (trial_id, rank, err), flush=True)
        except PosteriorUnreachableError as err:
            print("could not report trial %s of worker %d as failed: %s" % (trial_id, rank, err), flush=True)
    held.clear()
