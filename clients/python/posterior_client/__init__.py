"""Posterior's Python client: a typed client for the service and the ``tune`` loop, on the
standard library alone (Python >= 3.9).

Install it with ``pip install ./clients/python`` from a checkout of Posterior, then::

    from posterior_client import Client, tune

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
"""

from ._client import Client, Params, PosteriorError, PosteriorUnreachableError, Study, Trial
from ._tune import Objective, Report, TuneResult, tune

__version__ = "0.1.0"

__all__ = [
    "Client",
    "Objective",
    "Params",
    "PosteriorError",
    "PosteriorUnreachableError",
    "Report",
    "Study",
    "Trial",
    "TuneResult",
    "tune",
]
