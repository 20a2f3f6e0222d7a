"""Callbacks as SciKeras takes them: instances or classes, alone, in a list or a dict, with callbacks__*."""

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite.datasets import make_sum_threshold

FAST = dict(hidden_layer_sizes=(8,), epochs=30, learning_rate=0.01, random_state=0)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n=120):
    return make_sum_threshold(n, random_state=0)


# An EarlyStopping that cannot see an improvement: training ends after 2 epochs (the baseline, then one).
NEVER_BETTER = {"monitor": "loss", "min_delta": 1e9}


@pytest.mark.parametrize(
    "callbacks, routed",
    [
        (keras.callbacks.EarlyStopping, {f"callbacks__{k}": v for k, v in NEVER_BETTER.items()}),
        ([keras.callbacks.EarlyStopping], {f"callbacks__0__{k}": v for k, v in NEVER_BETTER.items()}),
        ({"es": keras.callbacks.EarlyStopping}, {f"callbacks__es__{k}": v for k, v in NEVER_BETTER.items()}),
        (keras.callbacks.EarlyStopping(**NEVER_BETTER), {}),
        ([keras.callbacks.EarlyStopping(**NEVER_BETTER)], {}),
        ({"es": keras.callbacks.EarlyStopping(**NEVER_BETTER)}, {}),
    ],
    ids=["class", "class list", "class dict", "object", "object list", "object dict"],
)
def test_every_scikeras_callback_syntax_reaches_training(callbacks, routed):
    X, y = _data()
    est = TinyNetClassifier(**FAST, callbacks=callbacks, **routed).fit(X, y)
    assert est.n_iter_ == est.current_epoch == 2


def test_callback_classes_are_built_at_every_fit_from_positional_and_keyword_arguments():
    built = []

    class Recorder(keras.callbacks.Callback):
        def __init__(self, *args, **kwargs):
            super().__init__()
            built.append((args, kwargs))

    X, y = _data(40)
    est = TinyNetRegressor(
        **{**FAST, "epochs": 2},
        callbacks={"rec": Recorder},
        callbacks__rec__1="second",  # positions are numbered; their order here does not matter
        callbacks__rec__0="first",
        callbacks__rec__flag=True,
    )
    est.fit(X, y)
    clone(est).fit(X, y)
    assert built == [(("first", "second"), {"flag": True})] * 2


class RecordedEarlyStopping(keras.callbacks.EarlyStopping):
    """Keras' EarlyStopping, recording each run's min_delta and the epochs it let training run."""

    runs = []

    def on_train_end(self, logs=None):
        super().on_train_end(logs)
        RecordedEarlyStopping.runs.append((abs(self.min_delta), self.stopped_epoch))


def test_callback_arguments_are_parameters_grid_search_can_tune():
    X, y = _data()
    est = TinyNetClassifier(**FAST, callbacks=[RecordedEarlyStopping], callbacks__0__monitor="loss")
    assert est.get_params()["callbacks__0__monitor"] == "loss"
    RecordedEarlyStopping.runs.clear()
    search = GridSearchCV(est, {"callbacks__0__min_delta": [0.0, 1e9]}, cv=2).fit(X, y)
    # Each fit's callback got the candidate's min_delta (2 folds each, then the refit) ...
    deltas = [delta for delta, _ in RecordedEarlyStopping.runs]
    assert sorted(deltas[:4]) == [0.0, 0.0, 1e9, 1e9] and len(deltas) == 5
    # ... and it decided when training stopped: an improvement of 1e9 never comes, so the second epoch
    # stops it (patience 0); with 0.0 the falling loss runs all 30 epochs.
    for delta, stopped_epoch in RecordedEarlyStopping.runs:
        assert stopped_epoch == (1 if delta == 1e9 else 0)
    best = search.best_estimator_
    assert best.n_iter_ == (2 if best.callbacks__0__min_delta == 1e9 else 30)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"callbacks": keras.callbacks.EarlyStopping(), "callbacks__patience": 3}, "already an instance"),
        (
            {"callbacks": [keras.callbacks.EarlyStopping], "callbacks__1__patience": 3},
            "name no callbacks entry",
        ),
        ({"callbacks__patience": 3}, "name no callbacks entry"),
        ({"callbacks": {"a": "not a callback"}}, "keras.callbacks.Callback instances or subclasses"),
        ({"callbacks": keras.callbacks.EarlyStopping, "callbacks__1": "x"}, "numbered 0, 1, 2"),
    ],
)
def test_callback_configuration_errors_say_what_is_allowed(params, message):
    X, y = _data(40)
    with pytest.raises(ValueError, match=message):
        TinyNetRegressor(**FAST, **params).fit(X, y)


def test_callback_instances_are_not_trained_on_and_classes_are_not_instantiated_at_init():
    instance = keras.callbacks.History()
    est = TinyNetRegressor(**{**FAST, "epochs": 3}, callbacks=[instance, keras.callbacks.History])
    assert est.callbacks[1] is keras.callbacks.History  # __init__ stores the parameter as given
    X, y = _data(40)
    est.fit(X, y)
    assert instance.history == {} and np.isfinite(est.loss_).all()
