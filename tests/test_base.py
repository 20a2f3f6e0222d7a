"""Behaviour both estimators share: validation, state, reproducibility, ecosystem."""

import pickle
import sys

import keras
import numpy as np
import pytest
from fresh_process import run_python
from sklearn.base import TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite._training import tensorflow_graph
from sknnlite._training.shared_programs import program_architecture
from sknnlite.datasets import make_sum_threshold

FAST = dict(hidden_layer_sizes=(8,), epochs=20, learning_rate=0.01, random_state=0)


def _data(n=120, seed=0):
    return make_sum_threshold(n, random_state=seed)


@pytest.fixture(params=[TinyNetClassifier, TinyNetRegressor], ids=["classifier", "regressor"])
def Estimator(request):
    return request.param


def _weights(est):
    return [w.copy() for w in est.coefs_ + est.intercepts_]


def test_predict_before_fit_raises_not_fitted(Estimator):
    with pytest.raises(NotFittedError):
        Estimator().predict([[0.0]])
    with pytest.raises(NotFittedError):
        Estimator().model_  # noqa: B018


@pytest.mark.parametrize(
    "bad",
    [
        dict(X=[[np.nan] * 5, [1.0] * 5], y=[0, 1]),
        dict(X=np.ones((3, 5)), y=[1, 1, 1], params={"loss": "hinj"}),
    ],
)
def test_a_failed_refit_leaves_the_fitted_estimator_untouched(Estimator, bad):
    X, y = _data()
    est = Estimator(**FAST).fit(X, y)
    before, state = _weights(est), dict(est.__dict__)
    prediction = est.predict(X)
    est.set_params(**bad.get("params", {}))
    with pytest.raises((ValueError, TypeError)):
        est.fit(bad["X"], bad["y"])
    assert est.n_features_in_ == 5 and est.__dict__.keys() == state.keys()
    for a, b in zip(before, _weights(est), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(est.predict(X), prediction)


def test_a_failed_refit_with_other_features_keeps_the_previous_fit():
    X, y = _data()
    est = TinyNetClassifier(**FAST).fit(X, y)
    prediction = est.predict(X)
    with pytest.raises(ValueError, match="Unknown label type"):
        est.fit(np.ones((4, 7)), [0.5, 1.5, 2.5, 3.5])
    assert est.n_features_in_ == 5
    np.testing.assert_array_equal(est.predict(X), prediction)


def test_diverging_training_raises_and_keeps_the_previous_fit():
    X, y = _data()
    est = TinyNetRegressor(**FAST).fit(X, y)
    prediction = est.predict(X)
    with pytest.raises(ValueError, match=r"Training diverged: the loss became .* learning rate"):
        est.set_params(learning_rate=1e30, optimizer="sgd").fit(X[:, :3], y * 1e6)
    assert est.n_features_in_ == 5
    np.testing.assert_array_equal(est.predict(X), prediction)


def test_fitted_attributes(Estimator):
    X, y = _data()
    est = Estimator(**FAST).fit(X, y)
    assert est.n_iter_ == 20 == len(est.loss_curve_) == len(est.history_["loss"])
    assert est.t_ == 20 * 120  # samples seen, as in MLP
    assert est.n_features_in_ == 5
    assert [W.shape for W in est.coefs_] == [(5, 8), (8, 1)]
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    assert not hasattr(est, "feature_names_in_")


def test_parameters_set_after_fit_do_not_change_predictions(Estimator):
    X, y = _data()
    est = Estimator(**FAST).fit(X, y)
    prediction = est.predict(X)
    est.set_params(activation="tanh", hidden_layer_sizes=(3, 3), alpha=0.5)
    np.testing.assert_array_equal(est.predict(X), prediction)
    assert est.model_.count_params() == 5 * 8 + 8 + 8 + 1


def test_model_is_the_trained_keras_model(Estimator):
    X, y = _data()
    est = Estimator(**FAST).fit(X, y)
    model = est.model_
    assert est.model_ is model
    outputs = model.predict(X.astype(np.float32), verbose=0)
    np.testing.assert_allclose(outputs.ravel(), est._forward(X).ravel(), atol=1e-5)
    clone_of_fitted = pickle.loads(pickle.dumps(est))
    assert "_keras_model" not in clone_of_fitted.__dict__
    assert clone_of_fitted.model_.count_params() == model.count_params()


def test_same_random_state_same_fit_and_none_differs(Estimator):
    X, y = _data()
    a = Estimator(**FAST).fit(X, y)
    b = Estimator(**FAST).fit(X, y)
    for w1, w2 in zip(_weights(a), _weights(b), strict=True):
        np.testing.assert_array_equal(w1, w2)
    unseeded = dict(FAST, random_state=None)
    c = Estimator(**unseeded).fit(X, y)
    d = Estimator(**unseeded).fit(X, y)
    assert not np.array_equal(c.coefs_[0], d.coefs_[0])


def test_pickle_predicts_identically_in_a_new_process(Estimator, tmp_path):
    X, y = _data()
    est = Estimator(**FAST).fit(X, y)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(est))
    np.save(tmp_path / "X.npy", X)
    code = (
        "import pickle, sys, numpy as np; "
        f"est = pickle.loads(open({str(path)!r}, 'rb').read()); "
        f"np.save({str(tmp_path / 'out.npy')!r}, est.predict(np.load({str(tmp_path / 'X.npy')!r}))); "
        "names = dir(est); "  # tab completion and skl2onnx list the attributes: no model_ built for them
        "print('tensorflow' in sys.modules, 'predict' in names, 'coefs_' in names)"
    )
    result = run_python("-c", code)
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), est.predict(X))
    assert result.stdout.split() == ["False", "True", "True"]  # predicting needs no TensorFlow


