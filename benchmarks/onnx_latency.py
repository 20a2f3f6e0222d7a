"""Prediction latency: sknnlite's NumPy predict_proba against the same pipeline exported to onnxruntime.

python benchmarks/onnx_latency.py  (needs pip install ".[onnx]")

Fits StandardScaler + TinyNetClassifier on breast_cancer (float32) for a (64, 64) and a (512, 512)
network, exports each with skl2onnx and prints the median time per call for 1 row (median of 500 calls)
and 1,000,000 rows (median of 5), with the ratio onnxruntime / sknnlite measured side by side.
"""

import time
import warnings

import numpy as np
import onnxruntime
from skl2onnx import to_onnx
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnlite import TinyNetClassifier
from sknnlite.onnx import register_converters


def median_seconds(predict, rows, repeats):
    predict(rows)  # warm: first-call allocations are not the steady state
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        predict(rows)
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def main():
    register_converters()
    X, y = load_breast_cancer(return_X_y=True)
    X = X.astype(np.float32)
    many = np.tile(X, (1_000_000 // len(X) + 1, 1))[:1_000_000]
    print("| network | rows | sknnlite (NumPy) | onnxruntime | onnxruntime / sknnlite |")
    print("|---|---|---|---|---|")
    for hidden in [(64, 64), (512, 512)]:
        pipe = make_pipeline(StandardScaler(), TinyNetClassifier(hidden, epochs=20, random_state=0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipe.fit(X, y)
        onx = to_onnx(pipe, X[:1], options={"zipmap": False})
        session = onnxruntime.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
        labels, proba = session.run(None, {"X": X})
        assert (labels == pipe.predict(X)).all() and np.abs(proba - pipe.predict_proba(X)).max() < 1e-5
        for rows, repeats in [(X[:1], 500), (many, 5)]:
            ours = median_seconds(pipe.predict_proba, rows, repeats)
            theirs = median_seconds(lambda r, s=session: s.run(None, {"X": r}), rows, repeats)
            cells = [str(hidden), f"{len(rows):,}", f"{ours * 1e3:.3f} ms", f"{theirs * 1e3:.3f} ms"]
            print("| " + " | ".join(cells) + f" | {theirs / ours:.2f} |")


if __name__ == "__main__":
    main()
