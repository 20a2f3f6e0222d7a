"""TensorFlow's engine for the built-in MLP and custom models: compiled loops of many epochs per call.

``GraphLoopTrainer.train`` picks the loop for the data: the XLA loop for
dense data within ``padding._XLA_MAX_VALUES`` values (``tensorflow_xla.py``),
the blocked loop above that (``tensorflow_blocked.py``), and otherwise the
plain graph loop compiled here, for dense X of any shape, CSR X taken a
minibatch at a time, and networks the XLA loop does not serve.
"""

import collections

from scipy import sparse

from .compiled_loop import CompiledLoopTrainer, training_loss_rule
from .padding import padded_arrays, padded_shapes, past_xla_size
from .pool import lend_trainer
from .row_order import epoch_keys
from .tensorflow_blocked import blocked_epochs
from .tensorflow_steps import (
    install_retracing_filter,
    minibatch_step,
    scalar_argument_specs,
)
from .tensorflow_xla import compile_xla_loop


class GraphLoopTrainer(CompiledLoopTrainer):
    """A compiled loop that runs many epochs per graph call (TensorFlow only).

    ``penalize`` adds the built-in MLP's ``alpha`` L2 penalty on the Dense
    kernels; a custom model's own regularizers count through ``model.losses``.
    """

    def __init__(self, model, objective, penalize=True, use_model_optimizer=False, xla=False):
        penalty = "variable" if penalize else None
        super().__init__(model, objective, use_model_optimizer=use_model_optimizer, penalty=penalty)
        install_retracing_filter()
        self.run_epochs = self._compile(sparse_input=False)
        self._run_epochs_sparse = None  # compiled on the first sparse X
        self.run_block = None  # compiled on the first X trained in blocks (tensorflow_blocked.py)
        self.xla = xla
        self._xla_loops = collections.OrderedDict()  # (batch size, capacity) -> compiled loop

    def _xla_loop(self, slots, capacity):
        """The XLA loop for ``capacity`` rows, ``slots`` per step (``tensorflow_xla.py``), compiled once."""
        return self._cached_loop(
            self._xla_loops, (slots, capacity), lambda: compile_xla_loop(self, slots, capacity)
        )

    def _compile(self, sparse_input):
        """The compiled multi-epoch loop, for dense X or for CSR X (given as its three arrays).

        CSR rows are taken one minibatch at a time inside the graph, so a
        sparse matrix is never densified whole.
        """
        import keras
        import tensorflow as tf

        dtype = tf.as_dtype(self.objective.dtype)
        model = self.model
        train_minibatch = minibatch_step(self)
        input_shape = tuple(model.inputs[0].shape[1:])  # (n_features,), or (height, width, channels), ...
        n_features = input_shape[-1]
        n_outputs = self.target_width
        y_shape = [None] if self.objective.sparse_targets else [None, n_outputs]
        if sparse_input:
            X_spec = (
                tf.TensorSpec([None], tf.int64),
                tf.TensorSpec([None], tf.int64),
                tf.TensorSpec([None], dtype),
            )
            # A first Dense layer multiplies a tf.SparseTensor directly (work in proportion to the
            # non-zeros, as MLP's sparse product); any other first layer gets the dense rows.
            multiplies_sparse = isinstance(model.layers[0], keras.layers.Dense)

            def n_rows(X):
                return tf.shape(X[0], out_type=tf.int32)[0] - 1

            def take_rows(X, rows):
                indptr, indices, values = X
                rows = tf.cast(rows, tf.int64)
                positions = tf.ragged.range(tf.gather(indptr, rows), tf.gather(indptr, rows + 1))
                where = tf.stack(
                    [positions.value_rowids(), tf.gather(indices, positions.flat_values)], axis=1
                )
                shape = tf.stack([tf.size(rows, out_type=tf.int64), tf.constant(n_features, tf.int64)])
                batch_values = tf.gather(values, positions.flat_values)
                if multiplies_sparse:  # canonical order: rows in turn, sorted columns within each
                    return tf.SparseTensor(where, batch_values, shape)
                return tf.scatter_nd(where, batch_values, shape)

        else:
            X_spec = tf.TensorSpec([None, *input_shape], dtype)

            def n_rows(X):
                return tf.shape(X)[0]

            take_rows = tf.gather

        @tf.function(
            input_signature=[
                X_spec,
                tf.TensorSpec(y_shape, dtype),
                tf.TensorSpec([None], dtype),
                *scalar_argument_specs(dtype),
            ]
        )
        def run_epochs(X, y, w, start, stop, batch_size, seed, shuffle, tol, patience, best, count):
            # tol > 0 applies MLP's training-loss rule (see _stopping.py and training_loss_rule).
            n = n_rows(X)
            steps = (n + batch_size - 1) // batch_size
            total_weight = tf.reduce_sum(w)
            losses = tf.TensorArray(dtype, size=stop - start)
            epoch = start
            epoch_loss = tf.constant(0.0, dtype)
            while epoch < stop and tf.math.is_finite(epoch_loss) and tf.cast(count, dtype) <= patience:
                order = tf.range(n)
                if shuffle:
                    order = tf.argsort(epoch_keys(n, seed, epoch), stable=True)
                total = tf.constant(0.0, dtype)
                for step in tf.range(steps):
                    batch = order[step * batch_size : (step + 1) * batch_size]
                    total += train_minibatch(take_rows(X, batch), tf.gather(y, batch), tf.gather(w, batch))
                epoch_loss = tf.math.divide_no_nan(total, total_weight)
                losses = losses.write(epoch - start, epoch_loss)
                best, count = training_loss_rule(tf, epoch_loss, tol, best, count)
                epoch += 1
            return losses.stack()[: epoch - start], best, count

        return run_epochs

    def train(self, X, y, sample_weight, state, options, plan, callbacks=(), rows=None):
        """Train from ``state`` until ``plan`` stops it; return the new state and the per-epoch history.

        ``rows``: train on ``X[rows]`` (early stopping's training part), taken
        a minibatch or block at a time where X is large.
        """
        import tensorflow as tf

        o, dtype = options, self.objective.dtype
        self.load(state, o, plan)
        batch_size = min(o.batch_size, y.shape[0])
        if not sparse.issparse(X) and past_xla_size(X, y.shape[0]):
            data = (X, rows, y, sample_weight)
            batching = (batch_size, o.seed, bool(o.shuffle))
            return self._train_loop(blocked_epochs(self), data, batching, o, plan, callbacks)
        if rows is not None:
            X = X[rows]
        shapes = padded_shapes(y.shape[0], batch_size)
        if self.xla and self._padded_loop_serves(X, y.shape[0], shapes, self._xla_loops):
            run_epochs = self._xla_loop(*shapes)
            padded = padded_arrays(X, y, sample_weight, shapes[1])
            data = (
                *(tf.convert_to_tensor(part, dtype) for part in padded),
                tf.constant(y.shape[0]),
                tf.constant(batch_size),
            )
            batching = (tf.constant(o.seed, tf.int32), tf.constant(bool(o.shuffle)))
            return self._train_loop(run_epochs, data, batching, o, plan, callbacks)
        if sparse.issparse(X):
            if self._run_epochs_sparse is None:
                self._run_epochs_sparse = self._compile(sparse_input=True)
            run_epochs = self._run_epochs_sparse
            X = tuple(
                tf.convert_to_tensor(part, kind)
                for part, kind in zip((X.indptr, X.indices, X.data), (tf.int64, tf.int64, dtype), strict=True)
            )
        else:
            run_epochs = self.run_epochs
            X = tf.convert_to_tensor(X, dtype)
        data = (X, tf.convert_to_tensor(y, dtype), tf.convert_to_tensor(sample_weight, dtype))
        batching = (tf.constant(batch_size), tf.constant(o.seed, tf.int32), tf.constant(bool(o.shuffle)))
        return self._train_loop(run_epochs, data, batching, o, plan, callbacks)

    def traced_loops(self):
        """How many times each compiled loop of this trainer was traced (tests: one trace serves all fits)."""
        loops = [self.run_epochs, *(run.compiled for run in self._xla_loops.values())]
        return [loop.experimental_get_tracing_count() for loop in loops]


def graph_trainer_for(architecture, objective):
    """A compiled trainer for the built-in MLP (TensorFlow backend), lent by the pool (``with ... as``).

    Without batch normalization or dropout the loop is XLA-compiled (rows
    padded with weight 0 cannot change any other row's gradient). Batch
    statistics would see the padding, and dropout would draw its masks for
    the padding rows too, changing the draws of the real rows from the
    plain loop's; both keep the plain graph loop.
    """

    def make():
        xla = not architecture.batch_normalization and not architecture.dropout
        return GraphLoopTrainer(architecture.build(initializer="zeros"), objective, xla=xla)

    return lend_trainer((architecture, objective), make)