def test_pipeline_clone_and_cross_val_score():
    X, y = _data(150)
    pipe = make_pipeline(StandardScaler(), TinyNetClassifier(**FAST))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.8
    fitted = clone(pipe).fit(X, y)
    assert fitted.score(X, y) > 0.8
    unfitted = clone(fitted)
    with pytest.raises(NotFittedError):
        unfitted.predict(X)


def _rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _keras_name_counters():
    from keras.src.backend.common import global_state

    return dict(global_state.get_global_attribute("name_uid_map", default={}))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_many_fits_reuse_one_compiled_loop_and_do_not_grow_memory():
    # The measured figures over 200 fits are in benchmarks/many_fits.py; this guards against leaks.
    X, y = _data()
    est = TinyNetClassifier(**FAST)
    for i in range(100):
        est.fit(X, y)
        if i == 19:
            rss_after_20, names_after_20 = _rss_mb(), _keras_name_counters()
    assert _rss_mb() - rss_after_20 < 5  # measured: 0.0 MB (TensorFlow), 0.3 MB (JAX) over 180 fits
    assert _keras_name_counters() == names_after_20  # no Keras layer, model or optimizer made per fit
    if keras.backend.backend() == "tensorflow":
        # The loop trains a network whose widths may be rounded up (shared_programs), keyed by that network.
        program = program_architecture(est._architecture, est._objective, len(y))
        with tensorflow_graph.graph_trainer_for(program, est._objective) as trainer:
            assert trainer.traced_loops()  # the pool's trainer of those 100 fits, not a new one
            assert set(trainer.traced_loops()) <= {0, 1}  # each loop (one per padded data shape) traced once


def test_initialize_builds_the_network_without_training(Estimator):
    X, y = _data()
    est = Estimator(**FAST).initialize(X, y)
    fitted = clone(est).set_params(epochs=1, learning_rate=0.0).fit(X, y)
    # The initial weights a seeded fit starts from, and nothing trained yet.
    for initial, start in zip(_weights(est), _weights(fitted), strict=True):
        np.testing.assert_array_equal(initial, start)
    assert est.n_iter_ == est.t_ == est.current_epoch == 0
    assert est.loss_curve_ == [] and est.history_ == {"loss": []}
    assert est.predict(X).shape == (len(X),)


