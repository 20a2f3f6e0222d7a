#!/usr/bin/env bash
# Issue 27's GPU numbers in one device session (the device machine has JAX and PyTorch with CUDA,
# scikit-learn and NumPy, but no Keras). Prepare here, once, in the repository's root:
#
#   echo /.whl/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 -d .whl \
#       keras==3.15.1 namex==0.1.0 optree==0.20.0
#
# then run `bash benchmarks/device_session.sh` there with `.whl` carried and a 570 s limit (about 7
# minutes of work: JAX at full size, then PyTorch, then where device prediction pays). Each part has its
# own time limit and writes its table to $OUT; copy them, with the machine lines, into RESULTS.md.
# SCALE=0.01 MAX_ROWS=10000 PYTHON=.venv/bin/python bash benchmarks/device_session.sh tries it on a CPU.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-$(mktemp -d)}
python=${PYTHON:-python3}
scale=${SCALE:-1}
if ! "$python" -c "import keras" 2>/dev/null; then
    "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
        .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=3
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true; nproc
  "$python" -c "import keras, sklearn, numpy; print('keras', keras.__version__, '| scikit-learn', sklearn.__version__, '| numpy', numpy.__version__)"
} 2>&1 | tee "$out/machine.txt"
# JAX: all three contenders (MLP once: ~100 s on 16 cores; Keras' model.fit twice: ~95 s).
KERAS_BACKEND=jax timeout 300 "$python" benchmarks/gpu.py --scale "$scale" --runs 2 2>&1 | tee "$out/gpu_jax.txt"
# PyTorch: sknnlite's loop on all three, model.fit on the two that take seconds (G1 at 20 epochs: minutes).
KERAS_BACKEND=torch timeout 150 "$python" benchmarks/gpu.py --scale "$scale" --runs 2 --only sknnlite \
    2>&1 | tee "$out/gpu_torch.txt"
KERAS_BACKEND=torch timeout 60 "$python" benchmarks/gpu.py --scale "$scale" --runs 2 --only model.fit \
    --workloads G2,G3 2>&1 | tee -a "$out/gpu_torch.txt"
KERAS_BACKEND=jax timeout 60 "$python" benchmarks/predict_devices.py --max-rows "${MAX_ROWS:-1000000}" 2>&1 | tee "$out/predict_jax.txt"
