"""End-to-end tests of the `muse` command: options and exit statuses, checkpoints, sampling, evaluation,
Ctrl-C, and bit-identical resumption.

    python3 tests/tools/test_muse_cli.py BUILD/tools/muse [--quick] [--part image|text|cuda]
--quick (the sanitizer build) leaves out the cases that train convolutional or text models, reporting
them as skipped. --part runs only the image models' cases or only the text models' (meson runs the two
parts as two tests, side by side); without it, both run. --part cuda runs every command with --device
cuda against the same command on the CPU, and exits 77 (skipped) when there is no GPU. Prints doctest's
summary line ("test cases: N | N passed | N failed") for .ci/run to count.
"""
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time

MUSE = sys.argv[1]
QUICK = "--quick" in sys.argv[2:]
PART = sys.argv[sys.argv.index("--part") + 1] if "--part" in sys.argv else None
assert PART in (None, "image", "text", "cuda"), f"--part {PART}: expected image, text or cuda"
TMP = tempfile.mkdtemp(prefix="muse_cli_")
cases = []


def case(fn):
    cases.append(fn)
    return fn


def heavy_case(fn):
    """A case that trains a convolutional or text model: left out under --quick."""
    fn.conv = True
    return case(fn)


def text_case(fn):
    """A case of the text models (--part text); the others are --part image."""
    fn.text = True
    return fn


def cuda_case(fn):
    """A case of --part cuda."""
    fn.cuda = True
    return case(fn)


def muse(*args, **kw):
    return subprocess.run([MUSE, *map(str, args)], capture_output=True, text=True, timeout=300, **kw)


def cuda_probe():
    """One short training run with --device cuda: it succeeds exactly when this machine has a GPU."""
    return muse("train", "vae", "--device", "cuda", "--limit", 128, "--epochs", 1, "--out", f"{TMP}/cuda_probe")


def losses(path):
    """metrics.jsonl without the wall-clock column."""
    rows = [json.loads(line) for line in open(path)]
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def step_rows(path):
    """The rows of training steps (not the end-of-epoch test figures)."""
    return [r for r in losses(path) if not any(k.startswith(("test_", "valid_")) for k in r)]


@case
def help_everywhere():
    for args in [["--help"], ["train", "--help"], ["sample", "--help"], ["eval", "--help"], ["info", "--help"],
                 ["translate", "--help"], ["data", "--help"]]:
        r = muse(*args)
        assert r.returncode == 0 and "Usage" in r.stdout, (args, r.returncode, r.stderr)


@case
def wrong_options_exit_2_with_one_line():
    for args in [["train", "foo"], ["train", "gan", "--epochs", "x"], ["train", "gan", "--lr", "-1"],
                 ["train", "gan", "--bogus"], ["sample", "gan"], [], ["info", f"{TMP}/missing.safetensors"]]:
        r = muse(*args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)


# Images per run: 10 batches an epoch for the GANs (20 for the VAE); the DCGAN's steps are the slow ones,
# above all in the sanitizer build.
# Samples per epoch. Under --quick (ASan, several times slower) the MLP models train on half as many.
LIMIT = {"gan": 640, "vae": 640, "dcgan": 640} if QUICK else {"gan": 1280, "vae": 1280, "dcgan": 640}


def train(model, out, *extra):
    return muse("train", model, "--limit", LIMIT[model], "--epochs", 2, "--log-every", 1, "--out", out, *extra)


