#!/usr/bin/env python3
"""Optuna's TPE sampler, optionally with its Hyperband pruner, behind a pipe: the outside
reference of bench:regret (bench/regret.ts) and bench:early-stopping (bench/early-stopping.ts).

bench/optuna/bridge.ts starts this script and drives it with one JSON object per line on
stdin; every line but the first gets exactly one JSON line back on stdout:

  {"space": [...], "seed": 3,                    the problem's search space (the service's
   "maxStep": 27, "multivariate": false}          parameter objects), no answer; maxStep
                                                  only with the pruner, multivariate optional
  {"op": "ask"}                                   -> {"id": "0", "params": {...}}
  {"op": "report", "id", "step", "value"}         -> {"decision": "continue" | "stop"}
  {"op": "complete", "id", "value"}               -> {}

The problems, the curves, the workers and the budget live on the benchmarks' side, so this
script evaluates nothing: every row of a benchmark sees the same problems by construction.

Settings: TPESampler(seed=seed) with its defaults (n_startup_trials=10 random trials,
multivariate=False: independent sampling per parameter, no constant liar), or
multivariate=True when the first line asks for it. With "maxStep": HyperbandPruner(
min_resource=1, max_resource=maxStep, reduction_factor=3), as the service's ASHA uses
minStep 1 and eta 3; a trial the pruner stops is told PRUNED at once, as a worker that
raises TrialPruned does; should_prune is not asked at maxStep, where the trial is complete.
Without "maxStep" nothing is pruned. Written for Debian's python3-optuna 3.1.
"""

import json
import sys
import warnings

import optuna


def suggest(trial, spec):
    """The value of one parameter of the service's space, drawn by `trial`."""
    kind = spec["type"]
    if kind == "float":
        return trial.suggest_float(spec["name"], spec["low"], spec["high"], log=spec.get("log", False))
    if kind == "int":
        return trial.suggest_int(spec["name"], spec["low"], spec["high"], log=spec.get("log", False))
    if kind == "ordinal":
        return trial.suggest_categorical(spec["name"], spec["values"])
    if kind == "categorical":
        return trial.suggest_categorical(spec["name"], spec["choices"])
    raise ValueError(f"unknown parameter type {kind}")


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")
    problem = json.loads(sys.stdin.readline())
    space, seed = problem["space"], problem["seed"]
    max_step = problem.get("maxStep")
    pruner = (
        optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max_step, reduction_factor=3)
        if max_step is not None
        else optuna.pruners.NopPruner()
    )
    study = optuna.create_study(
        # A fixed name: Hyperband assigns brackets by a hash of the study name and trial number.
        study_name=f"es-bench-{seed}",
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=seed, multivariate=bool(problem.get("multivariate", False))),
        pruner=pruner,
    )
    running = {}

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        msg = json.loads(line)
        op = msg["op"]
        if op == "ask":
            trial = study.ask()
            params = {spec["name"]: suggest(trial, spec) for spec in space}
            running[str(trial.number)] = trial
            reply({"id": str(trial.number), "params": params})
        elif op == "report":
            trial = running[msg["id"]]
            trial.report(msg["value"], msg["step"])
            stop = max_step is not None and msg["step"] < max_step and trial.should_prune()
            if stop:
                study.tell(running.pop(msg["id"]), state=optuna.trial.TrialState.PRUNED)
            reply({"decision": "stop" if stop else "continue"})
        elif op == "complete":
            study.tell(running.pop(msg["id"]), msg["value"])
            reply({})
        else:
            raise ValueError(f"unknown op {op}")


if __name__ == "__main__":
    main()
