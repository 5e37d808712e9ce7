# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench docs tables playground-load clean

# setup.py builds the optional compiled kernels (src/actlab/catalog/_fast.c,
# src/actlab/formula/_vm.c) in place
$(STAMP): pyproject.toml setup.py src/actlab/catalog/_fast.c src/actlab/formula/_vm.c \
		src/actlab/formula/_vm_eval.h src/actlab/formula/_vm_block.h src/actlab/formula/_vm_dd.h src/actlab/formula/_vm_erf.h \
		src/actlab/formula/_vm_tier.h
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	# torch is pinned so pip takes the local CPU build instead of resolving a CUDA one.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[all]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/actlab report --quick --out actlab-report
	@echo "open $(CURDIR)/actlab-report/index.html"

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/actlab bench kernels
	$(BIN)/actlab bench engine

# regenerate the figures and tables the README and docs/ link to
docs: $(STAMP)
	$(BIN)/actlab plot -o docs/activations.png
	$(BIN)/python benchmarks/ulp_table.py
	$(BIN)/python benchmarks/speed_tables.py
	$(BIN)/python tools/mnist_screenshot.py
	$(BIN)/python benchmarks/mnist_live.py --write docs/mnist-speed.md
	$(BIN)/python tools/docs_blocks.py

# regenerate the catalog's generated tables (mpmath), formatted as committed; a test checks that
# the committed ones equal a fresh generation
tables: $(STAMP)
	for t in special roots; do \
	  PYTHONPATH=src $(BIN)/python tools/gen_$$t.py > /tmp/actlab_$$t.py || exit 1; \
	  $(BIN)/ruff format -q /tmp/actlab_$$t.py && mv /tmp/actlab_$$t.py src/actlab/catalog/_$${t}_table.py; \
	done

# the playground's isolation figures (about 2 minutes; the machine should be otherwise idle)
playground-load: $(STAMP)
	$(BIN)/python benchmarks/playground_load.py --only isolation --markdown docs/playground-load.md

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
