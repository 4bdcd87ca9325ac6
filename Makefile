# Angel Intelligence: the two commands (see README.md) and the developer loop.
#   make run        the main job on the embedded default (SQLite, bundled small models, local storage)
#   make test       the whole test suite (installs what it needs, starts MariaDB when it is not running)
#   make test-fast  the unit tier only (no database server, no network): under a minute
#   make check      ruff, ruff format, mypy (strict) and the import-linter layer contracts
#   make test-isa   the ASR-dependent tests under every CTranslate2 CPU kernel (issue 20)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
DEMO_ARGS ?=

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=

.PHONY: run test test-fast test-isa check install system-packages services clean

run: install
	$(BIN)/angel demo $(DEMO_ARGS)

test: install services
	$(BIN)/python -m pytest -n auto -p no:cacheprovider $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -n auto -p no:cacheprovider tests/unit $(PYTEST_ARGS)

# The tests whose inputs pass through Whisper, once per kernel CTranslate2 can pick on x86-64
# (it picks AVX-512 or AVX2 by CPU, and the words differ): they must hold under every one.
ISA_KERNELS ?= GENERIC AVX AVX2 AVX512
ISA_TESTS ?= tests/integration/speech tests/integration/test_pii_speech.py \
	tests/integration/test_pii_speech_windows.py tests/integration/e2e tests/integration/test_readme.py
test-isa: install services
	@for isa in $(ISA_KERNELS); do \
		echo "== CT2_FORCE_CPU_ISA=$$isa"; \
		CT2_FORCE_CPU_ISA=$$isa $(BIN)/python -m pytest -n auto -p no:cacheprovider -q \
			$(ISA_TESTS) $(PYTEST_ARGS) || exit 1; \
	done

check: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

install: system-packages $(STAMP)

# torch first and pinned: any other torch request pulls gigabytes of CUDA wheels.
$(STAMP): pyproject.toml requirements-nodeps.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

system-packages:
	@scripts/ensure-system-packages.sh

services:
	@scripts/ensure-mariadb.sh

clean:
	rm -rf $(VENV) data storage temp .pytest_cache
