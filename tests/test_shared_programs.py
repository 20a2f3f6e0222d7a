"""Hidden widths rounded up so that several architectures share one compiled training loop."""

import collections

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite._names import ACTIVATIONS, keras_release_needed
from sknnlite._training import compiled_loop, engine, padding, records, shared_programs, tensorflow_graph
from sknnlite._training.records import Architecture, Objective
from sknnlite._training.shared_programs import (
    COMPILE_SECONDS,
    ELEMENTWISE_OPTIMIZERS,
    NOT_ELEMENTWISE,
    SHARED_ACTIVATIONS,
    program_architecture,
    record_fit,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _architecture(hidden=(10,), activation="relu", **overrides):
    return Architecture(
        n_features=5,
        hidden_layer_sizes=hidden,
        activation=activation,
        n_outputs=1,
        output_activation="sigmoid",
        **overrides,
    )


ADAM = Objective(loss="binary_crossentropy", optimizer="adam")


@pytest.mark.parametrize(
    ("hidden", "padded"),
    [((10,), (64,)), ((64,), (64,)), ((65, 7), (128, 64)), ((200,), (256,)), ((300, 20), (300, 64))],
)
def test_widths_round_up_to_a_few_sizes(hidden, padded):
    assert program_architecture(_architecture(hidden), ADAM, 10).hidden_layer_sizes == padded


def test_tensorflow_shares_only_steps_it_compiles_quickly():
    # TensorFlow's XLA bridge takes far longer on a large shared step than on the exact one (measured:
    # 47 s against 1 s for (512, 512) in slots of 1024): past the limit the exact network trains.
    limit = shared_programs.TENSORFLOW_MAX_SHARED_STEP_VALUES
    wide = _architecture(hidden=(512, 512))
    assert program_architecture(wide, ADAM, 10, tensorflow_slots=limit // 1024) != wide
    assert program_architecture(wide, ADAM, 10, tensorflow_slots=limit // 1024 + 1) == wide
    assert program_architecture(wide, ADAM, 10) != wide  # JAX: no such cost
    tutorial = _architecture(hidden=(20,))  # padded to 64 units, in minibatches of up to 1024 rows
    assert program_architecture(tutorial, ADAM, 10, tensorflow_slots=1024).hidden_layer_sizes == (64,)


def test_large_tensorflow_steps_train_their_exact_network(monkeypatch):
    import keras

    programs = []
    real = engine.program_architecture
    monkeypatch.setattr(
        engine,
        "program_architecture",
        lambda *args, **kwargs: programs.append(real(*args, **kwargs)) or programs[-1],
    )
    X = np.random.RandomState(0).uniform(size=(300, 5))
    TinyNetRegressor((512, 512), batch_size=256, epochs=1).fit(X, X.sum(axis=1))
    tensorflow = keras.backend.backend() == "tensorflow"
    assert (programs[0].activation == "relu") == tensorflow  # exact on TensorFlow, shared on JAX


def test_mlps_activations_share_one_program_and_others_get_their_own():
    for activation in ("relu", "tanh", "sigmoid", "linear"):
        program = program_architecture(_architecture(activation=activation), ADAM, 100)
        assert program.activation == SHARED_ACTIVATIONS
    assert program_architecture(_architecture(activation="elu"), ADAM, 100).activation == ("elu",)


@pytest.mark.parametrize(
    ("architecture", "objective"),
    [
        (_architecture(activation="softmax"), ADAM),  # not element-wise: padding units would join the sum
        (_architecture(activation="log_softmax"), ADAM),
        (_architecture(hidden=()), ADAM),  # nothing to pad
        (_architecture(activation=np.tanh), ADAM),  # a callable: unknown
        (_architecture(dropout=0.2), ADAM),
        (_architecture(batch_normalization=True), ADAM),
        (_architecture(), Objective(loss="binary_crossentropy", optimizer="adafactor")),  # factored moments
    ],
)
def test_what_padding_could_change_keeps_the_exact_network(architecture, objective):
    assert program_architecture(architecture, objective, 100) == architecture


def test_where_padding_costs_time_a_shared_loop_serves_until_its_cost_reaches_a_compilation(monkeypatch):
    monkeypatch.setattr(shared_programs, "_extra_seconds", collections.OrderedDict())
    architecture, other = _architecture((10,)), _architecture((20,))
    program = program_architecture(architecture, ADAM, 10_000)
    assert program.hidden_layer_sizes == (64,)  # rented: no loop of its own compiled yet
    # A fit taking 0.5 s in the (64,) loop spent (1 - its share of the work) of it on the padding.
    share = shared_programs._work_per_row(architecture) / shared_programs._work_per_row(program)
    record_fit(architecture, ADAM, program, 0.5)
    assert shared_programs._extra_seconds_of(architecture, ADAM) == pytest.approx(0.5 * (1 - share))
    fits = 1
    while fits * 0.5 * (1 - share) < COMPILE_SECONDS:
        assert program_architecture(architecture, ADAM, 10_000) == program
        record_fit(architecture, ADAM, program, 0.5)
        fits += 1
    assert fits > 2
    assert program_architecture(architecture, ADAM, 10_000) == architecture  # bought: its exact loop
    # Other architectures, and small data whose padding is cheap, keep sharing.
    assert program_architecture(other, ADAM, 10_000).hidden_layer_sizes == (64,)
    assert program_architecture(architecture, ADAM, 100) == program
    record_fit(architecture, ADAM, architecture, 5.0)  # a fit of the exact network costs nothing extra
    assert shared_programs._extra_seconds_of(architecture, ADAM) == pytest.approx(fits * 0.5 * (1 - share))


def test_the_ledger_of_shared_loop_costs_is_bounded(monkeypatch):
    monkeypatch.setattr(shared_programs, "_extra_seconds", collections.OrderedDict())
    monkeypatch.setattr(shared_programs, "LEDGER_SIZE", 3)
    for units in range(1, 6):
        architecture = _architecture((units,))
        record_fit(architecture, ADAM, program_architecture(architecture, ADAM, 10), 0.1)
    assert [key[0].hidden_layer_sizes for key in shared_programs._extra_seconds] == [(3,), (4,), (5,)]


def test_a_grid_over_widths_on_larger_data_compiles_one_loop_per_padded_width(monkeypatch):
    if _training_backend() not in ("tensorflow", "jax"):
        pytest.skip("the compiled loops run on TensorFlow and JAX")
    monkeypatch.setattr(shared_programs, "_extra_seconds", collections.OrderedDict())
    monkeypatch.setattr(compiled_loop, "_xla_compilations", [0])
    rng = np.random.RandomState(6)
    X, y = rng.normal(size=(400, 17)), rng.randint(0, 2, 400)  # 17 features: no earlier test compiled these
    assert 3 * 400 * 17 * 54 > shared_programs.MAX_EXTRA_WORK_PER_EPOCH  # padding (10,) costs time here
    search = GridSearchCV(
        TinyNetClassifier(epochs=3, random_state=0),
        {"hidden_layer_sizes": [(10,), (30,), (60,)], "activation": ["relu", "tanh"]},
        cv=3,
    ).fit(X, y)
    assert compiled_loop._xla_compilations[0] == 1  # 18 fits and the refit in the (64,) loop
    assert search.best_estimator_.coefs_[0].shape[1] == search.best_params_["hidden_layer_sizes"][0]


def _fit_both_ways(monkeypatch, make, X, y, continue_with=None):
    """Fitted estimators from the shared padded loop and from the exact network."""
    # Both in compiled loops, whatever the process's compile budget earlier tests spent.
    monkeypatch.setattr(compiled_loop, "_xla_compilations", [0])
    results = []
    for shared in (True, False):
        if not shared:  # every network trains in its own exact shape
            monkeypatch.setattr(engine, "program_architecture", lambda architecture, *_, **__: architecture)
        estimator = make().fit(X, y)
        program = engine.program_architecture(estimator._architecture, estimator._objective, len(y))
        assert (program != estimator._architecture) == shared  # the shared run trained a shared loop
        if continue_with is not None:
            continue_with(estimator)
        results.append(estimator)
    return results


def _assert_same_network(padded, exact, rtol=1e-9, loss_rtol=1e-9):
    for ours, theirs in zip(
        padded.coefs_ + padded.intercepts_, exact.coefs_ + exact.intercepts_, strict=True
    ):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(padded.loss_curve_, exact.loss_curve_, rtol=loss_rtol)


@pytest.mark.parametrize("optimizer", sorted(ELEMENTWISE_OPTIMIZERS))
def test_every_elementwise_optimizer_trains_the_padded_network_as_the_exact_one(monkeypatch, optimizer):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(30, 5)), rng.randint(0, 3, 30)
    padded, exact = _fit_both_ways(
        monkeypatch,
        lambda: TinyNetClassifier((10, 7), optimizer=optimizer, alpha=1e-3, epochs=15, random_state=0),
        X,
        y,
        continue_with=lambda estimator: estimator.partial_fit(X, y),  # the optimizer state goes on
    )
    _assert_same_network(padded, exact)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS - NOT_ELEMENTWISE))
