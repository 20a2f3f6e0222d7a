"""Docstring sections both estimators share, filled into their class docstrings."""

import re
import textwrap

NETWORK_PARAMETERS = """\
hidden_layer_sizes : tuple of int, default=(100,)
        Units per hidden layer; ``()`` gives a linear model (no hidden layer).
    activation : str or callable, default="relu"
        Hidden activation: any Keras activation name (``"tanh"``,
        ``"softsign"``, ``"sigmoid"``, ``"hard_sigmoid"``, ``"relu"``,
        ``"softplus"``, ``"linear"``, ``"elu"``, ``"selu"``, ``"gelu"``,
        ``"swish"``, ...) or a callable on tensors."""

TRAINING_PARAMETERS = """\
dropout : float, default=0.0
        Fraction of each hidden layer's units dropped at every training step
        (a Keras ``Dropout`` layer after each hidden layer); 0 adds none.
    batch_normalization : bool, default=False
        Add a Keras ``BatchNormalization`` layer between each hidden ``Dense``
        layer and its activation.
    optimizer : str, Keras optimizer class or instance, default="adam"
        A Keras optimizer name: ``"sgd"``, ``"rmsprop"``, ``"adagrad"``,
        ``"adadelta"``, ``"adam"``, ``"adamax"``, ``"nadam"``, ``"adamw"``,
        ``"ftrl"``, ``"lion"``, ``"adafactor"``; a Keras optimizer class
        (``keras.optimizers.SGD``, SciKeras' convention); or an instance
        (``keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)``), whose
        class and configuration are used: every fit builds its own optimizer,
        so the instance itself is never trained. Other arguments of a name or
        class are routed parameters: ``optimizer__momentum=0.9``,
        ``optimizer__nesterov=True``, ``optimizer__beta_1=0.8``,
        ``optimizer__clipnorm=1.0``, ... A setting given in two places (an
        instance's learning rate and ``learning_rate``, an instance's
        ``momentum`` and ``optimizer__momentum``) must agree, or fit fails
        naming both; an instance's settings left at its class's defaults
        count as not given. Or ``"lbfgs"``, scikit-learn MLP's
        full-batch quasi-Newton solver (SciPy's L-BFGS-B on the whole-data
        loss; ``epochs`` caps its iterations, ``max_fun`` its loss
        evaluations, ``tol`` is its gradient tolerance; no ``partial_fit``,
        callbacks, dropout or build functions).
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule, default=0.001
        Initial learning rate (an optimizer instance brings its own), or a
        Keras schedule that sets the rate at every step (``ExponentialDecay``,
        ``CosineDecay``, ``PiecewiseConstantDecay``, ...; an instance or its
        config), which cannot be combined with ``learning_rate_decay`` or a
        non-constant ``learning_rate_schedule``.
    learning_rate_decay : float, default=0.0
        Inverse-time decay per optimizer step, Keras' legacy ``decay``
        argument: ``lr_t = learning_rate / (1 + learning_rate_decay * t)``.
    learning_rate_schedule : {"constant", "invscaling", "adaptive"}, default="constant"
        How the learning rate moves between epochs, as scikit-learn's MLP
        ``learning_rate`` parameter (for any optimizer here, not only SGD):
        ``"invscaling"`` sets it to ``learning_rate / (t + 1) ** power_t``
        after every epoch, ``t`` the training samples seen; ``"adaptive"``
        keeps it until the stopping rule (see ``tol``) fires, then divides it
        by 5, and stops once it is at most 1e-6.
    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.
    alpha : float, default=0.0
        Strength of the L2 penalty on the Dense kernels of the built-in MLP,
        with scikit-learn's MLP meaning: every minibatch loss gets
        ``alpha / 2 * sum(kernel ** 2) / sum(batch sample weights)`` (the
        batch size when unweighted).
    batch_size : int or "auto", default=32
        Minibatch size, capped at the number of samples; ``"auto"`` is
        ``min(200, n_samples)``, scikit-learn's MLP default.
    epochs : int, default=200
        Passes over the training data (``max_iter`` in scikit-learn's MLP);
        with ``optimizer="lbfgs"``, the most iterations.
    max_fun : int, default=15000
        With ``optimizer="lbfgs"``, the most loss evaluations, as in
        scikit-learn's MLP; unused otherwise.
    shuffle : bool, default=True
        Whether to shuffle the samples every epoch.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        the classifier), score it after every epoch with the estimator's
        ``score``, apply the stopping rule (see ``tol``) to that score instead
        of the training loss, and keep the weights of the best epoch, as
        scikit-learn's MLP does.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    validation_split : float, default=0.0
        Keras' (and SciKeras') ``validation_split``: hold out the last
        ``validation_split`` of the rows (before any shuffling), train on the
        rest, and log ``val_loss`` and ``val_<metric>`` on them after every
        epoch (in ``history_`` and in the logs callbacks receive, so
        ``keras.callbacks.EarlyStopping(monitor="val_loss")`` works). It does
        not change the stopping rule; it cannot be combined with
        ``early_stopping``, which holds out ``validation_fraction``.
    n_iter_no_change : int or np.inf, default=10
        Epochs in a row without an improvement of ``tol`` that stop training
        (``np.inf``: never).
    tol : float, default=1e-4
        scikit-learn's MLP stopping rule: training stops when the training
        loss has not fallen by ``tol`` (with ``early_stopping``, the
        validation score has not risen by ``tol``) for more than
        ``n_iter_no_change`` epochs in a row. If ``epochs`` run out first, a
        ``ConvergenceWarning`` says so. ``tol=0`` turns the training-loss rule
        off: every epoch runs.
    warm_start : bool, default=False
        If True, ``fit`` continues from the fitted weights and optimizer
        state (moments, step count) instead of starting afresh.
    metrics : list, str, keras.metrics.Metric or None, default=None
        Keras metrics (names such as ``"accuracy"`` or ``"mae"``, or metric
        objects; one alone or a list) computed during training and recorded
        in ``history_``.
    callbacks : list, dict, keras.callbacks.Callback or None, default=None
        Keras callbacks: one alone, a list, or a dict of named ones, as in
        SciKeras. Each is an instance (every ``fit`` works on deep copies, so
        clones never share them) or a callback class, built at every ``fit``
        from routed arguments: ``callbacks__monitor="loss"`` for a single
        class, ``callbacks__0__monitor`` or ``callbacks__<key>__monitor`` for
        a list's or dict's entry (integer names are positional arguments).
        Fits with callbacks train through ``model.fit``.
    model : callable, keras.Model or None, default=None
        A build function returning a ``keras.Model`` to train instead of the
        built-in MLP (a ``keras.Model`` given directly is copied at every fit
        with its weights and compiled optimizer, so a pre-trained model is
        fine-tuned, as in SciKeras). Its arguments are filled by name from the routed
        ``model__*`` parameters, then from ``n_features_in``, ``n_outputs``,
        ``meta`` (SciKeras' dict: ``n_features_in_``, ``n_outputs_expected_``,
        ``classes_``, ``n_classes_``, ``target_type_``, ...) and
        ``compile_kwargs``, then from this estimator's parameters of the same
        name, so a SciKeras ``model=`` function works unchanged. A model it
        compiles keeps its own optimizer and loss. As in SciKeras, a subclass
        may define the build function as a ``_keras_build_fn`` method instead.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling, dropout and the early
        stopping split. An int makes ``fit`` reproducible: same weights and
        predictions, in one process or several. Seeding is local to the fit;
        no global state is changed.
    verbose : int, default=0
        0 is silent, 1 shows a progress bar over epochs, 2 prints one line
        per epoch.
    **routed_params : dict
        ``optimizer__<name>``, ``loss__<name>`` (e.g. ``loss__delta=0.5`` for
        ``"huber"``), ``model__<name>`` and ``callbacks__<...>`` arguments,
        and SciKeras' ``fit__<name>`` (``epochs``, ``batch_size``,
        ``verbose``, ``shuffle``, ``validation_split``: the same as the
        parameter; ``callbacks``: added to ``callbacks``) and
        ``predict__batch_size`` (rows per prediction chunk); reported by
        ``get_params`` and tunable in ``GridSearchCV``. Unknown names fail at
        ``fit`` with the list of valid ones."""

