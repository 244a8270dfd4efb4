#!/usr/bin/env bash
# One GPU session, in stages that each fit in one 10-minute command of the lent machine:
#   DEPS=/path/to/deps/usr OUT=/tmp/out bench/gpu_run.sh [STAGE...]      (default: all, in this order)
#   build     meson setup -Dcuda=enabled -Dbench=true -Dgpu_archs=80,90 (sm_80 and sm_90 machine code,
#             compute_90 PTX), ninja (and the toolchain's versions)
#   test      the cuda suite (tests/test_cuda, tests/test_cuda_models, and every `muse` command with
#             --device cuda against the CPU: test_muse_cli.py --part cuda), then meson test's other suites
#   sanitize  compute-sanitizer: memcheck over every test_cuda case, racecheck over the cases of the
#             kernels that use shared memory
#   kernels   bench_cuda beside bench/torch/bench_cuda_kernels.py (bench_attention, bench_layer_norm and
#             bench_adam time the CPU kernels only)
#   steps     bench/compare.py --device cuda: every workload, gpt and gpt2_124m included, with MFU
# Each stage writes $OUT/STAGE.txt (steps also its JSON): the machine sends back at most 8 files. Run from
# the source root, with the development files the machine may lack (Eigen, doctest, Google Benchmark)
# under $DEPS, laid out as in /usr, their pkg-config files in $DEPS/pc. The build goes to build-cuda,
# which .gitignore's /build*/ covers, so the machine keeps it from one command to the next.
# Knobs for steps: ROUNDS (3), PEAK_TFLOPS (67: H100 SXM and H200 float32 without tensor cores, as TF32
# is off), ONLY (a comma-separated subset, to split the stage if 3 rounds of all outrun 10 minutes).
set -uo pipefail
DEPS=${DEPS:?set DEPS to the folder holding include/, lib/, share/ and pc/}
OUT=${OUT:-/tmp/muse-gpu}
B=build-cuda
mkdir -p "$OUT"
export PATH=/usr/local/cuda/bin:$PATH CMAKE_PREFIX_PATH=$DEPS PKG_CONFIG_PATH=$DEPS/pc PYTHONUNBUFFERED=1
export LD_LIBRARY_PATH=$DEPS/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
sed -i "s|^prefix=.*|prefix=$DEPS|" "$DEPS"/pc/*.pc
sed -i "s|_IMPORT_PREFIX \"/usr\"|_IMPORT_PREFIX \"$DEPS\"|" "$DEPS"/lib/cmake/doctest/doctestTargets.cmake

say() { echo; echo "=== $* ($(date +%T))"; }

stage_build() {
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  g++ --version | head -1; nvcc --version | tail -1; meson --version; ninja --version
  command -v pkg-config cmake compute-sanitizer python3
  [ -f $B/build.ninja ] || meson setup $B -Dcuda=enabled -Dbench=true -Dgpu_archs=80,90 || return
  ninja -C $B -j16 > $B/ninja.txt 2>&1; local status=$?
  cat $B/ninja.txt; echo "compiler warnings: $(grep -c 'warning:' $B/ninja.txt)"
  return $status
}

stage_test() {
  local status=0
  say test_cuda; ./$B/tests/test_cuda || status=1
  say test_cuda_models; ./$B/tests/test_cuda_models || status=1
  say "muse --device cuda"; python3 tests/tools/test_muse_cli.py $B/tools/muse --part cuda || status=1
  say "meson test, every suite but cuda (whose three tests ran above)"
  meson test -C $B --print-errorlogs --no-suite cuda || status=1
  return $status
}

# Racecheck covers the kernels that declare __shared__ memory, as `grep -l __shared__ cuda/*` lists them
# (printed below, to catch a new one): softmax.cu; reduce.cu through fold.h and launch.h's block_fold
# (sums, means, max and min, the int64 sums); layer_norm.cu; attention.cu. The filters are the names of
# their test cases in tests/cuda/test_reduce.cpp, test_layer_norm.cpp and test_attention.cpp.
RACE_CASES='*softmax*,*sum? mean*,*max and min*,*sums of int64*,*layer_norm*,*scaled_dot_product_attention*'
OOM_CASE='*out of memory*'

stage_sanitize() {
  local status=0 memcheck=(compute-sanitizer --tool memcheck --leak-check no --error-exitcode 3)
  say "memcheck, every case but $OOM_CASE"
  timeout 200 "${memcheck[@]}" ./$B/tests/test_cuda -tce="$OOM_CASE" || status=1
  say "memcheck, $OOM_CASE (its deliberately failing 1 PiB cudaMalloc is an API error to memcheck)"
  timeout 60 "${memcheck[@]}" --report-api-errors no ./$B/tests/test_cuda -tc="$OOM_CASE" || status=1
  say "memcheck, the reference models' training on the GPU"
  timeout 240 "${memcheck[@]}" ./$B/tests/test_cuda_models || status=1
  say "racecheck over $RACE_CASES"
  grep -l __shared__ cuda/*.cu cuda/*.h
  timeout 240 compute-sanitizer --tool racecheck --error-exitcode 3 ./$B/tests/test_cuda -tc="$RACE_CASES" \
    || status=1
  return $status
}

stage_kernels() {
  ./$B/bench/bench_cuda --benchmark_min_time=0.2 || return
  say "PyTorch"; python3 bench/torch/bench_cuda_kernels.py
}

stage_steps() {
  python3 bench/compare.py $B --device cuda --rounds "${ROUNDS:-3}" --peak-tflops "${PEAK_TFLOPS:-67}" \
    --out "$OUT" ${ONLY:+--only "$ONLY"}
}

stages=${*:-all}
failed=""
for stage in ${stages/all/build test sanitize kernels steps}; do
  case $stage in build|test|sanitize|kernels|steps) ;; *) echo "unknown stage $stage"; exit 2;; esac
  say "$stage" | tee "$OUT/$stage.txt"
  "stage_$stage" 2>&1 | tee -a "$OUT/$stage.txt" || failed+=" $stage"
  [ "$stage" = build ] && [ -n "$failed" ] && break
done
say "done; failed:${failed:- none}"
[ -z "$failed" ]