def test_every_padded_activation_trains_as_the_exact_network(monkeypatch, activation):
    if keras_release_needed(activation):
        pytest.skip(f"{activation} needs a newer Keras")
    rng = np.random.RandomState(1)
    X = rng.normal(size=(50, 4))
    y = X @ [1.0, -1.0, 0.5, 0.0]
    padded, exact = _fit_both_ways(
        monkeypatch,
        lambda: TinyNetRegressor((9,), activation=activation, epochs=10, learning_rate=0.01, random_state=0),
        X,
        y,
    )
    _assert_same_network(padded, exact)


def test_early_stopping_and_warm_start_keep_the_exact_networks_result(monkeypatch):
    rng = np.random.RandomState(2)
    X, y = rng.normal(size=(120, 5)), rng.randint(0, 2, 120)

    def make():
        return TinyNetClassifier(
            (12,), early_stopping=True, n_iter_no_change=3, warm_start=True, random_state=0
        )

    padded, exact = _fit_both_ways(
        monkeypatch, make, X, y, continue_with=lambda estimator: estimator.fit(X, y)
    )
    _assert_same_network(padded, exact)
    np.testing.assert_allclose(padded.validation_scores_, exact.validation_scores_)


def test_the_padding_units_stay_exactly_zero(monkeypatch):
    if _training_backend() not in ("tensorflow", "jax"):
        pytest.skip("the compiled loops run on TensorFlow and JAX")
    monkeypatch.setattr(
        compiled_loop, "_xla_compilations", [0]
    )  # the compiled loop, not model.fit past the budget
    architecture = _architecture((10,))
    program = program_architecture(architecture, ADAM, 40)
    lent = (
        tensorflow_graph.graph_trainer_for(program, ADAM)
        if _training_backend() == "tensorflow"
        else _jax_trainer(program, ADAM)
    )
    with lent as trainer:
        _train_padded_and_check(trainer)


