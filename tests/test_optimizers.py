"""``optimizer=`` as a name, a Keras optimizer class or an instance, and the rule for settings given twice."""

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from sknnlite import TinyNetClassifier, TinyNetRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class ClippedSGD(keras.optimizers.SGD):
    """A user's optimizer subclass (module level, so a saved model can name it)."""

    def __init__(self, learning_rate=0.01, **kwargs):
        kwargs.setdefault("clipnorm", 0.5)
        super().__init__(learning_rate=learning_rate, **kwargs)


def _data():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(120, 4))
    return X, X[:, 3] - X[:, 2]


def _weights(optimizer, **params):
    X, y = _data()
    est = TinyNetRegressor((5,), optimizer=optimizer, epochs=4, random_state=0, **params).fit(X, y)
    return [*est.coefs_, *est.intercepts_]


def _assert_same(first, second):
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_name_a_class_and_an_instance_train_alike():
    by_name = _weights("sgd", learning_rate=0.02, optimizer__momentum=0.9)
    _assert_same(by_name, _weights(keras.optimizers.SGD, learning_rate=0.02, optimizer__momentum=0.9))
    _assert_same(by_name, _weights(keras.optimizers.SGD(learning_rate=0.02, momentum=0.9)))


def test_an_instance_rate_is_used_as_written_not_as_its_float32_variable():
    # Keras keeps the rate in a float32 variable (0.01 reads back as 0.009999999776...).
    _assert_same(_weights("adam", learning_rate=0.01), _weights(keras.optimizers.Adam(learning_rate=0.01)))


def test_the_users_instance_is_only_read_and_every_fit_starts_fresh():
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    X, y = _data()
    est = TinyNetRegressor((5,), optimizer=optimizer, epochs=3, random_state=0)
    first = [c.copy() for c in est.fit(X, y).coefs_]
    _assert_same(first, est.fit(X, y).coefs_)  # no moments carried over from the first fit
    assert not optimizer.built and int(optimizer.iterations.numpy()) == 0
    assert est.get_params()["optimizer"] is optimizer


def test_a_class_takes_routed_settings_and_an_instance_its_own():
    by_class = _weights(keras.optimizers.RMSprop, optimizer__rho=0.5)
    _assert_same(by_class, _weights(keras.optimizers.RMSprop(learning_rate=0.001, rho=0.5)))
    # A routed setting fills in what the instance leaves at its class's default.
    _assert_same(by_class, _weights(keras.optimizers.RMSprop(learning_rate=0.001), optimizer__rho=0.5))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"optimizer": keras.optimizers.SGD(learning_rate=0.01), "learning_rate": 0.05},
            r"learning_rate=0.05 and the optimizer instance's learning_rate=0.01 both set the learning rate; "
            r"keep one.*optimizer=keras.optimizers.SGD\)",
        ),
        (
            {"optimizer": keras.optimizers.SGD(learning_rate=0.01), "optimizer__learning_rate": 0.05},
            "optimizer__learning_rate=0.05 and the optimizer instance's learning_rate=0.01 both set",
        ),
        (
            {"optimizer": keras.optimizers.SGD(momentum=0.9), "optimizer__momentum": 0.5},
            r"optimizer__momentum=0.5 and the optimizer instance's momentum=0.9 both set momentum; keep one",
        ),
        (
            {"optimizer": keras.optimizers.SGD, "learning_rate": 0.2, "optimizer__learning_rate": 0.05},
            "learning_rate=0.2 and optimizer__learning_rate=0.05 both set the learning rate",
        ),
        (
            {"optimizer": keras.optimizers.SGD, "optimizer__momentun": 0.9},
            r"Unknown optimizer \('sgd'\) parameter\(s\) \['optimizer__momentun'\]",
        ),
    ],
)
def test_a_setting_given_twice_with_different_values_fails_at_fit_saying_which(params, message):
    X, y = _data()
    est = TinyNetRegressor((5,), epochs=1, **params)  # __init__ only stores
    with pytest.raises(ValueError, match=message):
        est.fit(X, y)