TRAINING_ATTRIBUTES = """\
model_ : keras.Model
        The trained network (for the built-in MLP, built from the fitted
        weights on first access).
    coefs_ : list of ndarray
        Kernel of each Dense layer of the built-in MLP, ``coefs_[i]`` of
        shape (fan_in, units).
    intercepts_ : list of ndarray
        Bias of each Dense layer of the built-in MLP.
    history_ : dict
        Per-epoch values: ``"loss"``, each of ``metrics``, and with a
        held-out set (``validation_split`` or ``early_stopping``)
        ``"val_loss"`` and ``"val_<metric>"``.
    loss_ : float
        Training loss of the last epoch, as in scikit-learn's MLP.
    loss_curve_ : list of float
        Training loss after every epoch, as in scikit-learn's MLP.
    validation_scores_ : list of float or None
        Score on the held-out data after every epoch, with early stopping.
    best_validation_score_ : float or None
        The best of ``validation_scores_``; its weights are the ones kept.
    best_loss_ : float or None
        Lowest training loss; None with early stopping.
    n_iter_ : int
        Number of epochs the last ``fit`` ran (1 after ``partial_fit``), as
        in scikit-learn's MLP; ``loss_curve_`` and ``t_`` cover all calls.
    t_ : int
        Number of training samples seen (over all epochs and calls), as in
        scikit-learn's MLP.
    final_learning_rate_ : float
        The learning rate at the end of training (after the schedule and
        ``learning_rate_decay``).
    diagnostics_ : dict
        What the convergence diagnostics measured (``final_learning_rate``,
        ``learning_rate_fraction``, ``loss_range``, ``converged``: whether
        the stopping rule ended training) and ``messages``, the causes found
        (each also issued as a ``ConvergenceWarning``); empty when training
        converged.
    n_layers_ : int
        Number of layers: input, hidden and output, as in scikit-learn's
        MLP (for a custom model, its layers plus the input).
    out_activation_ : str or callable
        The output activation of the built-in MLP.
    target_type_, n_classes_, n_outputs_expected_, X_dtype_, X_shape_, y_dtype_, y_ndim_
        SciKeras' ``meta`` values, also set as attributes when a build
        function (``model=`` or a subclass's ``_keras_build_fn`` method)
        builds the network, so SciKeras-style code reading them works.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit; only when ``X`` has string
        column names (a pandas DataFrame)."""


def fill_docstring(cls):
    """Fill the shared sections into ``cls.__doc__`` (``{network}``, ``{training}``, ``{attributes}``)."""
    sections = {
        "network": NETWORK_PARAMETERS,
        "training": TRAINING_PARAMETERS,
        "attributes": TRAINING_ATTRIBUTES,
    }
    for name, text in sections.items():
        cls.__doc__ = cls.__doc__.replace("{" + name + "}", text)
    return cls


def with_examples(member, examples):
    """``member``'s docstring with its Examples section replaced by ``examples``.

    The estimators share these members through ``BaseTinyNet``, whose
    examples use a regressor; the classifier restates them with its own, so
    each API page shows its own class.
    """
    doc = member.__doc__
    head, indent = re.match(r"(.*\n)([ \t]*)Examples\n[ \t]*-+\n", doc, re.DOTALL).groups()
    body = textwrap.indent(textwrap.dedent(examples).strip("\n"), indent)
    return f"{head}{indent}Examples\n{indent}--------\n{body}\n{indent}"
