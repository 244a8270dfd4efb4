#!/usr/bin/env python3
"""muse against PyTorch, side by side: the training step and the inference forward of the workloads of
WORKLOADS.md, on the CPU against PyTorch 1.13 (`make bench-compare`) or on the GPU (--device cuda).

    /usr/bin/python3 bench/compare.py BUILD [--rounds 5] [--only mlp_gan,dcgan,...] [--out FILE.json or DIR]
                                            [--default-env] [--device cpu|cuda] [--peak-tflops P]

Each round runs, for every workload in turn, muse's `BUILD/bench/bench_steps` filtered to that workload,
then `bench/torch/steps.py --only` it: A B A B ..., so that a drift in the machine's speed falls on both
sides alike. Every run is its own process, so its peak resident set size (getrusage's ru_maxrss of that
child) is the peak memory of that workload: model, optimizer state, activations, and the runtime itself
(for PyTorch, its libraries too). Each side times 50 steps after 10 of warm-up and reports their median,
fastest and slowest; the table gives, over the rounds, the median of the medians, the fastest step and the
slowest step, then muse / PyTorch of the medians and both peaks.

PyTorch runs in its best configuration on these machines (WORKLOADS.md), and the output says so:
  OPENBLAS_CORETYPE unset (the environment sets Haswell, which caps OpenBLAS at its AVX2 kernels);
  OMP_WAIT_POLICY=PASSIVE (OpenMP workers sleep instead of spinning against the BLAS threads);
  MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 (glibc keeps freed activations mapped
    instead of faulting fresh pages in every step);
  OpenBLAS 0.3.21 (libopenblas0-pthread) first on LD_LIBRARY_PATH: Debian's PyTorch calls whatever
    libblas.so.3 the system provides, which here is the reference BLAS (about 7 GFLOP/s). The package is
    unpacked into a temporary directory (dpkg-deb -x; taken from the apt cache, or fetched with
    `apt-get download`), nothing is installed. TORCH_BLAS_DIR=DIR names a directory holding a
    libblas.so.3 instead.
--default-env adds one PyTorch run per workload in the shell's environment as it is, with the same
OpenBLAS (20 steps), for the column "PyTorch, default environment".

The load average is printed between runs: the figures mean something only on a quiet machine.

--device cuda runs bench_steps under MUSE_BENCH_DEVICE=cuda and steps.py --device cuda with the Python
that runs this script (on the GPU machine, the one that holds PyTorch with CUDA), in the environment as it
is: the OpenBLAS and environment settings above are for the CPU and are left out, as is --default-env.
Its default workloads add gpt2_124m, the GPT-2 124M shape (bench_steps registers it on the GPU only).

The gpt workloads' model FLOPs per step (PaLM's accounting, bench_steps.cpp's gpt_model_flop, the same in
steps.py) give a second table: achieved TFLOP/s on each side (model FLOPs over the median step) and, with
--peak-tflops P, the model FLOPs utilisation achieved / P. P is the device's peak for the arithmetic the
steps use: float32 without tensor cores (TF32 is off on both sides), 67 on an H100 SXM (and on an H200),
51 on an H100 PCIe; on a CPU, bench_kernels' GEMM ceiling is a fair stand-in.

The JSON file holds every run's figures, the machine, the configuration and the commit. Its default is
bench/results/DATE-cpu-compare.json, or DATE-GPU-compare.json with GPU the device's name as PyTorch gives
it in lower case (NVIDIA H100 80GB HBM3 -> h100-80gb-hbm3); --out DIR puts that name in DIR.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
WORKLOADS = ["mlp_gan", "mlp_vae", "dcgan", "lstm_lm", "seq2seq_attn", "gpt"]
GPU_WORKLOADS = WORKLOADS + ["gpt2_124m"]
BEST_ENV = {"OMP_WAIT_POLICY": "PASSIVE", "MALLOC_MMAP_THRESHOLD_": "33554432",
            "MALLOC_TRIM_THRESHOLD_": "1073741824"}


def fail(message):
    sys.exit(f"bench/compare.py: {message}")


def openblas_dir(work):
    """A directory holding OpenBLAS's libblas.so.3 for PyTorch (see the module's text), or fail."""
    given = os.environ.get("TORCH_BLAS_DIR")
    if given:
        if not os.path.exists(f"{given}/libblas.so.3"):
            fail(f"TORCH_BLAS_DIR={given} holds no libblas.so.3")
        return given
    debs = sorted(glob.glob("/var/cache/apt/archives/libopenblas0-pthread_*.deb"))
    if not debs:
        subprocess.run(["apt-get", "download", "libopenblas0-pthread"], cwd=work, check=True,
                       stdout=subprocess.DEVNULL)
        debs = sorted(glob.glob(f"{work}/libopenblas0-pthread_*.deb"))
    if not debs:
        fail("no libopenblas0-pthread package in the apt cache and `apt-get download` fetched none")
    subprocess.run(["dpkg-deb", "-x", debs[-1], f"{work}/openblas"], check=True)
    found = glob.glob(f"{work}/openblas/usr/lib/*/openblas-pthread/libblas.so.3")
    if not found:
        fail(f"{debs[-1]} holds no openblas-pthread/libblas.so.3")
    return os.path.dirname(found[0])


def load():
    one, five, fifteen, running, _ = open("/proc/loadavg").read().split()
    return (f"# load average {one} {five} {fifteen} (1, 5, 15 min); runnable now: {running.split('/')[0]} "
            "(1 is this check alone)")


def run(cmd, env, log):
    """Runs cmd to completion with its output in `log`; returns its peak resident set size in MiB."""
    with open(log, "w") as out:
        child = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        fail(f"{' '.join(cmd)} exited with {child.returncode}:\n{open(log).read()[-2000:]}")
    return usage.ru_maxrss / 1024  # KiB on Linux


def muse_run(build, workload, env, work, tag):
    out = f"{work}/muse.{tag}.json"
    rss = run([f"{build}/bench/bench_steps", f"--benchmark_filter=^steps/{workload}/",
               f"--benchmark_out={out}", "--benchmark_out_format=json"], env, f"{work}/muse.{tag}.log")
    figures = {}
    for b in json.load(open(out))["benchmarks"]:
        name = "/".join(b["name"].split("/")[1:3])  # "steps/mlp_gan/train/iterations:50/..." -> "mlp_gan/train"
        figures[name] = {"median": b["ms_per_step"], "min": b["ms_min"], "max": b["ms_max"]}
        if "model_flop_per_step" in b:
            figures[name].update(model_flop_per_step=b["model_flop_per_step"], tflop_per_s=b["tflop_per_s"])
    return figures, rss


def torch_run(workload, env, work, tag, device, steps=50):
    out = f"{work}/torch.{tag}.json"
    log = f"{work}/torch.{tag}.log"
    python = PYTHON if device == "cpu" else sys.executable
    rss = run([python, f"{HERE}/torch/steps.py", "--only", workload, "--steps", str(steps), "--json", out,
               "--device", device], env, log)
    config = next(json.loads(line.split(":", 1)[1]) for line in open(log) if line.startswith("configuration:"))
    return json.load(open(out)), rss, config


def summary(runs):
    """Over the rounds: median of the medians, fastest and slowest step."""
    return {"median": statistics.median(r["median"] for r in runs), "min": min(r["min"] for r in runs),
            "max": max(r["max"] for r in runs)}


def commit():
    try:  # the GPU machine's copy of the tree may have no git, or no .git
        r = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", HERE, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"
    return (r.stdout.strip() or "unknown") + (" (with uncommitted changes)" if dirty else "")


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def environments(device, work):
    """The environments of muse's runs, of PyTorch's, and of PyTorch's --default-env runs."""
    muse = dict(os.environ, MUSE_BENCH_DEVICE=device)
    if device == "cuda":
        return muse, dict(os.environ), None
    blas = openblas_dir(work)
    best = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    best.update(BEST_ENV, LD_LIBRARY_PATH=blas)
    return muse, best, dict(os.environ, LD_LIBRARY_PATH=blas)


