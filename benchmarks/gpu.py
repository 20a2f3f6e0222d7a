"""Devices and backends: issue 27's three workloads, sknnlite against scikit-learn's MLP and Keras' model.fit.

Run it on the machine and backend to measure, e.g. ``KERAS_BACKEND=jax python benchmarks/gpu.py``
on a GPU machine (``--scale 0.05`` for a quick look on a CPU). It prints the devices, then for each
workload the first fit (a new estimator or model in this process), the median warm fit, the held-out
score and the prediction time on all the rows, with ratios measured side by side in one run. Nothing is
written: copy the tables, with the machine line, into RESULTS.md.

- G1: 50,000 x 20 ``make_classification``, ``(64, 64)``, 20 epochs, batch 32.
- G2: 150,000 x 100, 10 classes, ``(512, 512)``, 5 epochs, batch 256.
- G3: 1,000,000 x 100 regression, ``(512, 512)``, 3 epochs, batch 1024 (past 2**24 values: the blocked loops).

Data is float32; every contender runs Adam at 0.001 for all its epochs (``tol=0``).
MLP compiles nothing, so it is fitted once (its first fit is its warm fit): on 16 cores its three
workloads alone take about 100 s a fit, most of a device session (``device_session.sh`` runs this).
"""

import argparse
import platform
import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification, make_regression
from sklearn.neural_network import MLPClassifier, MLPRegressor

WORKLOADS = {
    "G1": dict(rows=50_000, features=20, classes=2, hidden=(64, 64), epochs=20, batch_size=32),
    "G2": dict(rows=150_000, features=100, classes=10, hidden=(512, 512), epochs=5, batch_size=256),
    "G3": dict(rows=1_000_000, features=100, classes=0, hidden=(512, 512), epochs=3, batch_size=1024),
}
PREDICT_BATCH_SIZES = (1024, 8192, 65536)


def data(spec, scale):
    rows = max(1000, int(spec["rows"] * scale))
    if spec["classes"]:
        X, y = make_classification(
            rows, spec["features"], n_informative=10, n_classes=spec["classes"], random_state=0
        )
    else:
        X, y = make_regression(rows, spec["features"], n_informative=10, noise=1.0, random_state=0)
        y = y / np.std(y)
    split = int(0.8 * rows)
    X = X.astype(np.float32)
    y = y.astype(np.int64 if spec["classes"] else np.float32)
    return X[:split], y[:split], X[split:], y[split:]


def estimator_contender(classifier, regressor, settings):
    """A scikit-learn-style contender: ``settings(spec)`` maps a workload to the estimator's arguments."""

    def contender(spec):
        Estimator = classifier if spec["classes"] else regressor

        def fit(X, y):
            return Estimator(hidden_layer_sizes=spec["hidden"], random_state=0, **settings(spec)).fit(X, y)

        return fit, lambda model, X: model.predict(X), lambda model, X, y: model.score(X, y)

    return contender


def sknnlite_contender(spec):
    from sknnlite import TinyNetClassifier, TinyNetRegressor

    def settings(spec):
        return dict(epochs=spec["epochs"], batch_size=spec["batch_size"], tol=0.0, learning_rate=0.001)

    return estimator_contender(TinyNetClassifier, TinyNetRegressor, settings)(spec)


def mlp_settings(spec):
    return dict(max_iter=spec["epochs"], batch_size=spec["batch_size"], tol=0.0, learning_rate_init=0.001)


