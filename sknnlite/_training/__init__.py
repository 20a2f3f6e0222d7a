"""Training a Keras network on (X, y, sample_weight): the engines, and the one place that picks one.

Rooms, and the direction of imports (each imports only those below it)::

    engine            picks the engine for a fit, lends it, records the call
    ├── lbfgs             optimizer="lbfgs": SciPy's L-BFGS on the whole data
    ├── jax_loop          JAX: many epochs per jax.jit call
    │   ├── jax_blocked         a block of rows per call, for X too large to copy
    │   └── jax_steps           the minibatch step as a pure function
    ├── tensorflow_graph  TensorFlow: the graph loop (dense, CSR, any model)
    │   ├── tensorflow_xla      the XLA loop on padded dense data
    │   ├── tensorflow_blocked  a block of rows per call, for X too large to copy
    │   └── tensorflow_steps    the minibatch step and stopping rule in the graph
    ├── torch_loop        PyTorch: eager steps on the Keras variables, a block of rows at a time
    ├── keras_fit         model.fit: any backend, every callback
    ├── compiled_loop     the driver: epochs in timed calls, callbacks between them
    ├── trainer           model, optimizer, loss; the estimator's state in and out
    ├── pool              trainers kept for reuse, lent to one fit at a time
    ├── shared_programs   one compiled loop for several widths and activations
    └── padding, row_order, keras_objects, records, compile_cache, interrupts

Nothing here imports the estimators. ``records`` holds the frozen
``Architecture`` / ``Objective`` / ``TrainingOptions`` / ``TrainingState``;
they are importable from this package too, where pickles of earlier
versions find them.
"""

from .records import Architecture, Objective, TrainingOptions, TrainingRun, TrainingState, _Filled

__all__ = ["Architecture", "Objective", "TrainingOptions", "TrainingRun", "TrainingState", "_Filled"]
