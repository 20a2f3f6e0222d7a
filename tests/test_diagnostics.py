import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite._diagnostics import diagnose, final_learning_rate
from sknnlite.datasets import make_extrapolation, make_sum_threshold


def _diagnose(curve, learning_rate=0.01, learning_rate_decay=0.0, n_steps=100, stopped=True):
    return diagnose(
        curve,
        learning_rate=learning_rate,
        final_rate=final_learning_rate(learning_rate, learning_rate_decay, n_steps),
        learning_rate_decay=learning_rate_decay,
        n_steps=n_steps,
        epochs=len(curve),
        stopped=stopped,
    )


def test_a_fit_the_stopping_rule_ended_gives_no_message():
    curve = list(np.exp(-np.arange(100) / 5.0) + 0.1)
    measured, messages = _diagnose(curve)
    assert messages == [] and measured["converged"]


def test_running_out_of_epochs_says_so():
    curve = list(1.0 - np.arange(100) / 200.0)
    measured, messages = _diagnose(curve, stopped=False)
    assert not measured["converged"]
    assert len(messages) == 1 and "Maximum epochs (100) reached" in messages[0]
    assert "Raise epochs" in messages[0]


def test_running_out_of_epochs_with_the_rule_off_says_tol_turned_it_off():
    curve = list(1.0 - np.arange(20) / 200.0)
    learning_rate = 0.01
    _, messages = diagnose(
        curve,
        learning_rate=learning_rate,
        final_rate=learning_rate,
        learning_rate_decay=0.0,
        n_steps=100,
        epochs=20,
        stopped=False,
        tol=0.0,
    )
    assert len(messages) == 1 and "Maximum epochs (20) reached" in messages[0]
    assert "tol=0 turns the training-loss stopping rule off" in messages[0] and "tol > 0" in messages[0]


def test_a_decayed_learning_rate_is_named_with_its_final_value():
    measured, messages = _diagnose([1.0], learning_rate=0.001, learning_rate_decay=0.1, n_steps=30000)
    assert measured["final_learning_rate"] == pytest.approx(0.001 / 3001)
    assert "decayed to 3.33e-07" in messages[0] and "learning_rate_decay=0.1" in messages[0]


def test_a_flat_loss_and_a_zero_learning_rate():
    assert "hardly changed over 5 epochs" in _diagnose([0.7] * 5)[1][0]
    assert "learning_rate=0" in _diagnose([0.7] * 5, learning_rate=0.0)[1][0]


def test_the_first_seed_failure_explains_itself():
    X, y = make_extrapolation(24000, random_state=0)
    reg = TinyNetRegressor(
        hidden_layer_sizes=(), learning_rate_decay=0.1, batch_size=8, epochs=1, random_state=0
    )
    with pytest.warns(
        ConvergenceWarning, match=r"effective learning rate decayed to .* learning_rate_decay=0\.1"
    ):
        reg.fit(X, y)
    assert reg.final_learning_rate_ < 0.01 * reg.learning_rate
    assert reg.diagnostics_["messages"]


def test_no_warning_when_training_converged():
    X, y = make_extrapolation(2000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg = TinyNetRegressor(hidden_layer_sizes=(), learning_rate=0.01, epochs=100, random_state=0).fit(
            X, y
        )
    assert reg.diagnostics_["messages"] == []
    assert reg.final_learning_rate_ == 0.01


def test_too_few_epochs_warn_that_training_did_not_converge():
    X, y = make_sum_threshold(250, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"Maximum epochs \(10\) reached.*Raise epochs"):
        clf = TinyNetClassifier(hidden_layer_sizes=(20,), epochs=10, random_state=0).fit(X, y)
    assert not clf.diagnostics_["converged"]


def test_a_dead_relu_network_is_diagnosed():
    X, y = make_sum_threshold(250, random_state=0)
    X = X - 10.0
    # With this seed all three ReLU units start (and stay) switched off for these inputs.
    clf = TinyNetClassifier(hidden_layer_sizes=(3,), epochs=5, random_state=8)
    with pytest.warns(ConvergenceWarning, match="hardly changed.*ReLU unit is dead"):
        clf.fit(X, y)
    assert not np.maximum(X @ clf.coefs_[0] + clf.intercepts_[0], 0).any()
    assert clf.diagnostics_["loss_range"] < 1e-3


def test_a_mild_decay_is_not_reported():
    measured, messages = _diagnose([1.0], learning_rate=0.01, learning_rate_decay=1e-4, n_steps=1000)
    assert measured["learning_rate_fraction"] == pytest.approx(1 / 1.1)
    assert messages == []


def test_a_changing_loss_is_not_flat():
    assert not any("hardly changed" in m for m in _diagnose([0.7, 0.69, 0.68, 0.675, 0.674])[1])


def test_the_warning_points_at_the_callers_line():
    X, y = make_sum_threshold(50, random_state=0)
    with pytest.warns(ConvergenceWarning) as caught:
        TinyNetClassifier(hidden_layer_sizes=(4,), epochs=10, random_state=0).fit(X, y)
    (ours,) = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert ours.filename == __file__
