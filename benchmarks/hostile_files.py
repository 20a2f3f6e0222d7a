"""Loading hostile model files: seconds and peak memory until load refuses them.

python benchmarks/hostile_files.py [--gib 3]

Saves a fitted TinyNetClassifier normally, then writes one copy per member with that member replaced
by GIB GiB of zeros, deflated (each file stays about GIB MB), and loads each copy (and the original)
in a fresh process, printing the seconds load took, how much the process's peak memory grew, and the
outcome. A safe loader refuses every copy in well under a second with less than 100 MB of growth.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import warnings
import zipfile

MEMBERS = ["sknnlite_estimator.json", "sknnlite_arrays.npz", "model.weights.h5", "config.json"]

LOAD_ONE = """
import resource, sys, time
from sknnlite import TinyNetClassifier
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    TinyNetClassifier.load(sys.argv[1])
    outcome = "loaded"
except Exception as error:
    outcome = f"{type(error).__name__}: {error}".replace(sys.argv[1], "<file>")
seconds = time.perf_counter() - started
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(f"{seconds:.3f}|{grown:.0f}|{outcome[:110]}")
"""


def inflated_copy(source, member, out, gib):
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w") as copy:
        for info in original.infolist():
            if info.filename != member:
                copy.writestr(info, original.read(info.filename))
                continue
            bomb = zipfile.ZipInfo(member)
            bomb.compress_type = zipfile.ZIP_DEFLATED
            with copy.open(bomb, "w", force_zip64=True) as target:
                chunk = bytes(2**24)
                for _ in range(int(gib * 64)):
                    target.write(chunk)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=3.0, help="inflated size of the member (default 3)")
    args = parser.parse_args()

    import numpy as np

    from sknnlite import TinyNetClassifier

    with tempfile.TemporaryDirectory() as directory:
        X = np.random.default_rng(0).random((200, 5))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf = TinyNetClassifier((20,), epochs=5, random_state=0).fit(X, X.sum(axis=1) > 2.5)
        original = os.path.join(directory, "clf.keras")
        clf.save(original)
        files = [("none (the saved file)", original)]
        for member in MEMBERS:
            files.append((member, os.path.join(directory, f"{member}.keras")))
            inflated_copy(original, member, files[-1][1], args.gib)
        print(f"{args.gib:g} GiB of zeros in one member, deflated; Python {sys.version.split()[0]}\n")
        print("| member inflated | file size | load | peak memory growth | outcome |")
        print("|---|---|---|---|---|")
        for member, path in files:
            done = subprocess.run(
                [sys.executable, "-c", LOAD_ONE, path],
                capture_output=True,
                text=True,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
            )
            seconds, grown, outcome = done.stdout.strip().splitlines()[-1].split("|", 2)
            size = os.path.getsize(path) / 2**20
            print(f"| {member} | {size:.1f} MB | {float(seconds):.3f} s | {grown} MB | {outcome} |")


if __name__ == "__main__":
    main()