def test_the_same_value_given_twice_is_no_conflict():
    _assert_same(
        _weights(keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), learning_rate=0.05),
        _weights(keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), optimizer__momentum=0.9),
    )


def test_what_is_not_an_optimizer_is_rejected_at_fit():
    X, y = _data()
    est = TinyNetRegressor(optimizer=keras.losses.Huber())
    with pytest.raises(InvalidParameterError, match="'optimizer' parameter"):
        est.fit(X, y)

    class NotAnOptimizer:
        def get_config(self):
            return {}

        def apply(self, gradients):
            return None

    with pytest.raises(ValueError, match="is not a Keras optimizer: give a name among"):
        TinyNetRegressor(optimizer=NotAnOptimizer()).fit(X, y)


def _schedule():
    return keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=20, decay_rate=0.5)


def test_a_schedule_as_learning_rate_in_any_form_trains_alike_and_reports_its_final_rate():
    X, y = _data()
    fitted = [
        TinyNetRegressor((5,), learning_rate=rate, optimizer=optimizer, epochs=4, random_state=0).fit(X, y)
        for rate, optimizer in [
            (_schedule(), "sgd"),
            (keras.optimizers.schedules.serialize(_schedule()), "sgd"),  # its config
            (0.001, keras.optimizers.SGD(learning_rate=_schedule())),  # inside an instance
        ]
    ]
    for est in fitted[1:]:
        _assert_same(est.coefs_, fitted[0].coefs_)
    n_steps = 4 * 4  # 120 rows in minibatches of 32
    assert fitted[0].final_learning_rate_ == pytest.approx(0.05 * 0.5 ** (n_steps / 20), rel=1e-6)


def test_the_first_seed_written_as_the_question_wrote_it_gets_the_decayed_rate_warning():
    # Adam(lr=0.01, decay=0.1) in the Keras of the question; Keras 3 spells the decay as a schedule.
    decay = keras.optimizers.schedules.InverseTimeDecay(0.01, decay_steps=1, decay_rate=0.1)
    X, y = _data()
    est = TinyNetRegressor(
        (), optimizer=keras.optimizers.Adam(learning_rate=decay), epochs=300, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match=r"decayed to .* the InverseTimeDecay schedule"):
        est.fit(X, y)
    legacy = TinyNetRegressor((), learning_rate=0.01, learning_rate_decay=0.1, epochs=300, random_state=0)
    with pytest.warns(ConvergenceWarning, match="learning_rate_decay=0.1 divides the rate"):
        legacy.fit(X, y)
    # The same decay (Keras' schedule computes in float32, sknnlite's in the network's dtype).
    np.testing.assert_allclose(est.coefs_[0], legacy.coefs_[0], rtol=1e-5)
    assert est.final_learning_rate_ == pytest.approx(legacy.final_learning_rate_, rel=1e-6)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"learning_rate_decay": 0.1}, "would decay it twice; keep one: learning_rate_decay=0"),
        ({"learning_rate_schedule": "adaptive"}, "learning_rate_schedule='adaptive', which changes it"),
        ({"optimizer": "lbfgs"}, "optimizer='lbfgs' takes no learning rate"),
        (
            {"optimizer": keras.optimizers.SGD(learning_rate=0.05)},
            r"learning_rate=ExponentialDecay\(...\) and the optimizer instance's learning_rate=0.05 both set",
        ),
    ],
)
def test_a_schedule_combined_with_another_rate_setting_fails_at_fit(params, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        TinyNetRegressor((5,), learning_rate=_schedule(), epochs=1, **params).fit(X, y)


def test_a_schedule_goes_on_over_warm_starts_and_survives_clone_pickle_search_and_files(tmp_path):
    X, y = _data()
    est = TinyNetRegressor((5,), learning_rate=_schedule(), epochs=2, random_state=0, warm_start=True)
    est.fit(X, y).fit(X, y)
    assert est.final_learning_rate_ == pytest.approx(0.05 * 0.5 ** (4 * 4 / 20), rel=1e-6)  # 4 epochs in all
    est.save(tmp_path / "model.keras")
    loaded = TinyNetRegressor.load(tmp_path / "model.keras")
    assert loaded.learning_rate.get_config() == est.learning_rate.get_config()
    _assert_same(loaded.fit(X, y).coefs_, est.fit(X, y).coefs_)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), est.predict(X))
    assert clone(est).learning_rate is not est.learning_rate
    grid = {"learning_rate": [_schedule(), 0.01]}
    search = GridSearchCV(TinyNetRegressor((5,), epochs=2, random_state=0), grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 2


def test_instances_clone_pickle_and_grid_search():
    X, y = _data()
    est = TinyNetClassifier((5,), epochs=3, random_state=0, optimizer=keras.optimizers.SGD(momentum=0.9))
    twin = clone(est)
    assert twin.optimizer is not est.optimizer
    assert twin.optimizer.get_config() == est.optimizer.get_config()
    labels = (y > 0).astype(int)
    est.fit(X, labels)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict_proba(X), est.predict_proba(X))
    grid = {"optimizer": [keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), "adam"]}
    search = GridSearchCV(TinyNetClassifier((5,), epochs=3, random_state=0), grid, cv=2).fit(X, labels)
    assert len(search.cv_results_["params"]) == 2
    assert search.best_params_["optimizer"] in grid["optimizer"]


