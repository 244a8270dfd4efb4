#!/usr/bin/env python3
"""The ninja targets that the tests of a configured meson build need, less those of the suites named.

    python3 .ci/test_targets.py BUILD_DIR [--no-suite SUITE ...]

`make test-sanitize` builds only these (the slow suite's programs are never run there), then runs
`meson test --no-rebuild`. Reads `meson introspect --tests --targets` (each test names the targets it
depends on by id) and prints the targets' output paths relative to BUILD_DIR, one line.
"""
import json
import os
import subprocess
import sys

build = sys.argv[1]
skip = {sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--no-suite"}
info = json.loads(subprocess.run(["meson", "introspect", build, "--tests", "--targets"],
                                 capture_output=True, text=True, check=True).stdout)
outputs = {t["id"]: t["filename"] for t in info["targets"]}
wanted = set()
for test in info["tests"]:
    # A suite is reported as "project:suite" ("muse" alone for the default suite).
    if any(s.split(":", 1)[-1] in skip for s in test["suite"]):
        continue
    for target in test["depends"]:
        wanted.update(os.path.relpath(f, os.path.abspath(build)) for f in outputs[target])
print(" ".join(sorted(wanted)))