@case
def resume_is_bit_identical():
    # Each run stops inside its second epoch (gan, dcgan) or its first (vae), mid-way through the data.
    stops = [("gan", 13), ("vae", 4)] if QUICK else [("gan", 27), ("vae", 4), ("dcgan", 7)]
    for model, stop in stops:
        whole, parts = f"{TMP}/{model}_whole", f"{TMP}/{model}_parts"
        assert train(model, whole).returncode == 0
        r = train(model, parts, "--stop-after", stop)
        assert r.returncode == 0 and "stopped at step" in r.stderr, r.stderr
        assert len(step_rows(f"{parts}/metrics.jsonl")) == stop
        r = muse("train", model, "--epochs", 2, "--log-every", 1, "--out", parts,
                 "--resume", f"{parts}/checkpoint.safetensors")
        assert r.returncode == 0, r.stderr
        a, b = losses(f"{whole}/metrics.jsonl"), losses(f"{parts}/metrics.jsonl")
        assert len(step_rows(f"{whole}/metrics.jsonl")) == (LIMIT[model] // (128 if model == "vae" else 64)) * 2
        assert len(a) == len(b), (len(a), len(b))
        assert a == b, f"{model}: resumed run differs from the uninterrupted one"


@case
def run_directory_contents():
    out = f"{TMP}/gan_whole"
    for name in ["samples_epoch001.png", "samples_epoch002.png", "checkpoint.safetensors", "metrics.jsonl"]:
        assert os.path.exists(f"{out}/{name}"), name
    row = json.loads(open(f"{out}/metrics.jsonl").readline())
    assert set(row) == {"step", "epoch", "loss_d", "loss_g", "d_real", "d_fake", "seconds"}, row


@case
def info_lists_tensors_and_metadata():
    r = muse("info", f"{TMP}/gan_whole/checkpoint.safetensors")
    assert r.returncode == 0, r.stderr
    for text in ["G.0.weight", "float32", "(256, 100)", "opt_d.state.0.exp_avg", "rng_offset", "model"]:
        assert text in r.stdout, text


@case
def sample_writes_png():
    png = f"{TMP}/grid.png"
    r = muse("sample", "gan", "--checkpoint", f"{TMP}/gan_whole/checkpoint.safetensors", "--n", 16, "--out", png)
    assert r.returncode == 0, r.stderr
    data = open(png, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    # 16 images in rows of 8: 2 rows of 28-pixel tiles with 2 pixels of padding around each.
    assert (width, height) == (8 * 30 + 2, 2 * 30 + 2), (width, height)


@heavy_case
def classifier_trains_and_reports_accuracy_and_confusion():
    out = f"{TMP}/classifier"
    r = muse("train", "classifier", "--limit", 2560, "--epochs", 1, "--out", out)
    assert r.returncode == 0, r.stderr
    assert "test_accuracy" in r.stderr, r.stderr
    assert not os.path.exists(f"{out}/samples_epoch001.png")  # it generates nothing
    r = muse("eval", "classifier", "--checkpoint", f"{out}/checkpoint.safetensors", "--limit", 2000)
    assert r.returncode == 0, r.stderr
    accuracy = float(r.stdout.split("test_accuracy:")[1].split()[0])
    assert 0.5 < accuracy <= 1, accuracy  # 20 steps on 2560 images; chance is 0.1
    rows = [line for line in r.stdout.splitlines() if line[:1].isdigit()]
    assert len(rows) == 10 and "Ankle boot" in rows[9], r.stdout
    assert sum(int(v) for row in rows for v in row.split()[-10:]) == 2000
    r = muse("sample", "classifier", "--checkpoint", f"{out}/checkpoint.safetensors", "--out", f"{TMP}/c.png")
    assert r.returncode == 2, (r.returncode, r.stderr)  # not a generator


@heavy_case
def eval_generators_prints_fid_and_is():
    for model in ["dcgan", "convvae"]:
        out = f"{TMP}/{model}_eval"
        r = muse("train", model, "--limit", 640, "--epochs", 1, "--out", out)
        assert r.returncode == 0, r.stderr
        r = muse("eval", model, "--checkpoint", f"{out}/checkpoint.safetensors", "--limit", 1000,
                 "--classifier", f"{TMP}/classifier/checkpoint.safetensors")
        assert r.returncode == 0, r.stderr
        fid = float(r.stdout.split("FID-FMNIST:")[1].split()[0])
        floor = float(r.stdout.split("FID-FMNIST")[2].split()[0].rstrip(","))
        inception = float(r.stdout.split("IS-FMNIST:")[1].split()[0])
        assert fid > floor >= 0 and 1 <= inception <= 10, r.stdout  # 10 steps of training: far from real
    r = muse("eval", "gan", "--checkpoint", f"{TMP}/gan_whole/checkpoint.safetensors",
             "--classifier", f"{TMP}/none.safetensors")
    assert r.returncode == 1 and "muse train classifier" in r.stderr, (r.returncode, r.stderr)


@heavy_case
def eval_vae_prints_test_loss():
    r = muse("eval", "vae", "--checkpoint", f"{TMP}/vae_whole/checkpoint.safetensors", "--limit", 1000,
             "--classifier", f"{TMP}/classifier/checkpoint.safetensors")
    assert r.returncode == 0, r.stderr
    value = float(r.stdout.split("test loss:")[1].split()[0])
    assert 100 < value < 600, value  # nats per image after 20 steps: well below 543 = 784 log 2
    assert "FID-FMNIST" in r.stdout, r.stdout


@case
def bad_checkpoints_are_errors():
    good = open(f"{TMP}/gan_whole/checkpoint.safetensors", "rb").read()
    cut = f"{TMP}/cut.safetensors"
    open(cut, "wb").write(good[: len(good) // 2])
    for args, words in [(["sample", "gan", "--checkpoint", cut, "--out", f"{TMP}/x.png"], [cut]),
                        (["sample", "vae", "--checkpoint", f"{TMP}/gan_whole/checkpoint.safetensors",
                          "--out", f"{TMP}/x.png"], ["holds model 'gan'"])]:
        r = muse(*args)
        assert r.returncode == 1, (args, r.returncode, r.stderr)
        for w in words:
            assert w in r.stderr, (w, r.stderr)


@case
def missing_dataset_names_the_package():
    r = muse("train", "vae", "--data", f"{TMP}/no_such_dir", "--out", f"{TMP}/nodata")
    assert r.returncode == 1
    assert "apt-get install dataset-fashion-mnist" in r.stderr, r.stderr


@case
def thread_count_from_the_environment():
    env = dict(os.environ, MUSE_NUM_THREADS="two")
    r = muse("train", "vae", "--limit", 256, "--epochs", 1, "--out", f"{TMP}/threads", env=env)
    assert r.returncode == 1, r.stderr
    assert "MUSE_NUM_THREADS: expected a number of threads from 1 to 1024, got 'two'" in r.stderr, r.stderr
    env["MUSE_NUM_THREADS"] = "1"
    r = muse("train", "vae", "--limit", 256, "--epochs", 1, "--out", f"{TMP}/threads", env=env)
    assert r.returncode == 0, r.stderr


@case
def sigint_saves_a_checkpoint_and_exits_0():
    out = f"{TMP}/sigint"
    p = subprocess.Popen([MUSE, "train", "vae", "--epochs", "50", "--log-every", "1", "--out", out],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and p.poll() is None and not (os.path.exists(f"{out}/metrics.jsonl")
                                                               and os.path.getsize(f"{out}/metrics.jsonl") > 0):
        time.sleep(0.05)
    assert p.poll() is None, p.communicate()[1]  # still training when the signal comes
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 0, (p.returncode, err)
    assert "stopped at step" in err, err
    r = muse("info", f"{out}/checkpoint.safetensors")
    step = int(r.stdout.split("step")[1].split()[0])
    assert step == len(step_rows(f"{out}/metrics.jsonl")) and step > 0


@case
def device_cuda_without_a_gpu_is_an_error():
    probe = cuda_probe()
    if probe.returncode == 0:
        return  # this machine has a GPU: --part cuda tests the commands on it
    ckpt = f"{TMP}/gan_whole/checkpoint.safetensors"
    for args in [["train", "vae", "--limit", 128], ["sample", "gan", "--checkpoint", ckpt, "--out", f"{TMP}/c.png"],
                 ["eval", "gan", "--checkpoint", ckpt], ["sample", "lstm", "--checkpoint", ckpt],
                 ["translate", "--checkpoint", ckpt, "Hello"], ["eval", "seq2seq", "--checkpoint", ckpt]]:
        r = muse(*args, "--device", "cuda")
        assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, (args, r.returncode, r.stderr)
        command = "muse " + args[0]
        assert r.stderr.startswith(f"{command}: --device cuda, but ") and "CUDA" in r.stderr, (args, r.stderr)


@heavy_case
@text_case
def lstm_trains_samples_and_reports_perplexity():
    out = f"{TMP}/lstm"
    r = muse("train", "lstm", "--corpus", "poems", "--limit", 64, "--log-every", 1, "--out", out)
    assert r.returncode == 0, r.stderr
    rows = losses(f"{out}/metrics.jsonl")
    assert len(step_rows(f"{out}/metrics.jsonl")) == 2 and "valid_perplexity" in rows[-1], rows
    ckpt = f"{out}/checkpoint.safetensors"
    info = muse("info", ckpt).stdout
    assert "tokenizer" in info and "model.lstm.weight_ih_l1" in info, info
    prefix = "春江潮水连海平"
    a = muse("sample", "lstm", "--checkpoint", ckpt, "--prefix", prefix, "--n", 20, "--top-k", 5, "--seed", 3)
    b = muse("sample", "lstm", "--checkpoint", ckpt, "--prefix", prefix, "--n", 20, "--top-k", 5, "--seed", 3)
    assert a.returncode == 0 and a.stdout == b.stdout and a.stdout.startswith(prefix), (a.stdout, a.stderr)
    assert len(a.stdout.rstrip("\n")) >= len(prefix) + 15, a.stdout  # 20 characters (some may be line breaks)
    r = muse("eval", "lstm", "--checkpoint", ckpt, "--limit", 20)
    assert r.returncode == 0 and "validation perplexity" in r.stdout, r.stdout + r.stderr
    r = muse("sample", "lstm", "--checkpoint", ckpt, "--temperature", 0)
    assert r.returncode == 2, r.stderr
    r = muse("translate", "--checkpoint", ckpt, "In the beginning")
    assert r.returncode == 1 and "holds model 'lstm'" in r.stderr, r.stderr


@heavy_case
@text_case
def gpt_trains_samples_and_reports_perplexity():
    out = f"{TMP}/gpt"
    r = muse("train", "gpt", "--limit", 48, "--log-every", 1, "--out", out)
    assert r.returncode == 0, r.stderr
    rows = step_rows(f"{out}/metrics.jsonl")
    assert len(rows) == 3 and "valid_perplexity" in losses(f"{out}/metrics.jsonl")[-1], rows
    # Warm-up: the lr climbs 3e-4 / 100 per step (PyTorch's LambdaLR logs the lr after each step).
    assert [round(row["lr"] / 3e-6, 6) for row in rows] == [2, 3, 4], rows
    ckpt = f"{out}/checkpoint.safetensors"
    info = muse("info", ckpt).stdout
    assert "tokenizer" in info and "model.h.3.attn.c_attn.weight" in info and "model.wpe.weight" in info, info
    prefix = "春江潮水连海平"
    a = muse("sample", "gpt", "--checkpoint", ckpt, "--prefix", prefix, "--n", 20, "--top-k", 5, "--seed", 3)
    b = muse("sample", "gpt", "--checkpoint", ckpt, "--prefix", prefix, "--n", 20, "--top-k", 5, "--seed", 3)
    assert a.returncode == 0 and a.stdout == b.stdout and a.stdout.startswith(prefix), (a.stdout, a.stderr)
    r = muse("eval", "gpt", "--checkpoint", ckpt, "--limit", 20)
    assert r.returncode == 0 and "validation perplexity" in r.stdout and "of 128" in r.stdout, r.stdout + r.stderr
    r = muse("sample", "lstm", "--checkpoint", ckpt, "--prefix", prefix)
    assert r.returncode == 1 and "holds model 'gpt'" in r.stderr, r.stderr
    r = muse("data", "gpt", "--out", f"{out}/data.safetensors")
    assert r.returncode == 0 and "training and" in r.stdout, r.stdout + r.stderr


@heavy_case
@text_case
def seq2seq_trains_translates_and_reports_bleu():
    out = f"{TMP}/seq2seq"
    r = muse("train", "seq2seq", "--limit", 128, "--epochs", 2, "--log-every", 1, "--out", out)
    assert r.returncode == 0, r.stderr
    rows = losses(f"{out}/metrics.jsonl")
    assert len(step_rows(f"{out}/metrics.jsonl")) == 4 and "test_bleu_greedy" in rows[-1], rows
    ckpt = f"{out}/checkpoint.safetensors"
    for beam in [1, 3]:
        r = muse("translate", "--checkpoint", ckpt, "--beam", beam, "In the beginning God created the heaven and the earth.")
        # Two epochs on 128 pairs teach little: the translation may even be empty, but it is one line.
        assert r.returncode == 0 and r.stdout.count("\n") == 1, (beam, r.stdout, r.stderr)
    r = muse("eval", "seq2seq", "--checkpoint", ckpt, "--limit", 10, "--beam", 2)
    assert r.returncode == 0 and "greedy" in r.stdout and "beam 2" in r.stdout and "BLEU" in r.stdout, r.stdout + r.stderr
    r = muse("translate", "--checkpoint", ckpt, "   ")
    assert r.returncode == 1 and "muse translate" in r.stderr, r.stderr


@heavy_case
@text_case
def tseq2seq_trains_translates_and_reports_bleu():
    out = f"{TMP}/tseq2seq"
    r = muse("train", "tseq2seq", "--limit", 16, "--epochs", 1, "--batch", 8, "--log-every", 1, "--out", out)
    assert r.returncode == 0, r.stderr
    assert len(step_rows(f"{out}/metrics.jsonl")) == 2 and "test_bleu_greedy" in losses(f"{out}/metrics.jsonl")[-1]
    ckpt = f"{out}/checkpoint.safetensors"
    info = muse("info", ckpt).stdout
    assert "model.transformer.encoder.layers.2.self_attn.in_proj_weight" in info, info
    r = muse("translate", "--checkpoint", ckpt, "--beam", 2, "In the beginning God created the heaven and the earth.")
    assert r.returncode == 0 and r.stdout.count("\n") == 1, (r.stdout, r.stderr)
    r = muse("eval", "tseq2seq", "--checkpoint", ckpt, "--limit", 4, "--beam", 2)
    assert r.returncode == 0 and "beam 2" in r.stdout and "BLEU" in r.stdout, r.stdout + r.stderr
    r = muse("eval", "seq2seq", "--checkpoint", ckpt, "--limit", 4)
    assert r.returncode == 1 and "holds model 'tseq2seq', not 'seq2seq'" in r.stderr, r.stderr


# --part cuda. The GPU draws the same Philox numbers as the CPU (the same z, dropout masks and batch
# order), so a run on either device sees the same data and noise, and the losses differ by rounding
# only, which training amplifies slowly (tests/cuda/test_optim_models.cpp: within 1e-3 over the first 30
# GAN steps). Each case runs a command on both devices and compares.
def close(a, b, rtol):
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-3)


def compare_runs(gpu_dir, cpu_dir, rtol, first=5):
    """The two runs' metrics: the same rows and keys; the first steps' losses and every end-of-epoch
    test figure within rtol; every value finite."""
    a, b = losses(f"{gpu_dir}/metrics.jsonl"), losses(f"{cpu_dir}/metrics.jsonl")
    assert len(a) == len(b) and [sorted(r) for r in a] == [sorted(r) for r in b], (a, b)
    steps = 0
    for ra, rb in zip(a, b):
        is_step = not any(k.startswith(("test_", "valid_")) for k in ra)
        steps += is_step
        for k, v in ra.items():
            assert v == v and abs(v) != float("inf"), (k, ra)
            if k.startswith(("loss", "test_loss", "test_accuracy", "valid_")) and (not is_step or steps <= first):
                assert close(v, rb[k], rtol), (k, v, rb[k], ra["step"])


def both_devices(name, *args):
    """Runs `muse train ...` on the GPU and on the CPU into TMP/cuda_NAME and TMP/cpu_NAME."""
    for device in ["cuda", "cpu"]:
        r = muse("train", *args, "--log-every", 1, "--out", f"{TMP}/{device}_{name}", "--device", device)
        assert r.returncode == 0, (device, args, r.stderr)
    return f"{TMP}/cuda_{name}", f"{TMP}/cpu_{name}"


@cuda_case
def cuda_image_models_train_as_on_the_cpu():
    for model, limit in [("gan", 640), ("vae", 1280), ("classifier", 1280), ("dcgan", 640), ("convvae", 640)]:
        gpu, cpu = both_devices(model, model, "--limit", limit, "--epochs", 1)
        compare_runs(gpu, cpu, 1e-3)
        names = [muse("info", f"{d}/checkpoint.safetensors").stdout.splitlines()[1:] for d in (gpu, cpu)]
        tensors = [[line for line in n if "float32" in line or "int64" in line] for n in names]
        assert tensors[0] == tensors[1] and tensors[0], (model, names)  # the same tensors, shapes and dtypes


@cuda_case
def cuda_checkpoints_resume_on_either_device():
    # A run stopped on one device and resumed on the other follows the run that stayed on the CPU.
    for model, first, then in [("gan", "cuda", "cpu"), ("vae", "cpu", "cuda")]:
        limit = 640 if model == "gan" else 1280
        whole, parts = f"{TMP}/{model}_cpu_whole", f"{TMP}/{model}_{first}_then_{then}"
        args = ["train", model, "--limit", limit, "--epochs", 2, "--log-every", 1]
        assert muse(*args, "--out", whole).returncode == 0
        r = muse(*args, "--out", parts, "--device", first, "--stop-after", 7)
        assert r.returncode == 0 and "stopped at step 7" in r.stderr, r.stderr
        r = muse(*args, "--out", parts, "--device", then, "--resume", f"{parts}/checkpoint.safetensors")
        assert r.returncode == 0, r.stderr
        compare_runs(parts, whole, 1e-3, first=20)


@cuda_case
def cuda_sample_and_eval_match_the_cpu():
    classifier = f"{TMP}/cuda_classifier/checkpoint.safetensors"  # trained on the GPU by the case above
    for model in ["gan", "vae"]:
        ckpt = f"{TMP}/cuda_{model}/checkpoint.safetensors"
        out = {}
        for device in ["cuda", "cpu"]:
            png = f"{TMP}/{model}_{device}.png"
            r = muse("sample", model, "--checkpoint", ckpt, "--n", 16, "--out", png, "--device", device)
            assert r.returncode == 0 and open(png, "rb").read()[:8] == b"\x89PNG\r\n\x1a\n", r.stderr
            r = muse("eval", model, "--checkpoint", ckpt, "--limit", 1000, "--classifier", classifier, "--device", device)
            assert r.returncode == 0, r.stderr
            out[device] = r.stdout
        fid = [float(out[d].split("FID-FMNIST:")[1].split()[0]) for d in ["cuda", "cpu"]]
        assert close(fid[0], fid[1], 1e-3), (model, fid)
        if model == "vae":
            loss = [float(out[d].split("test loss:")[1].split()[0]) for d in ["cuda", "cpu"]]
            assert close(loss[0], loss[1], 1e-4), loss
    accuracy = []
    for device in ["cuda", "cpu"]:
        r = muse("eval", "classifier", "--checkpoint", classifier, "--limit", 2000, "--device", device)
        assert r.returncode == 0, r.stderr
        accuracy.append(float(r.stdout.split("test_accuracy:")[1].split()[0]))
    assert abs(accuracy[0] - accuracy[1]) <= 2 / 2000, accuracy  # a tie between two logits may flip a label


@cuda_case
def cuda_language_models_train_sample_and_eval():
    prefix = "春江潮水连海平"
    for model, limit in [("lstm", 64), ("gpt", 48)]:
        gpu, cpu = both_devices(model, model, "--limit", limit)
        compare_runs(gpu, cpu, 1e-3)
        ckpt = f"{gpu}/checkpoint.safetensors"
        r = muse("sample", model, "--checkpoint", ckpt, "--prefix", prefix, "--n", 20, "--top-k", 5, "--device", "cuda")
        assert r.returncode == 0 and r.stdout.startswith(prefix), (r.stdout, r.stderr)
        perplexity = []
        for device in ["cuda", "cpu"]:
            r = muse("eval", model, "--checkpoint", ckpt, "--limit", 20, "--device", device)
            assert r.returncode == 0, r.stderr
            perplexity.append(float(r.stdout.split("validation perplexity:")[1].split()[0]))
        assert close(perplexity[0], perplexity[1], 1e-4), (model, perplexity)


@cuda_case
def cuda_translators_train_translate_and_eval():
    sentence = "In the beginning God created the heaven and the earth."
    for model, args in [("seq2seq", ["--limit", 128, "--epochs", 2]), ("tseq2seq", ["--limit", 16, "--epochs", 1, "--batch", 8])]:
        gpu, cpu = both_devices(model, model, *args)
        compare_runs(gpu, cpu, 1e-3)
        ckpt = f"{gpu}/checkpoint.safetensors"
        for beam in [1, 3]:
            out = [muse("translate", "--checkpoint", ckpt, "--beam", beam, sentence, "--device", d) for d in ["cuda", "cpu"]]
            assert out[0].returncode == 0 and out[0].stdout.count("\n") == 1, (beam, out[0].stdout, out[0].stderr)
            assert out[0].stdout == out[1].stdout, (model, beam, out[0].stdout, out[1].stdout)
        r = muse("eval", model, "--checkpoint", ckpt, "--limit", 10, "--beam", 2, "--device", "cuda")
        assert r.returncode == 0 and "greedy" in r.stdout and "beam 2" in r.stdout, r.stdout + r.stderr


def part_of(fn):
    return "cuda" if getattr(fn, "cuda", False) else "text" if getattr(fn, "text", False) else "image"


cases = [fn for fn in cases if (PART is None and part_of(fn) != "cuda") or PART == part_of(fn)]
if PART == "cuda":
    probe = cuda_probe()
    if probe.returncode != 0 and "--device cuda, but" in probe.stderr:
        print(f"skipped: {probe.stderr.strip()}")
        sys.exit(77)
passed = skipped = 0
for fn in cases:
    if QUICK and getattr(fn, "conv", False):
        skipped += 1
        print(f"skip  {fn.__name__} (--quick)")
        continue
    start = time.time()
    try:
        fn()
        passed += 1
        print(f"ok    {fn.__name__} ({time.time() - start:.1f} s)")
    except Exception as e:  # report every case, then the summary
        print(f"FAIL  {fn.__name__} ({time.time() - start:.1f} s): {e!r}")
failed = len(cases) - passed - skipped
print(f"test cases: {len(cases)} | {passed} passed | {failed} failed | {skipped} skipped")
sys.exit(0 if failed == 0 else 1)