def flop_figures(row, muse_runs, torch_runs, peak):
    """A gpt row's model FLOPs per step, achieved TFLOP/s over the median step, and MFU against peak."""
    flop, torch_flop = muse_runs[0]["model_flop_per_step"], torch_runs[0]["model_flop_per_step"]
    if flop != torch_flop:
        print(f"# {row['workload']}: muse counts {flop:.6g} model FLOPs per step, PyTorch {torch_flop:.6g}")
    tflops = {side: flop / (row[f"{side}_ms"]["median"] * 1e-3) / 1e12 for side in ("muse", "torch")}
    return {"model_flop_per_step": flop, "muse_tflop_per_s": tflops["muse"], "torch_tflop_per_s": tflops["torch"],
            "muse_mfu": tflops["muse"] / peak if peak else None, "torch_mfu": tflops["torch"] / peak if peak else None}


def print_flop_table(rows, peak):
    rows = [r for r in rows if "model_flop_per_step" in r]
    if not rows:
        return
    mfu = f"MFU: TFLOP/s over a peak of {peak:g}" if peak else "no MFU without --peak-tflops"
    print(f"\nmodel FLOPs per step, PaLM's count (per token 6 N + 12 L T C training, 2 N + 4 L T C inference; "
          f"bench_steps.cpp); TFLOP/s: model FLOPs over the median step; {mfu}")
    print(f"{'workload':20s} {'GFLOP/step':>10s} {'muse TFLOP/s':>12s} {'PyTorch TFLOP/s':>15s}"
          + (f" {'muse MFU':>8s} {'PyTorch MFU':>11s}" if peak else ""))
    for r in rows:
        line = (f"{r['workload']:20s} {r['model_flop_per_step'] / 1e9:10.2f} {r['muse_tflop_per_s']:12.3f} "
                f"{r['torch_tflop_per_s']:15.3f}")
        if peak:
            line += f" {r['muse_mfu']:8.1%} {r['torch_mfu']:11.1%}"
        print(line)


