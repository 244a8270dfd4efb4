#!/usr/bin/env bash
# One full GPU session: build muse with CUDA, run the cuda suite (then the whole suite), run it again
# under compute-sanitizer (memcheck, racecheck), then the CUDA benchmarks and their PyTorch
# counterparts. Logs go to $OUT. Run from the source root on a machine with a GPU, with the
# development files the machine may lack (Eigen, doctest, Google Benchmark) under $DEPS, laid out as in
# /usr, their pkg-config files in $DEPS/pc.
#   DEPS=/path/to/deps/usr OUT=/tmp/out bench/gpu_run.sh
set -uo pipefail
DEPS=${DEPS:?set DEPS to the folder holding include/, lib/, share/ and pc/}
OUT=${OUT:-/tmp/muse-gpu}
mkdir -p "$OUT"
export PATH=/usr/local/cuda/bin:$PATH CMAKE_PREFIX_PATH=$DEPS PKG_CONFIG_PATH=$DEPS/pc
export LD_LIBRARY_PATH=$DEPS/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
sed -i "s|^prefix=.*|prefix=$DEPS|" "$DEPS"/pc/*.pc
sed -i "s|_IMPORT_PREFIX \"/usr\"|_IMPORT_PREFIX \"$DEPS\"|" "$DEPS"/lib/cmake/doctest/doctestTargets.cmake

stage() { echo; echo "=== $* ($(date +%T))"; }
stage toolchain
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
g++ --version | head -1; nvcc --version | tail -1; meson --version; ninja --version
command -v pkg-config cmake compute-sanitizer python3

stage build
[ -f b/build.ninja ] || meson setup b -Dcuda=enabled -Dbench=true > "$OUT/setup.txt" 2>&1 || { tail -40 "$OUT/setup.txt"; exit 1; }
ninja -C b -j16 > "$OUT/build.txt" 2>&1 || { grep -B2 -A12 -m5 "error" "$OUT/build.txt"; tail -20 "$OUT/build.txt"; exit 1; }
grep -c warning "$OUT/build.txt"

stage test_cuda
./b/tests/test_cuda 2>&1 | tee "$OUT/test_cuda.txt" | tail -60
stage "meson test (every suite)"
meson test -C b --print-errorlogs 2>&1 | tail -15

stage memcheck
timeout 150 compute-sanitizer --tool memcheck --leak-check no --error-exitcode 3 ./b/tests/test_cuda \
  -tce='*out of memory*' > "$OUT/memcheck.txt" 2>&1; echo "exit $?"; tail -8 "$OUT/memcheck.txt"
stage racecheck
timeout 90 compute-sanitizer --tool racecheck --error-exitcode 3 ./b/tests/test_cuda \
  -tc='*softmax*,*sum, mean*,*max and min*' > "$OUT/racecheck.txt" 2>&1; echo "exit $?"; tail -6 "$OUT/racecheck.txt"

stage bench_cuda
./b/bench/bench_cuda --benchmark_min_time=0.2 2>&1 | tee "$OUT/bench_cuda.txt" | tail -60
stage torch
python3 bench/torch/bench_cuda_kernels.py 2>&1 | tee "$OUT/torch.txt"