def _train_padded_and_check(trainer):
    trainer.select("relu")
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 5)), rng.randint(0, 2, (40, 1)).astype("float32")
    weights = [
        w.astype("float32") for w in (rng.normal(size=(5, 10)), np.zeros(10), rng.normal(size=(10, 1)))
    ]
    weights.append(np.zeros(1, "float32"))
    from sknnlite._stopping import StoppingPlan

    plan = StoppingPlan(
        tol=0.0,
        n_iter_no_change=10,
        schedule="constant",
        learning_rate=0.01,
        power_t=0.5,
        samples_seen=0,
        samples_per_epoch=40,
        validation=None,
        rate=0.01,
    )
    options = records.TrainingOptions(
        epochs=20, batch_size=8, shuffle=True, learning_rate_decay=0.0, alpha=0.01, seed=np.array((1, 2))
    )
    run = trainer.train(
        X.astype("float32"), y, np.ones(40, "float32"), records.TrainingState(weights), options, plan
    )
    assert [w.shape for w in run.state.weights] == [(5, 10), (10,), (10, 1), (1,)]
    kernel_in, bias, kernel_out, _ = [np.asarray(v.numpy()) for v in trainer._state_variables]
    assert kernel_in.shape == (5, 64)
    assert not kernel_in[:, 10:].any() and not bias[10:].any() and not kernel_out[10:].any()
    assert kernel_in[:, :10].any()  # the real units trained
    for variable, reference in zip(trainer.optimizer.variables, trainer._references, strict=True):
        if reference is not None and variable.shape[-1:] == (64,):  # Adam's moments of the padding
            assert not np.asarray(variable.numpy())[..., 10:].any()


