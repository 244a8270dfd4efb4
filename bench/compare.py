#!/usr/bin/env python3
"""muse against PyTorch 1.13 on the CPU, side by side: the training step and the inference forward of the
six workloads of WORKLOADS.md (`make bench-compare`).

    /usr/bin/python3 bench/compare.py BUILD [--rounds 5] [--only mlp_gan,dcgan,...] [--out FILE.json]
                                            [--default-env]

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
The JSON file (default bench/results/DATE-cpu-compare.json) holds every run's figures, the machine, the
configuration and the commit.
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


def muse_run(build, workload, work, tag):
    out = f"{work}/muse.{tag}.json"
    rss = run([f"{build}/bench/bench_steps", f"--benchmark_filter=^steps/{workload}/",
               f"--benchmark_out={out}", "--benchmark_out_format=json"], dict(os.environ), f"{work}/muse.{tag}.log")
    figures = {}
    for b in json.load(open(out))["benchmarks"]:
        name = "/".join(b["name"].split("/")[1:3])  # "steps/mlp_gan/train/iterations:50/..." -> "mlp_gan/train"
        figures[name] = {"median": b["ms_per_step"], "min": b["ms_min"], "max": b["ms_max"]}
    return figures, rss


def torch_run(workload, env, work, tag, steps=50):
    out = f"{work}/torch.{tag}.json"
    log = f"{work}/torch.{tag}.log"
    rss = run([PYTHON, f"{HERE}/torch/steps.py", "--only", workload, "--steps", str(steps), "--json", out], env, log)
    config = next(json.loads(line.split(":", 1)[1]) for line in open(log) if line.startswith("configuration:"))
    return json.load(open(out)), rss, config


def summary(runs):
    """Over the rounds: median of the medians, fastest and slowest step."""
    return {"median": statistics.median(r["median"] for r in runs), "min": min(r["min"] for r in runs),
            "max": max(r["max"] for r in runs)}


def commit():
    r = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", HERE, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return r.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("build", help="the meson build directory, configured with -Dbench=true")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated workloads")
    p.add_argument("--out", help="the JSON file (default bench/results/DATE-cpu-compare.json)")
    p.add_argument("--default-env", action="store_true", help="also PyTorch in the shell's environment")
    a = p.parse_args()
    workloads = a.only.split(",")
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {unknown}; choose from {WORKLOADS}")
    if a.rounds < 1:
        p.error(f"--rounds {a.rounds}: expected at least 1")
    if not os.access(f"{a.build}/bench/bench_steps", os.X_OK):
        fail(f"{a.build}/bench/bench_steps not found: configure the build with -Dbench=true and build it")
    build = os.path.abspath(a.build)
    today = datetime.date.today().isoformat()
    out_path = a.out or f"{os.path.dirname(HERE)}/bench/results/{today}-cpu-compare.json"

    with tempfile.TemporaryDirectory() as work:
        blas = openblas_dir(work)
        best = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
        best.update(BEST_ENV, LD_LIBRARY_PATH=blas)
        default = dict(os.environ, LD_LIBRARY_PATH=blas)
        muse = {w: [] for w in workloads}
        torch = {w: [] for w in workloads}
        peak = {w: {"muse": [], "torch": []} for w in workloads}
        config = None
        for r in range(1, a.rounds + 1):
            for w in workloads:
                print(load(), flush=True)
                figures, rss = muse_run(build, w, work, f"{w}.{r}")
                muse[w].append(figures)
                peak[w]["muse"].append(rss)
                print(f"# round {r}, muse    {w}: " + ", ".join(
                    f"{k} {v['median']:.2f} ms" for k, v in figures.items()) + f"; peak {rss:.0f} MiB", flush=True)
                figures, rss, config = torch_run(w, best, work, f"{w}.{r}")
                torch[w].append(figures)
                peak[w]["torch"].append(rss)
                print(f"# round {r}, PyTorch {w}: " + ", ".join(
                    f"{k} {v['median']:.2f} ms" for k, v in figures.items()) + f"; peak {rss:.0f} MiB", flush=True)
        defaults = {}
        if a.default_env:
            for w in workloads:
                print(load(), flush=True)
                defaults.update(torch_run(w, default, work, f"{w}.default", steps=20)[0])
        print(load(), flush=True)

    rows = []
    for w in workloads:
        for name in muse[w][0]:
            m = summary([x[name] for x in muse[w]])
            t = summary([x[name] for x in torch[w]])
            rows.append({"workload": name, "muse_ms": m, "torch_ms": t, "ratio": m["median"] / t["median"],
                         "muse_peak_mib": max(peak[w]["muse"]), "torch_peak_mib": max(peak[w]["torch"]),
                         "torch_default_env_ms": defaults.get(name, {}).get("median")})

    print(f"\nmuse (commit {commit()}) against PyTorch {config['torch']}, {config['threads']} threads each, "
          f"on {cpu_model()} ({os.cpu_count()} CPUs), {today}")
    print(f"PyTorch's configuration: BLAS {', '.join(os.path.basename(b) for b in config['blas']) or '(none loaded)'}; "
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

    record = {"date": today, "commit": commit(), "cpu": cpu_model(), "cpus": os.cpu_count(),
              "rounds": a.rounds, "torch_configuration": config, "rows": rows,
              "runs": {"muse": muse, "torch": torch, "peak_mib": peak}}
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(record, f, indent=1)
    os.replace(tmp, out_path)  # written whole or not at all
    print(f"\nwritten: {out_path}")


if __name__ == "__main__":
    main()
