#!/bin/bash
# The step benchmarks of the reference workloads, muse (bench_steps) against PyTorch 1.13
# (bench/torch/steps.py), run back to back and interleaved, then one table of medians.
#
#   bench/run_steps.sh [build dir, default build] [rounds, default 5]
#   ONLY=lstm_lm,seq2seq_attn bench/run_steps.sh ...   (only those workloads)
#
# Each round runs muse, then PyTorch in its best configuration; the table gives the median of the
# rounds' medians. After the rounds PyTorch runs once more in the default environment (20 timed steps:
# it is slow there). The load is printed before and after every run: the figures mean something only
# on a quiet machine (nothing else runnable; load average well under 1 on these 2 cores).
#
# PyTorch's best configuration here (WORKLOADS.md), exactly:
#   OPENBLAS_CORETYPE unset (the environment sets Haswell, which caps OpenBLAS at its AVX2 kernels);
#   OMP_WAIT_POLICY=PASSIVE (OpenMP workers sleep instead of spinning against the BLAS threads);
#   MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 (glibc keeps freed activations
#     mapped instead of returning them to the system and faulting fresh pages in every step; setting
#     only the trim threshold also fixes the mmap threshold at 128 KiB, which is worse than neither);
#   LD_LIBRARY_PATH=$TORCH_BLAS_DIR: the Debian PyTorch calls whatever libblas.so.3 the system
#     provides, which on these machines is the reference BLAS (about 7 GFLOP/s). OpenBLAS 0.3.21
#     (libopenblas0-pthread) is not installed but its package sits in the apt cache; unless
#     TORCH_BLAS_DIR names a directory holding a libblas.so.3, the script unpacks that package into a
#     temporary directory (dpkg-deb -x, nothing is installed) and points the loader at it. Without
#     either, "best" runs on the system BLAS and the script says so.
# The default environment is the shell's as it is (OPENBLAS_CORETYPE=Haswell, no malloc settings),
# once with the same OpenBLAS and once with the system's libblas.so.3, as installed.
set -euo pipefail

build=${1:-build}
rounds=${2:-5}
only=${ONLY:-}
muse_filter=()
torch_only=()
if [[ -n $only ]]; then
  muse_filter=(--benchmark_filter="^steps/(${only//,/|})/")
  torch_only=(--only "$only")
fi
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

blas_dir=${TORCH_BLAS_DIR:-}
if [[ -z $blas_dir ]]; then
  deb=$(ls /var/cache/apt/archives/libopenblas0-pthread_*.deb 2>/dev/null | head -n 1 || true)
  if [[ -n $deb ]]; then
    dpkg-deb -x "$deb" "$work/openblas"
    blas_dir=$work/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread
  fi
fi
if [[ -n $blas_dir && ! -e $blas_dir/libblas.so.3 ]]; then
  echo "run_steps.sh: no libblas.so.3 in $blas_dir" >&2
  exit 1
fi
[[ -z $blas_dir ]] && echo "warning: no OpenBLAS found; PyTorch runs on the system BLAS" >&2

best_env=(-u OPENBLAS_CORETYPE OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_THRESHOLD_=33554432
          MALLOC_TRIM_THRESHOLD_=1073741824)
openblas_env=()
[[ -n $blas_dir ]] && openblas_env=(LD_LIBRARY_PATH=$blas_dir)

# The load averages count this script's own runs too; the runnable count, taken between runs, does not.
load() {
  read -r one five fifteen running _ < /proc/loadavg
  echo "# load average $one $five $fifteen (1, 5, 15 min); runnable now: ${running%/*} (1 is this check alone)"
}

for r in $(seq 1 "$rounds"); do
  load
  echo "# round $r: muse"
  "$build/bench/bench_steps" "${muse_filter[@]}" --benchmark_out="$work/muse.$r.json" --benchmark_out_format=json 2>&1 \
    | grep '^steps/'
  load
  echo "# round $r: torch, best configuration"
  env "${best_env[@]}" "${openblas_env[@]}" $python "$here/torch/steps.py" "${torch_only[@]}" --json "$work/torch.$r.json"
done
load
echo "# torch, default environment with OpenBLAS"
env "${openblas_env[@]}" $python "$here/torch/steps.py" "${torch_only[@]}" --steps 20 --json "$work/default_openblas.json"
load
echo "# torch, default environment, system BLAS (as installed)"
$python "$here/torch/steps.py" "${torch_only[@]}" --steps 20 --json "$work/default_system.json"
load

$python - "$work" "$rounds" <<'EOF'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def muse(r):
    runs = json.load(open(f"{work}/muse.{r}.json"))["benchmarks"]
    return {b["name"].split("/")[1] + "/" + b["name"].split("/")[2]: b["ms_per_step"] for b in runs}
m = [muse(r) for r in range(1, rounds + 1)]
t = [json.load(open(f"{work}/torch.{r}.json")) for r in range(1, rounds + 1)]
d_ob, d_sys = (json.load(open(f"{work}/{n}.json")) for n in ("default_openblas", "default_system"))
print(f"\n{'workload':20s} {'muse ms':>9s} {'PyTorch ms':>11s} {'muse/PyTorch':>13s}"
      f" {'PyTorch default env ms':>23s} {'(system BLAS)':>14s}")
for name in t[0]:
    to = statistics.median(x[name] for x in t)
    if name not in m[0]:  # a workload bench_steps does not time (yet)
        print(f"{name:20s} {'-':>9s} {to:11.2f} {'-':>13s} {d_ob[name]:23.1f} {d_sys[name]:14.1f}")
        continue
    mu = statistics.median(x[name] for x in m)
    print(f"{name:20s} {mu:9.2f} {to:11.2f} {mu / to:13.2f} {d_ob[name]:23.1f} {d_sys[name]:14.1f}")
print(f"(median of {rounds} interleaved rounds; each figure a median over 50 steps, defaults over 20)")
EOF
