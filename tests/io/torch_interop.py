#!/usr/bin/python3
"""muse's safetensors files against PyTorch, both ways, without the safetensors package (json, struct
and torch.frombuffer only). Runs the C++ helper given as the first argument:
  1. muse writes sample_tensors(); this script parses the file by hand and checks every value.
  2. this script writes the same tensors (header in reversed order, data in the original order, the
     __metadata__ last); muse loads the file and checks it.
Exits 77 (skipped for meson) when torch cannot be imported. The tensors here must match
tests/io/sample_tensors.h."""
import ctypes
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import torch
except ImportError:
    print("torch is not importable: skipped")
    sys.exit(77)

torch.set_num_threads(2)
DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "BOOL": torch.bool}
NAMES = {v: k for k, v in DTYPES.items()}


def sample_tensors():
    lo, hi = torch.iinfo(torch.int64).min, torch.iinfo(torch.int64).max
    return [
        ("f32", (torch.arange(24, dtype=torch.float32) * 0.5 - 3).reshape(2, 3, 4)),
        ("f64", (torch.arange(6, dtype=torch.float64) / 3).reshape(3, 2)),
        ("i64", torch.tensor([lo, -1, 0, 1, 2**53 + 1, hi], dtype=torch.int64)),
        ("bool", torch.tensor([1, 0, 0, 1, 0, 1, 1]) != 0),
        ("scalar", torch.tensor(3.25, dtype=torch.float32)),
        ("flag", torch.tensor(True)),
        ("empty", torch.zeros(0, 3, dtype=torch.float64)),
        ("empty_i64", torch.zeros(2, 0, dtype=torch.int64)),
        ("transposed", torch.arange(12, dtype=torch.float32).reshape(3, 4).t()),
    ]


def read(path):
    """(tensors as a list of (name, tensor) in header order, metadata), checking the layout on the way."""
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    assert (8 + n) % 8 == 0, f"data starts at {8 + n}, not 8-byte aligned"
    header = json.loads(data[8 : 8 + n])
    metadata = header.pop("__metadata__", {})
    buffer = data[8 + n :]
    tensors, covered = [], 0
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        assert begin == covered, f"{name}: data starts at {begin}, expected {covered}"
        covered = end
        dtype, shape = DTYPES[entry["dtype"]], entry["shape"]
        if begin == end:
            t = torch.empty(shape, dtype=dtype)
        else:  # a private copy of the bytes: writable and aligned for frombuffer
            t = torch.frombuffer(bytearray(buffer[begin:end]), dtype=dtype).reshape(shape)
        tensors.append((name, t))
    assert covered == len(buffer), f"{len(buffer) - covered} bytes after the last tensor"
    return tensors, metadata


def write(path, tensors, metadata):
    header, chunks, offset = {}, {}, 0
    for name, t in tensors:  # data in list order
        t = t.contiguous()
        size = t.numel() * t.element_size()
        chunks[name] = ctypes.string_at(t.data_ptr(), size) if size else b""
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
    ordered = {name: header[name] for name, _ in reversed(tensors)}
    ordered["__metadata__"] = metadata
    text = json.dumps(ordered).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks[name] for name, _ in tensors))


def main():
    tool = sys.argv[1]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "muse.safetensors")
        subprocess.run([tool, "write", path], check=True)
        tensors, metadata = read(path)
        expected = sample_tensors()
        if [n for n, _ in tensors] != [n for n, _ in expected]:
            print(f"muse -> torch: names {[n for n, _ in tensors]}")
            failures += 1
        for (name, t), (_, e) in zip(tensors, expected):
            if t.dtype != e.dtype or t.shape != e.shape or not torch.equal(t, e):
                print(f"muse -> torch: {name} is {t}, expected {e}")
                failures += 1
        if metadata != {"producer": "muse"}:
            print(f"muse -> torch: metadata {metadata}")
            failures += 1
        muse_ok = failures == 0

        path = os.path.join(tmp, "torch.safetensors")
        write(path, sample_tensors(), {"producer": "torch"})
        torch_ok = subprocess.run([tool, "check", path]).returncode == 0
    passed = int(muse_ok) + int(torch_ok)
    print(f"muse -> torch: {'ok' if muse_ok else 'FAILED'}; torch -> muse: {'ok' if torch_ok else 'FAILED'}")
    print(f"test cases: 2 | {passed} passed | {2 - passed} failed")  # the summary .ci/run counts
    return 0 if passed == 2 else 1


if __name__ == "__main__":
    sys.exit(main())
