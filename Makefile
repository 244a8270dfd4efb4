# The two commands of the README. Both install what is missing (Debian 12, apt-get), configure a
# release build with meson (CUDA included when nvcc is found), and build.
#   make demo   trains the GAN on Fashion-MNIST (about three minutes on 2 cores) into runs/demo/
#   make test   runs every test
BUILD ?= build
# The text corpora's packages (data/include/muse/data/corpora.h): OpenCC for simplified Chinese, the KJV and
# Reina-Valera Bibles with their readers. npm (for the Tang poems' chinese-poetry package) comes from
# Debian only where no other npm is on the PATH: Debian's npm conflicts with NodeSource's nodejs.
CORPUS_PACKAGES := opencc libopencc-dev bible-kjv sword-text-sparv diatheke
CHINESE_POETRY := /usr/lib/node_modules/chinese-poetry
PACKAGES := g++ pkg-config cmake meson ninja-build libeigen3-dev doctest-dev libbenchmark-dev zlib1g-dev libcli11-dev \
            nlohmann-json3-dev libstb-dev libpcre2-dev dataset-fashion-mnist $(CORPUS_PACKAGES)
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
export PATH := /usr/local/cuda/bin:$(PATH)

.PHONY: deps corpora build demo test test-sanitize bench bench-compare clean

# apt-get installs those of the packages $(1) that are missing.
define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; $(call apt_get,$$missing); \
	fi
endef

apt_get = $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(1)

# npm installs the Tang poems (about 350 MB of JSON) when they are missing, into /usr/lib/node_modules
# (--prefix /usr: Debian's npm would choose /usr/local).
define npm_install
	@test -d $(CHINESE_POETRY) || { \
	  command -v npm >/dev/null || { $(call apt_get,npm); }; \
	  echo "installing: chinese-poetry (npm)"; $(SUDO) npm install -g --prefix /usr chinese-poetry; }
endef

deps:
	$(call apt_install,$(PACKAGES))
	$(npm_install)

corpora:
	$(call apt_install,$(CORPUS_PACKAGES))
	$(npm_install)

build: deps
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD)
	ninja -C $(BUILD)

demo: build
	./$(BUILD)/tools/muse train gan --out runs/demo

test: build
	meson test -C $(BUILD) --print-errorlogs

# The suite under AddressSanitizer and UndefinedBehaviorSanitizer, less the slow suite (model training
# runs) and the muse_cli cases that train convolutional models (tests/meson.build passes --quick). Only
# the programs these tests run are built (.ci/test_targets.py): the slow suite's would never run.
test-sanitize: deps
	@test -f build-sanitize/build.ninja || meson setup build-sanitize -Dsanitize=true -Dbuildtype=plain -Doptimization=1 -Dcuda=disabled -Dbench=false
	ninja -C build-sanitize build.ninja
	ninja -C build-sanitize $$(python3 .ci/test_targets.py build-sanitize --no-suite slow)
	meson test -C build-sanitize --no-rebuild --print-errorlogs --no-suite slow

# The benchmarks are left out of the default build (CI never runs them); this turns them on.
bench: build
	meson configure $(BUILD) -Dbench=true
	ninja -C $(BUILD)
	./$(BUILD)/bench/bench_kernels

# muse against PyTorch 1.13 (Debian's python3-torch) on the six workloads' steps, interleaved, one table
# (bench/compare.py; also written as JSON under bench/results/). COMPARE_ARGS passes options to it,
# e.g. COMPARE_ARGS="--rounds 3 --only lstm_lm,gpt". Run it on a quiet machine.
bench-compare: build
	$(call apt_install,python3-torch)
	meson configure $(BUILD) -Dbench=true
	ninja -C $(BUILD) bench/bench_steps
	/usr/bin/python3 bench/compare.py $(BUILD) $(COMPARE_ARGS)

clean:
	rm -rf $(BUILD) build-sanitize
