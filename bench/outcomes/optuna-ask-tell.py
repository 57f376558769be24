#!/usr/bin/env python3
"""Optuna samplers for several objectives and outcome constraints, behind a pipe, as the
outside references of bench:constrained and bench:multi-objective (optuna-ask-tell.ts).

One JSON object per line on stdin; every line but the first gets one JSON line back:

  {"space": [...], "seed": 3, "sampler": "tpe" | "nsga2" | "motpe" | "random",
   "directions": ["minimize", ...], "constraints": 1}      no answer
  {"op": "ask"}                                            -> {"id": 0, "params": {...}}
  {"op": "tell", "id": 0, "values": [...], "constraints": [c_1, ...]}   -> {}

`constraints` on tell are values that are feasible when <= 0 (Optuna's convention); they reach
the sampler's constraints_func through the trial's user attributes, set before tell. A space
with `when` clauses is sampled define-by-run: only the active parameters are suggested.
Settings, all Optuna 3.1 defaults otherwise: "tpe" is TPESampler(seed, constraints_func)
(10 random startup trials); "motpe" is TPESampler(seed) on a multi-objective study (Optuna
3.1's multi-objective TPE; MOTPESampler is a deprecated alias of it); "nsga2" is
NSGAIISampler(seed, constraints_func) with its default population of 50.
Written for Debian's python3-optuna 3.1.
"""

import json
import sys
import warnings

import optuna


def suggest(trial, spec):
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


def constraints_func(frozen):
    return frozen.user_attrs["constraints"]


def make_sampler(name, seed, constrained):
    cf = {"constraints_func": constraints_func} if constrained else {}
    if name == "tpe" or name == "motpe":
        return optuna.samplers.TPESampler(seed=seed, **cf)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, **cf)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown sampler {name}")


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")
    setup = json.loads(sys.stdin.readline())
    study = optuna.create_study(
        directions=setup["directions"],
        sampler=make_sampler(setup["sampler"], setup["seed"], setup.get("constraints", 0) > 0),
    )
    running = {}
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["op"] == "ask":
            trial = study.ask()
            params = {}
            # Define-by-run over a conditional space: a parameter with "when" is asked for only when
            # its parent was asked for and took one of "in" (parents come first in the space).
            for spec in setup["space"]:
                when = spec.get("when")
                if when is None or (when["parameter"] in params and params[when["parameter"]] in when["in"]):
                    params[spec["name"]] = suggest(trial, spec)
            running[trial.number] = trial
            out = {"id": trial.number, "params": params}
        elif msg["op"] == "tell":
            trial = running.pop(msg["id"])
            if msg.get("constraints"):
                trial.set_user_attr("constraints", msg["constraints"])
            values = msg["values"]
            study.tell(trial, values[0] if len(values) == 1 else values)
            out = {}
        else:
            raise ValueError(f"unknown op {msg['op']}")
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
