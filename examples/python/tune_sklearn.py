"""Tune a scikit-learn SVM on the digits data set that ships with scikit-learn.

    npm start                                   # in one terminal
    pip install ./clients/python scikit-learn   # in another (in a virtual environment)
    python3 examples/python/tune_sklearn.py

Maximizes the 3-fold cross-validated accuracy of an RBF support-vector classifier over
C and gamma, both on a log scale. 15 trials take well under a minute on two cores.
Reads the server from POSTERIOR_URL (default http://127.0.0.1:8080) and an API key from
POSTERIOR_API_KEY; TRIALS sets the number of trials.
"""

import os
import sys
import time

from posterior_client import Client, PosteriorError, PosteriorUnreachableError, tune
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

X, y = load_digits(return_X_y=True)


def cv_accuracy(params):
    model = make_pipeline(StandardScaler(), SVC(C=params["C"], gamma=params["gamma"], kernel="rbf"))
    return float(cross_val_score(model, X, y, cv=3, n_jobs=1).mean())


def main():
    client = Client(os.environ.get("POSTERIOR_URL", "http://127.0.0.1:8080"), os.environ.get("POSTERIOR_API_KEY"))
    study = {
        "name": "svc-digits",
        "parameters": [
            {"name": "C", "type": "float", "low": 1e-2, "high": 1e3, "log": True},
            {"name": "gamma", "type": "float", "low": 1e-5, "high": 1e-1, "log": True},
        ],
        "objective": {"name": "cv_accuracy", "goal": "maximize"},
    }
    started = time.monotonic()
    result = tune(
        client,
        study,
        cv_accuracy,
        n_trials=int(os.environ.get("TRIALS", "15")),
        on_trial=lambda t: print(
            "trial %2d  accuracy %.4f  C=%.4g gamma=%.4g"
            % (t["number"], t.get("value", float("nan")), t["params"]["C"], t["params"]["gamma"])
        ),
    )
    best = result.best
    print(
        "study %s: best 3-fold accuracy %.4f with C=%.4g gamma=%.4g (%d trials in %.1f s)"
        % (result.study["id"], best["value"], best["params"]["C"], best["params"]["gamma"],
           len(result.trials), time.monotonic() - started)
    )


if __name__ == "__main__":
    try:
        main()
    except (PosteriorError, PosteriorUnreachableError) as err:
        sys.exit("error: %s" % err)