def test_partial_fit_and_warm_start_go_on_from_initialize(Estimator):
    X, y = _data()
    est = Estimator(**FAST).initialize(X, y)
    start = _weights(est)
    est.partial_fit(X, y)
    assert est.current_epoch == 1 and est.t_ == len(X)
    assert any(not np.array_equal(a, b) for a, b in zip(start, _weights(est), strict=True))
    warm = Estimator(**{**FAST, "epochs": 3}, warm_start=True).initialize(X, y)
    warm.fit(X, y)
    assert warm.current_epoch == 3
    # A plain fit starts afresh: same as a fit that was never initialized.
    again = Estimator(**FAST).initialize(X, y).fit(X, y)
    fresh = Estimator(**FAST).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), fresh.predict(X))


def test_initialize_a_pretrained_model_predicts_with_its_weights(Estimator):
    X = np.random.default_rng(0).random((50, 1))
    y = (X[:, 0] > 0.5).astype(int)
    inputs = keras.Input((1,))
    outputs = keras.layers.Dense(1, activation="sigmoid")(inputs)
    pretrained = keras.Model(inputs, outputs)
    pretrained.compile(loss="binary_crossentropy", optimizer="adam")
    expected = keras.ops.convert_to_numpy(pretrained(X)).ravel()
    est = Estimator(model=pretrained, loss="binary_crossentropy").initialize(X, y)
    got = est.predict_proba(X)[:, 1] if hasattr(est, "predict_proba") else est.predict(X)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_current_epoch_counts_over_partial_fit_and_fit():
    X, y = _data(40)
    reg = TinyNetRegressor(**{**FAST, "epochs": 2})
    assert reg.current_epoch == 0
    reg.partial_fit(X, y)
    reg.partial_fit(X, y)
    assert reg.current_epoch == 2
    reg.fit(X, y)
    assert reg.current_epoch == 2  # a fresh fit
    reg.partial_fit(X, y)
    assert reg.current_epoch == 3
    # As in SciKeras, a warm-started fit counts its own epochs; loss_curve_ accumulates, as in MLP.
    warm = TinyNetRegressor(**{**FAST, "epochs": 2}, warm_start=True).fit(X, y).fit(X, y)
    assert warm.current_epoch == 2 and len(warm.loss_curve_) == 4


def test_initialize_with_bad_input_leaves_a_fitted_estimator_unchanged(Estimator):
    X, y = _data()
    est = Estimator(**FAST).fit(X, y)
    before = est.predict(X)
    with pytest.raises(ValueError):
        est.initialize(X[:, :2], y[:5])
    np.testing.assert_array_equal(est.predict(X), before)
    assert est.n_iter_ > 0


def _shared_autoencoder(n_features, width=3):
    """An autoencoder whose encoder is a model of its own, sharing its layers (Keras' functional API)."""
    inputs = keras.Input((n_features,))
    encoder = keras.Model(inputs, keras.layers.Dense(width, activation="tanh")(inputs))
    outer = keras.Input((n_features,))
    return encoder, keras.Model(outer, keras.layers.Dense(n_features)(encoder(outer)))


def test_initialize_uses_a_model_instance_itself_so_shared_layers_stay_shared():
    X = np.random.default_rng(0).random((60, 5))
    encoder, autoencoder = _shared_autoencoder(5)
    enc = TinyNetRegressor(model=encoder).initialize(X)  # no y: the encoder's 3 outputs set them
    assert enc.model_ is encoder and enc.n_outputs_ == 3
    before = enc.predict(X)
    ae = TinyNetRegressor(model=autoencoder, learning_rate=0.05, random_state=0).initialize(X, X)
    assert ae.model_ is autoencoder
    for _ in range(5):
        ae.partial_fit(X, X)  # after initialize, training goes on in the user's model, as in SciKeras
    assert not np.allclose(enc.predict(X), before)  # the encoder's layers are the trained ones
    np.testing.assert_allclose(enc.predict(X), keras.ops.convert_to_numpy(encoder(X)), rtol=1e-5)
    # fit, unlike initialize, trains a copy: the user's model keeps its weights.
    kept = [w.copy() for w in encoder.get_weights()]
    TinyNetRegressor(model=encoder, epochs=3).fit(X, X[:, :3])
    for a, b in zip(encoder.get_weights(), kept, strict=True):
        np.testing.assert_array_equal(a, b)