def keras_contender(spec):
    import keras

    def fit(X, y):
        keras.utils.set_random_seed(0)
        layers = [keras.Input((X.shape[1],))]
        layers += [keras.layers.Dense(units, activation="relu") for units in spec["hidden"]]
        if spec["classes"]:
            layers.append(keras.layers.Dense(spec["classes"], activation="softmax"))
            loss = "sparse_categorical_crossentropy"
        else:
            layers.append(keras.layers.Dense(1))
            loss = "mse"
        model = keras.Sequential(layers)
        model.compile(optimizer=keras.optimizers.Adam(0.001), loss=loss)
        model.fit(X, y, epochs=spec["epochs"], batch_size=spec["batch_size"], verbose=0)
        return model

    def predict(model, X):
        # Keras at its best batch size for this machine (the fastest of a few).
        best = None
        for batch_size in PREDICT_BATCH_SIZES:
            started = time.perf_counter()
            outputs = model.predict(X, batch_size=batch_size, verbose=0)
            elapsed = time.perf_counter() - started
            best = elapsed if best is None else min(best, elapsed)
        predict.best_seconds = best
        return outputs

    def score(model, X, y):
        outputs = model.predict(X, batch_size=8192, verbose=0)
        if spec["classes"]:
            return float(np.mean(outputs.argmax(axis=1) == y))
        return 1 - float(np.sum((outputs[:, 0] - y) ** 2) / np.sum((y - y.mean()) ** 2))

    return fit, predict, score


CONTENDERS = {
    "sknnlite": sknnlite_contender,
    "MLP": estimator_contender(MLPClassifier, MLPRegressor, mlp_settings),
    "Keras model.fit": keras_contender,
}
# Contenders with no compilation or first-call cost: one fit tells their time.
FITTED_ONCE = {"MLP"}


def measure(name, spec, X, y, X_test, y_test, runs):
    fit, predict, score = CONTENDERS[name](spec)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        model = fit(X, y)
        seconds.append(time.perf_counter() - started)
    started = time.perf_counter()
    predict(model, X)
    predict_seconds = getattr(predict, "best_seconds", time.perf_counter() - started)
    warm = statistics.median(seconds[1:]) if runs > 1 else seconds[0]
    return seconds[0], warm, score(model, X_test, y_test), predict_seconds


def devices():
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        found = [str(device) for device in jax.devices()]
    elif backend == "tensorflow":
        import tensorflow as tf

        found = [device.name for device in tf.config.list_physical_devices()]
    elif backend == "torch":
        import torch

        found = ["cpu"] + ([torch.cuda.get_device_name(0)] if torch.cuda.is_available() else [])
    else:
        found = []
    return backend, found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of each workload's rows")
    parser.add_argument("--runs", type=int, default=3, help="fits per contender (the first is the cold one)")
    parser.add_argument("--workloads", default="G1,G2,G3")
    parser.add_argument("--only", nargs="*", default=None, help="contender names to keep (substring match)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    backend, found = devices()
    machine = f"{platform.machine()}, {platform.processor() or platform.system()}"
    print(f"Machine: {machine}; Keras backend {backend}; devices: {', '.join(found)}")
    print(f"Rows x {args.scale:g}; {args.runs} fits per contender (MLP: 1).\n")
    names = [n for n in CONTENDERS if args.only is None or any(o.lower() in n.lower() for o in args.only)]
    for key in args.workloads.split(","):
        spec = WORKLOADS[key]
        X, y, X_test, y_test = data(spec, args.scale)
        shape = f"{X.shape[0]} x {X.shape[1]}, {spec['hidden']}"
        print(f"### {key}: {shape}, {spec['epochs']} epochs, batch {spec['batch_size']}\n")
        print(
            "| contender | first fit | warm fit | sknnlite warm ÷ this | held-out score "
            "| predict (all rows) | sknnlite ÷ this |"
        )
        print("|---|---|---|---|---|---|---|")
        results = {
            name: measure(name, spec, X, y, X_test, y_test, 1 if name in FITTED_ONCE else args.runs)
            for name in names
        }
        ours = results.get("sknnlite")
        for name, (first, warm, score, predict_seconds) in results.items():
            fit_ratio = f"{ours[1] / warm:.3g}" if ours else ""
            predict_ratio = f"{ours[3] / predict_seconds:.3g}" if ours else ""
            print(
                f"| {name} | {first:.2f} s | {warm:.2f} s | {fit_ratio} | {score:.4f} | "
                f"{predict_seconds:.3f} s | {predict_ratio} |"
            )
        print()


if __name__ == "__main__":
    main()
