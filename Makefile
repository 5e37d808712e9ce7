# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	# torch is pinned so pip takes the local CPU build instead of resolving a CUDA one.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[all]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/actlab report --quick --out actlab-report
	@echo "open $(CURDIR)/actlab-report/index.html"

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/actlab bench kernels
	$(BIN)/actlab bench engine

# regenerate the figures and tables the README links to
docs: $(STAMP)
	$(BIN)/actlab plot -o docs/activations.png
	$(BIN)/python benchmarks/ulp_table.py
	$(BIN)/python tools/mnist_screenshot.py
	$(BIN)/python benchmarks/mnist_live.py --write docs/mnist-speed.md

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