@pytest.mark.parametrize(
    "optimizer", [keras.optimizers.SGD(learning_rate=0.02, momentum=0.9), keras.optimizers.SGD]
)
def test_a_saved_model_keeps_its_optimizer_and_continues_training(tmp_path, optimizer):
    X, y = _data()
    est = TinyNetRegressor((5,), optimizer=optimizer, epochs=3, random_state=0, warm_start=True).fit(X, y)
    est.save(tmp_path / "model.keras")
    loaded = TinyNetRegressor.load(tmp_path / "model.keras")  # Keras' own classes need no trust
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    if isinstance(optimizer, type):
        assert loaded.optimizer is keras.optimizers.SGD
    else:  # a new instance, configured as the saved one
        # type(): on PyTorch, keras.optimizers.SGD(...) builds Keras' PyTorch subclass of SGD.
        assert isinstance(loaded.optimizer, keras.optimizers.SGD) and loaded.optimizer is not est.optimizer
        assert type(loaded.optimizer) is type(est.optimizer)
        assert loaded.optimizer.get_config() == est.optimizer.get_config()
        assert (loaded.optimizer.get_config()["momentum"], est.optimizer.learning_rate) == (0.9, 0.02)
    _assert_same(loaded.fit(X, y).coefs_, est.fit(X, y).coefs_)  # the optimizer state went along


def test_a_custom_optimizer_class_trains_and_is_saved_by_name(tmp_path):
    X, y = _data()
    est = TinyNetRegressor((5,), optimizer=ClippedSGD(learning_rate=0.5), epochs=4, random_state=0).fit(X, y)
    # A user's class trains the exact network; Keras' SGD a padded one sharing its compiled loop
    # (_shared_programs), equal to float rounding.
    expected = _weights("sgd", learning_rate=0.5, optimizer__clipnorm=0.5)
    for ours, theirs in zip([*est.coefs_, *est.intercepts_], expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    est.save(tmp_path / "model.keras")
    with pytest.raises(ValueError, match="ClippedSGD"):
        TinyNetRegressor.load(tmp_path / "model.keras")
    loaded = TinyNetRegressor.load(tmp_path / "model.keras", trusted=[ClippedSGD])
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_partial_fit_keeps_the_optimizer_state_with_an_instance():
    X, y = _data()
    runs = []
    for params in ({"optimizer": keras.optimizers.Adam(learning_rate=0.01)}, {"learning_rate": 0.01}):
        est = TinyNetRegressor((5,), random_state=0, **params)
        for _ in range(3):
            est.partial_fit(X, y)
        runs.append(est)
    _assert_same(runs[0].coefs_, runs[1].coefs_)  # Adam's moments and step count carried on alike
    assert runs[0].t_ == 3 * X.shape[0] and runs[0].loss_curve_[-1] < runs[0].loss_curve_[0]
