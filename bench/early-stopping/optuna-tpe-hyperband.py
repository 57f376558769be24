#!/usr/bin/env python3
"""Optuna's TPE sampler with its Hyperband pruner, as the outside reference of
bench:early-stopping (bench/early-stopping.ts): a tuner behind a pipe.

The benchmark (optuna-tuner.ts) starts this script and drives it with one JSON object per
line on stdin; every line but the first gets exactly one JSON line back on stdout:

  {"space": [...], "maxStep": 27, "seed": 3}     the problem's search space (the service's
                                                  parameter objects), no answer
  {"op": "ask"}                                   -> {"id": "0", "params": {...}}
  {"op": "report", "id", "step", "value"}         -> {"decision": "continue" | "stop"}
  {"op": "complete", "id", "value"}               -> {}

The curves, the workers and the budget live on the benchmark's side, so this script
trains nothing: every row of the benchmark sees the same problems by construction.

Settings: TPESampler(seed) with its defaults (10 random startup trials, independent
sampling, no constant liar); HyperbandPruner(min_resource=1, max_resource=maxStep,
reduction_factor=3), as the service's ASHA uses minStep 1 and eta 3. A trial the pruner
stops is told PRUNED at once, as a worker that raises TrialPruned does; should_prune is not
asked at maxStep, where the trial is complete. Written for Debian's python3-optuna 3.1.
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
    space, max_step, seed = problem["space"], problem["maxStep"], problem["seed"]
    study = optuna.create_study(
        # A fixed name: Hyperband assigns brackets by a hash of the study name and trial number.
        study_name=f"es-bench-{seed}",
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max_step, reduction_factor=3),
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
            stop = msg["step"] < max_step and trial.should_prune()
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
