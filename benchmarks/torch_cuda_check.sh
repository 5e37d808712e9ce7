#!/usr/bin/env bash
# The GPU checks of actlab.torch, as one short script for a CUDA machine (about 5 minutes):
# the CUDA tests, then `actlab bench torch` on the GPU (with torch.compile) and on the CPU.
# Results go to $OUT (or ./cuda-check). Run from the repository root.
set -u
out=${OUT:-cuda-check}
mkdir -p "$out"
export PYTHONPATH=src PYTHONUNBUFFERED=1
python3 -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))"
timeout 240 python3 -m pytest -q -p no:cacheprovider tests/test_torch_cuda.py 2>&1 | tail -25 \
  | tee "$out/cuda_tests.txt"
bench="python3 -m actlab bench torch --size 16777216 --repeat 20"
timeout 200 $bench --device cuda --compile --only mish silu gelu "x*tanh(log(1 + exp(x)))" \
  | tee "$out/bench_cuda_compile.md"
timeout 60 $bench --device cuda --only softplus elu sigmoid tanh gelu_tanh hardswish \
  | tee "$out/bench_cuda.md"