def output_path(out, today, device, config):
    """--out as given, or DATE-cpu-compare.json / DATE-GPU-compare.json in bench/results or in --out DIR."""
    if out and not os.path.isdir(out):
        return out
    name = "cpu"
    if device == "cuda":
        gpu = config.get("device", "").lower().replace("nvidia", "")
        name = "-".join("".join(c if c.isalnum() else " " for c in gpu).split()) or "cuda"
    return f"{out or os.path.dirname(HERE) + '/bench/results'}/{today}-{name}-compare.json"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("build", help="the meson build directory, configured with -Dbench=true")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--only", help="comma-separated workloads (default: all; gpt2_124m on cuda only)")
    p.add_argument("--out", help="the JSON file, or a directory for the default name (default bench/results/"
                   "DATE-cpu-compare.json, or DATE-GPU-compare.json on cuda)")
    p.add_argument("--default-env", action="store_true", help="also PyTorch in the shell's environment (CPU)")
    p.add_argument("--peak-tflops", type=float, help="the device's peak, for the MFU of the gpt workloads "
                   "(67: H100 SXM float32 without tensor cores)")
    a = p.parse_args()
    known = GPU_WORKLOADS if a.device == "cuda" else WORKLOADS
    workloads = (a.only or ",".join(known)).split(",")
    unknown = [w for w in workloads if w not in known]
    if unknown:
        p.error(f"unknown workload(s) {unknown} for --device {a.device}; choose from {known}")
    if a.rounds < 1:
        p.error(f"--rounds {a.rounds}: expected at least 1")
    if a.default_env and a.device == "cuda":
        p.error("--default-env compares CPU environments; it has no meaning with --device cuda")
    if not os.access(f"{a.build}/bench/bench_steps", os.X_OK):
        fail(f"{a.build}/bench/bench_steps not found: configure the build with -Dbench=true and build it")
    build = os.path.abspath(a.build)
    today = datetime.date.today().isoformat()

    with tempfile.TemporaryDirectory() as work:
        muse_env, best, default = environments(a.device, work)
        muse = {w: [] for w in workloads}
        torch = {w: [] for w in workloads}
        peak = {w: {"muse": [], "torch": []} for w in workloads}
        config = None
        for r in range(1, a.rounds + 1):
            for w in workloads:
                print(load(), flush=True)
                figures, rss = muse_run(build, w, muse_env, work, f"{w}.{r}")
                muse[w].append(figures)
                peak[w]["muse"].append(rss)
                print(f"# round {r}, muse    {w}: " + ", ".join(
                    f"{k} {v['median']:.2f} ms" for k, v in figures.items()) + f"; peak {rss:.0f} MiB", flush=True)
                figures, rss, config = torch_run(w, best, work, f"{w}.{r}", a.device)
                torch[w].append(figures)
                peak[w]["torch"].append(rss)
                print(f"# round {r}, PyTorch {w}: " + ", ".join(
                    f"{k} {v['median']:.2f} ms" for k, v in figures.items()) + f"; peak {rss:.0f} MiB", flush=True)
        defaults = {}
        if a.default_env:
            for w in workloads:
                print(load(), flush=True)
                defaults.update(torch_run(w, default, work, f"{w}.default", a.device, steps=20)[0])
        print(load(), flush=True)

    rows = []
    for w in workloads:
        for name in muse[w][0]:
            m = summary([x[name] for x in muse[w]])
            t = summary([x[name] for x in torch[w]])
            rows.append({"workload": name, "muse_ms": m, "torch_ms": t, "ratio": m["median"] / t["median"],
                         "muse_peak_mib": max(peak[w]["muse"]), "torch_peak_mib": max(peak[w]["torch"]),
                         "torch_default_env_ms": defaults.get(name, {}).get("median")})
            if "model_flop_per_step" in muse[w][0][name]:
                rows[-1].update(flop_figures(rows[-1], [x[name] for x in muse[w]], [x[name] for x in torch[w]],
                                             a.peak_tflops))

    where = config["device"] if a.device == "cuda" else f"{config['threads']} threads each"
    where += f", on {cpu_model()} ({os.cpu_count()} CPUs)"
    print(f"\nmuse (commit {commit()}) against PyTorch {config['torch']}, {where}, {today}")
    if a.device == "cuda":
        print("PyTorch's configuration: TF32 off, as in muse; every timed step ends with a device synchronize")
    else:
        print(f"PyTorch's configuration: BLAS "
              f"{', '.join(os.path.basename(b) for b in config['blas']) or '(none loaded)'}; "
              + ", ".join(f"{k}={v}" for k, v in config["env"].items()))
    print(f"ms per step: median of {a.rounds} rounds' medians (fastest step - slowest step); peak: resident "
          "set size of the process, MiB (a workload's train and infer share one process)\n")
    head = (f"{'workload':20s} {'muse ms':>22s} {'PyTorch ms':>22s} {'muse/PyTorch':>12s} "
            f"{'muse peak':>9s} {'PyTorch peak':>12s}" + (f" {'PyTorch default env':>19s}" if defaults else ""))
    print(head)
    for row in rows:
        m, t = row["muse_ms"], row["torch_ms"]
        line = (f"{row['workload']:20s} {m['median']:8.2f} ({m['min']:.2f}-{m['max']:.2f}) "
                f"{t['median']:8.2f} ({t['min']:.2f}-{t['max']:.2f}) {row['ratio']:12.2f} "
                f"{row['muse_peak_mib']:9.0f} {row['torch_peak_mib']:12.0f}")
        if defaults:
            line += f" {row['torch_default_env_ms']:19.1f}"
        print(line)
    print_flop_table(rows, a.peak_tflops)

    gpu = config["device"] if a.device == "cuda" else None
    record = {"date": today, "commit": commit(), "device": a.device, "gpu": gpu, "cpu": cpu_model(),
              "cpus": os.cpu_count(), "rounds": a.rounds, "peak_tflops": a.peak_tflops, "torch_configuration": config,
              "rows": rows, "runs": {"muse": muse, "torch": torch, "peak_mib": peak}}
    out_path = output_path(a.out, today, a.device, config)
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(record, f, indent=1)
    os.replace(tmp, out_path)  # written whole or not at all
    print(f"\nwritten: {out_path}")


if __name__ == "__main__":
    main()