def _training_backend():
    import keras

    return keras.backend.backend()


def _jax_trainer(program, objective):
    from sknnlite._training import jax_loop

    return jax_loop.jax_trainer_for(program, objective)


def test_a_grid_over_widths_and_activations_compiles_one_loop(monkeypatch):
    if _training_backend() not in ("tensorflow", "jax"):
        pytest.skip("the compiled loops run on TensorFlow and JAX")
    monkeypatch.setattr(compiled_loop, "_xla_compilations", [0])  # earlier tests may have spent the budget
    rng = np.random.RandomState(3)
    X, y = rng.normal(size=(80, 11)), rng.randint(0, 2, 80)  # 11 features: no earlier test compiled these
    for hidden in [(10,), (20,), (50,)]:
        for activation in ("relu", "tanh", "sigmoid"):
            TinyNetClassifier(hidden, activation=activation, epochs=5, random_state=0).fit(X, y)
    assert compiled_loop._xla_compilations[0] == 1
    with pytest.warns(ConvergenceWarning):
        TinyNetClassifier((100,), epochs=5, random_state=0).fit(X, y)  # another size: its own loop
    assert compiled_loop._xla_compilations[0] == 2


def test_folds_of_a_small_dataset_share_one_loop_whatever_their_batch_size(monkeypatch):
    if _training_backend() not in ("tensorflow", "jax"):
        pytest.skip("the compiled loops run on TensorFlow and JAX")
    monkeypatch.setattr(compiled_loop, "_xla_compilations", [0])
    rng = np.random.RandomState(4)
    X, y = rng.normal(size=(170, 13)), rng.randint(0, 2, 170)  # 13 features: no earlier test compiled these
    # batch_size="auto" is min(200, n): 166 and 167 rows are two batch sizes, rounded up to one loop's 176.
    for n in (166, 167):
        TinyNetClassifier((8,), epochs=5, random_state=0).fit(X[:n], y[:n])
    assert compiled_loop._xla_compilations[0] == 1


def test_the_padded_shapes_hold_every_steps_slots():
    assert padding.padded_shapes(167, 167) == (256, 256)  # a single step fills the capacity
    assert padding.padded_shapes(250, 200) == (208, 1024)  # the second step's 208 slots fit
    for n, batch_size in [(1000, 96), (5000, 200), (70000, 256), (3, 1)]:
        slots, capacity = padding.padded_shapes(n, batch_size)
        assert slots >= batch_size and capacity >= (-(-n // batch_size) - 1) * batch_size + slots


def test_the_folds_and_the_refit_of_a_toy_dataset_share_a_loop():
    # 3- and 5-fold training sets and the refit on every row, batch_size="auto" (min(200, n)).
    # iris, wine, diabetes, breast_cancer, digits. Not the tutorial's 250 rows: its folds are one
    # minibatch of batch_size="auto" (up to 200 rows), its refit two.
    for n_samples in (150, 178, 442, 569, 1797):
        shapes = {
            padding.padded_shapes(n, min(200, n)) for n in (n_samples * 2 // 3, n_samples * 4 // 5, n_samples)
        }
        assert len(shapes) == 1, (n_samples, shapes)


def test_a_step_with_more_slots_than_rows_trains_as_the_exact_batch():
    # Sparse X trains in exact minibatches (the plain loop, or model.fit on JAX) as its dense copy
    # does in the compiled loop, where batches of 17 rows take 18 slots, the last weighing 0.
    from scipy import sparse

    rng = np.random.RandomState(5)
    X = rng.normal(size=(100, 6)) * (rng.uniform(size=(100, 6)) < 0.5)
    y = rng.randint(0, 3, 100)
    assert padding.padded_shapes(100, 17)[0] == 18
    params = dict(hidden_layer_sizes=(9,), activation="sigmoid", batch_size=17, epochs=6, random_state=0)
    dense = TinyNetClassifier(**params).fit(X, y)
    from_sparse = TinyNetClassifier(**params).fit(sparse.csr_matrix(X), y)
    # model.fit (JAX's engine for sparse X) logs the epoch loss through a float32 metric.
    _assert_same_network(dense, from_sparse, loss_rtol=1e-9 if _training_backend() == "tensorflow" else 1e-6)