def test_initialize_without_y_needs_a_model_whose_outputs_set_the_targets():
    X = np.random.default_rng(0).random((20, 5))
    encoder, _ = _shared_autoencoder(5)
    with pytest.raises(ValueError, match=r"initialize needs y: its labels set classes_"):
        TinyNetClassifier(model=encoder).initialize(X)
    with pytest.raises(ValueError, match=r"initialize\(X\) without y needs model= a keras.Model"):
        TinyNetRegressor((4,)).initialize(X)


class AutoEncoder(TinyNetRegressor, TransformerMixin):
    """An autoencoder as SciKeras documents one: SciKeras' hooks, no sknnlite-specific code."""

    def _keras_build_fn(self, encoding_dim, meta):
        n_features = meta["n_features_in_"]
        inputs = keras.Input((n_features,))
        encoder = keras.Model(inputs, keras.layers.Dense(encoding_dim, activation="relu")(inputs))
        decoded = keras.Input((encoding_dim,))
        decoder = keras.Model(decoded, keras.layers.Dense(n_features, activation="sigmoid")(decoded))
        outer = keras.Input((n_features,))
        self.encoder_model_ = TinyNetRegressor(model=encoder)
        self.decoder_model_ = TinyNetRegressor(model=decoder)
        return keras.Model(outer, decoder(encoder(outer)))

    def _initialize(self, X, y=None):
        X, _ = super()._initialize(X, y)
        self.initialized_calls_ = getattr(self, "initialized_calls_", 0) + 1
        codes = self.encoder_model_.initialize(X).predict(X)  # the shared layers' untrained weights
        self.decoder_model_.initialize(codes)
        return X, X

    def fit(self, X, sample_weight=None):
        return super().fit(X, X, sample_weight=sample_weight)

    def transform(self, X):
        return self.encoder_model_.predict(self.feature_encoder_.transform(X))

    def inverse_transform(self, codes):
        return self.feature_encoder_.inverse_transform(self.decoder_model_.predict(codes))


def test_a_subclass_initialize_hook_runs_before_fit_which_trains_the_network_it_built():
    X = np.random.default_rng(0).random((80, 6))
    ae = AutoEncoder(
        loss="binary_crossentropy", encoding_dim=2, epochs=30, learning_rate=0.01, random_state=0
    )
    ae.fit(X)
    assert ae.initialized_calls_ == 1 and ae.n_iter_ > 1
    assert ae.encoder_model_.model_ is ae.model_.layers[1]  # the hook's models are the trained model's parts
    codes = ae.transform(X)
    assert codes.shape == (80, 2)
    np.testing.assert_allclose(ae.inverse_transform(codes), ae.predict(X), rtol=1e-5)
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]
    assert ae.fit(X).initialized_calls_ == 2  # every fresh fit builds anew
    # partial_fit does not call the hook: a classifier's first call takes classes=, which it cannot pass.
    incremental = AutoEncoder(loss="binary_crossentropy", encoding_dim=2, random_state=0).partial_fit(X, X)
    assert not hasattr(incremental, "initialized_calls_") and incremental.n_iter_ == 1


def test_feature_encoder_is_the_identity_unless_a_subclass_gives_one():
    X, y = _data(40)
    est = TinyNetRegressor(**FAST)
    assert not hasattr(est, "feature_encoder_")  # not fitted
    est.fit(X, y)
    np.testing.assert_array_equal(est.feature_encoder_.transform(X), X)
    assert "feature_encoder_" not in vars(
        est
    )  # the default is not stored (pickles and files stay as they were)
