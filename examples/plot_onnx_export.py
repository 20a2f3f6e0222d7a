"""
Exporting a pipeline to ONNX and serving it from onnxruntime
=============================================================

A fitted pipeline (a scaler and a :class:`~sknnlite.TinyNetClassifier`) goes
to ONNX through skl2onnx once :func:`sknnlite.onnx.register_converters` has
registered sknnlite's converters. onnxruntime then predicts the same labels
and probabilities as the pipeline, in any language it runs in. The figure
compares the time per call of the two on a batch of rows and on one row.
"""

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime
from skl2onnx import to_onnx
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnlite import TinyNetClassifier
from sknnlite.onnx import register_converters

register_converters()
X, y = load_breast_cancer(return_X_y=True)
X = X.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
pipe = make_pipeline(
    StandardScaler(),
    TinyNetClassifier(hidden_layer_sizes=(64, 64), early_stopping=True, random_state=0),
)
pipe.fit(X_train, y_train)

onx = to_onnx(pipe, X_train[:1], options={"zipmap": False})
session = onnxruntime.InferenceSession(
    onx.SerializeToString(), providers=["CPUExecutionProvider"]
)
labels, proba = session.run(None, {"X": X_test})
print(
    f"ONNX file: {len(onx.SerializeToString()) / 1024:.0f} KiB;",
    f"outputs {[o.name for o in onx.graph.output]}",
)
print(
    f"labels identical on {len(X_test)} held-out rows:",
    bool((labels == pipe.predict(X_test)).all()),
)
print(
    "largest probability difference:",
    f"{np.abs(proba - pipe.predict_proba(X_test)).max():.1e}",
)


# %%
# Time per call, median of repeated calls, for a batch of 100,000 rows and
# for a single row (a service's usual request).
def median_seconds(predict, rows, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        predict(rows)
        times.append(time.perf_counter() - started)
    return float(np.median(times))


batch = np.tile(X_test, (100_000 // len(X_test) + 1, 1))[:100_000]
cases = {"100,000 rows": (batch, 5), "1 row": (X_test[:1], 200)}
timings = {
    name: {
        "sknnlite (NumPy)": median_seconds(pipe.predict_proba, rows, repeats),
        "onnxruntime": median_seconds(
            lambda r: session.run(None, {"X": r}), rows, repeats
        ),
    }
    for name, (rows, repeats) in cases.items()
}
for name, row in timings.items():
    print(
        f"{name:>12}: "
        + ", ".join(f"{who} {seconds * 1e3:.3f} ms" for who, seconds in row.items())
    )

fig, axes = plt.subplots(1, 2, figsize=(8, 3.5), layout="constrained")
for ax, (name, row) in zip(axes, timings.items(), strict=True):
    ax.bar(
        list(row),
        [seconds * 1e3 for seconds in row.values()],
        color=["tab:blue", "tab:orange"],
    )
    ax.set(
        title=f"predict_proba, {name}", xlabel="runtime", ylabel="milliseconds per call"
    )
plt.show()
