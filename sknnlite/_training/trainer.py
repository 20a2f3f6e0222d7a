"""What every engine shares: a Keras model and optimizer, the loss, and the estimator's state in and out.

A trainer is built once per architecture and objective and reused across
fits (``pool.py``): every call loads the estimator's own weights and
optimizer state first and reads them back afterwards, so results never
depend on what ran before, and ``warm_start`` / ``partial_fit`` continue
exactly where they stopped.
"""

import itertools

import numpy as np

from .._optimizers import build_schedule, schedule_from_key
from .keras_objects import (
    attach_schedule,
    inverse_time_decay,
    make_loss,
    make_metrics,
    make_optimizer,
    penalized_kernels,
    single_loss,
)
from .records import TrainingState, _Filled
from .shared_programs import corner, embed


class Trainer:
    """What every engine shares: the model, optimizer, loss and state I/O."""

    def __init__(self, model, objective, schedule=True, use_model_optimizer=False, penalty=None):
        self.model = model
        self.objective = objective
        self.schedule = self.alpha = None
        # A user's Keras schedule sets the rate at every step; nothing here sets it.
        self.user_schedule = objective.learning_rate_schedule is not None and not use_model_optimizer
        if use_model_optimizer:  # a SciKeras-style build function compiled the model
            self.optimizer = model.optimizer
            self.loss = make_loss(single_loss(model.loss), {}, objective.dtype, objective.loss_scale)
            self.owns_optimizer = False
        else:
            # A schedule lets one compiled loop serve every learning rate and decay; a plain
            # rate stays settable by Keras callbacks such as ReduceLROnPlateau.
            schedule = schedule and not self.user_schedule
            self.schedule = inverse_time_decay(objective.dtype) if schedule else None
            learning_rate = self.schedule if schedule else 0.001
            if self.user_schedule:
                learning_rate = build_schedule(schedule_from_key(objective.learning_rate_schedule))
            params = dict(objective.optimizer_params)
            self.optimizer = make_optimizer(objective.optimizer, learning_rate, params)
            if schedule:
                attach_schedule(self.schedule, self.optimizer)
            self.loss = make_loss(
                objective.loss, dict(objective.loss_params), objective.dtype, objective.loss_scale
            )
            self.owns_optimizer = True
            if penalty is not None:
                # "variable": one compiled loop serves every alpha (assigned per fit); a number is
                # fixed for this trainer (model.fit evaluates the loss where, on JAX, only the model's
                # variables are state, so a variable's new value would not reach a compiled step).
                if penalty == "variable":
                    self.alpha = _tf_scalar_variable(objective.dtype)
                    penalty = self.alpha
                self.loss.penalty = (penalty, penalized_kernels(model))
        self.optimizer.build(model.trainable_variables)
        self.fresh_optimizer_state = [_Filled.compact(v.numpy()) for v in self.optimizer.variables]
        # The shapes of the weights being trained, where a padded network (``shared_programs.py``) trains
        # them in the leading corner of its own; and the weight each optimizer variable belongs to.
        self._state_variables, self._selectors = _state_variables_and_selectors(model)
        self._trained_shapes = [tuple(v.shape) for v in self._state_variables]
        self._references = _optimizer_references(self._state_variables, self.optimizer)
        self.activation = None  # the activation a shared loop trains (see select)
        n_outputs = model.outputs[0].shape[-1] if getattr(model, "outputs", None) else 1
        self.metrics = make_metrics(objective.metrics, objective.sparse_targets, n_outputs)
        # Columns of the target matrix: the outputs', unless the loss reads targets in blocks of
        # their own (several outputs joined, ``_structured.SummedLoss``).
        loss = model.loss if use_model_optimizer else objective.loss
        self.target_width = getattr(loss, "target_width", None) or n_outputs

    def select(self, activation):
        """Set the hidden activation that the next calls train (a model shared by several activations)."""
        self.activation = activation

    def load(self, state, options, plan):
        """Load the estimator's state (a fresh optimizer if it has none) and this call's settings."""
        self.load_state(TrainingState(state.weights, state.optimizer_state or self.fresh_optimizer_state))
        self._set_selectors()
        if self.schedule is not None:
            self.schedule.decay.assign(options.learning_rate_decay)
        self.set_learning_rate(plan.rate)
        if self.alpha is not None:
            self.alpha.assign(options.alpha)
        _reseed(self.model, int(options.seed[1]))

    def set_learning_rate(self, value):
        """Set the rate the next step starts from (before the inverse-time decay)."""
        if self.schedule is not None:
            self.schedule.initial.assign(value)
        elif self.owns_optimizer and not self.user_schedule:
            self.optimizer.learning_rate = value

    def load_state(self, state):
        """Put ``state`` (weights and optimizer variables) back into the model and optimizer.

        A padded network takes each array in the leading corner of its variable; its padding holds
        zero weights and a fresh optimizer's values.
        """
        self._trained_shapes = [np.shape(w) for w in state.weights]
        for variable, value in zip(self._state_variables, state.weights, strict=True):
            variable.assign(embed(value, variable.shape, 0))
        parts = (
            self.optimizer.variables,
            state.optimizer_state,
            self.fresh_optimizer_state,
            self._references,
        )
        for variable, value, fresh, reference in zip(*parts, strict=True):
            value = value.array() if isinstance(value, _Filled) else value
            if reference is not None:
                value = embed(value, variable.shape, fresh.value if isinstance(fresh, _Filled) else fresh)
            variable.assign(value)

    def state(self):
        """The weights and optimizer variables in the shapes of the weights being trained."""
        shapes = self._trained_shapes
        optimizer_state = [
            corner(np.array(v.numpy()), shapes[reference]) if reference is not None else np.array(v.numpy())
            for v, reference in zip(self.optimizer.variables, self._references, strict=True)
        ]
        weights = [
            corner(np.asarray(v.numpy()), shape)
            for v, shape in zip(self._state_variables, shapes, strict=True)
        ]
        return TrainingState(weights=weights, optimizer_state=optimizer_state)

    def _set_selectors(self):
        """Point a shared model's hidden layers at the selected activation and mask their padding units."""
        for layer, kernel_position in self._selectors:
            layer.choice.assign(layer.activations.index(self.activation))
            units = self._trained_shapes[kernel_position][-1]
            layer.mask.assign((np.arange(layer.mask.shape[0]) < units).astype(layer.mask.dtype))

    def steps(self):
        return int(self.optimizer.iterations.numpy())


