"""The one place that picks the engine for a fit, lends it, and keeps the books on the call.

- ``optimizer="lbfgs"``: SciPy's L-BFGS on the whole data (``lbfgs.py``).
- The built-in MLP without callbacks: a compiled loop from the process's pool,
  training the network shared with other widths and activations where that is
  exact and pays (``shared_programs.py``): TensorFlow's graph, XLA and blocked
  loops (``tensorflow_graph.py``), JAX's jit and blocked loops (``jax_loop.py``),
  PyTorch's eager loop (``torch_loop.py``), and ``model.fit`` on other backends
  (``keras_fit.py``).
- Fits with callbacks (which may hook every batch) run ``model.fit``, with a
  plain learning rate that callbacks such as ReduceLROnPlateau may set.
- A model from a build function keeps its own trainer from fit to fit
  (``CustomModel``): the graph loop on TensorFlow, else ``model.fit``.

A new engine is a module of this package and one more branch of :func:`_lend`.
"""

import contextlib
import time
from dataclasses import dataclass

from . import jax_loop, lbfgs, torch_loop
from .compiled_loop import compilation_count
from .keras_fit import KerasFitTrainer, fit_trainer_for
from .padding import padded_shapes
from .shared_programs import program_architecture, record_fit
from .tensorflow_graph import GraphLoopTrainer, graph_trainer_for


@dataclass
class CustomModel:
    """A network from a model build function, and the trainer its last fit used (reused when it fits)."""

    model: object
    compiled: bool  # the build function compiled it: train with its optimizer and loss
    trainer: object = None


def train(
    architecture, objective, X, y, sample_weight, state, options, plan, callbacks=(), rows=None, custom=None
):
    """Train from ``state`` with the engine for this fit; return the ``TrainingRun``.

    ``architecture`` is None for a custom model, given as ``custom``
    (whose ``trainer`` is updated). ``rows``: train on ``X[rows]``. A fit
    that compiled nothing is recorded against its architecture's shared loop
    (``shared_programs.record_fit``).
    """
    if objective.optimizer == "lbfgs":
        return lbfgs.train(architecture, objective, X, y, sample_weight, state, options, plan)
    lent = _lend(architecture, objective, options, bool(callbacks), y.shape[0], custom)
    with lent as (trainer, program):
        compilations, started = compilation_count(), time.perf_counter()
        run = trainer.train(X, y, sample_weight, state, options, plan, callbacks, rows=rows)
        if compilation_count() == compilations:
            record_fit(architecture, objective, program, time.perf_counter() - started)
    return run


@contextlib.contextmanager
def _lend(architecture, objective, options, has_callbacks, n_rows, custom):
    """The engine for this call, lent for the ``with`` block: ``(trainer, the architecture it trains)``."""
    import keras

    tensorflow = keras.backend.backend() == "tensorflow"
    # With callbacks a plain rate stays settable, unless the inverse-time decay needs the schedule.
    schedule = not has_callbacks or options.learning_rate_decay > 0
    if custom is not None:
        yield _custom_model_trainer(custom, objective, tensorflow, has_callbacks, schedule), None
        return
    if has_callbacks:
        model = architecture.build()
        yield KerasFitTrainer(model, objective, schedule=schedule, alpha=options.alpha), architecture
        return
    slots = padded_shapes(n_rows, min(options.batch_size, n_rows))[0] if tensorflow else None
    program = program_architecture(architecture, objective, n_rows, tensorflow_slots=slots)
    if tensorflow:
        lent = graph_trainer_for(program, objective)
    elif jax_loop.serves(architecture, objective):
        lent = jax_loop.jax_trainer_for(program, objective)
    elif torch_loop.serves(architecture, objective):
        # Eager steps cost the same for any network: sharing one by padding would only add work.
        lent, program = torch_loop.torch_trainer_for(architecture, objective), architecture
    else:
        lent, program = fit_trainer_for(architecture, objective, options.alpha), architecture
    with lent as trainer:
        trainer.select(architecture.activation)
        yield trainer, program


def _custom_model_trainer(custom, objective, tensorflow, has_callbacks, schedule):
    """``custom.trainer`` if it is the engine this fit needs, else a new one (kept in ``custom``).

    Fits with callbacks get a fresh ``model.fit`` trainer (its rate is plain or scheduled per fit).
    """
    engine = GraphLoopTrainer if tensorflow and not has_callbacks else KerasFitTrainer
    trainer = custom.trainer
    if has_callbacks or type(trainer) is not engine or trainer.model is not custom.model:
        if engine is GraphLoopTrainer:
            trainer = GraphLoopTrainer(
                custom.model, objective, penalize=False, use_model_optimizer=custom.compiled
            )
        else:
            trainer = KerasFitTrainer(
                custom.model, objective, schedule=schedule, use_model_optimizer=custom.compiled
            )
        custom.trainer = trainer
    return trainer