class EpochProgress:
    """Progress over epochs: Keras' bar (verbose=1) or one line per epoch (verbose=2)."""

    def __init__(self, epochs, initial_epoch, verbose):
        import keras

        self.epochs, self.initial_epoch = epochs, initial_epoch
        self.bar = keras.utils.Progbar(epochs, verbose=1) if verbose == 1 else None

    def report(self, epoch, logs):
        done = epoch + 1 - self.initial_epoch
        values = list(logs.items())
        if self.bar is not None:
            self.bar.update(done, values=values, finalize=done == self.epochs)
        else:  # scikit-learn's MLP line, with any metrics after the loss
            text = ", ".join(f"{name} = {value:.8f}" for name, value in values)
            print(f"Iteration {done}, {text}", flush=True)


def _state_variables_and_selectors(model):
    """The model's weights that training state holds, and its activation-selecting layers.

    The weights are ``model.weights`` but the selectors' variables, in
    ``get_weights`` order; each selector comes with the position among them
    of the kernel of the Dense layer before it, whose units it masks.
    """
    from .._network import selected_activation_class

    selector_type = selected_activation_class()
    selectors, skipped = [], set()
    for before, layer in itertools.pairwise(model.layers):
        if isinstance(layer, selector_type):
            selectors.append((layer, before.kernel))
            skipped.update((id(layer.choice), id(layer.mask)))
    variables = [v for v in model.weights if id(v) not in skipped]
    positions = {id(v): i for i, v in enumerate(variables)}
    return variables, [(layer, positions[id(kernel)]) for layer, kernel in selectors]


def _optimizer_references(variables, optimizer):
    """For each optimizer variable, the position in ``variables`` of the weight it is a slot of, or None.

    Keras names a slot variable after its weight's path (``add_variable_from_reference``).
    """
    prefixes = [(v.path.replace("/", "_") + "_", i) for i, v in enumerate(variables)]
    references = []
    for variable in optimizer.variables:
        matches = [(len(prefix), i) for prefix, i in prefixes if variable.name.startswith(prefix)]
        references.append(max(matches)[1] if matches else None)
    return references


def _seed_states(model):
    """The state variables of the model's random layers (Dropout)."""
    return [v for v in model.variables if v.path.endswith("seed_generator_state")]


def _reseed(model, seed):
    for i, state in enumerate(_seed_states(model)):
        state.assign(np.array([seed + i, 0], dtype=state.dtype))


def _tf_scalar_variable(dtype):
    """A scalar TensorFlow variable the compiled loop reads at every call."""
    import tensorflow as tf

    return tf.Variable(0.0, dtype=dtype, trainable=False)
