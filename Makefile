# Hubwire: the two commands are `make run` and `make test`.
# Everything the project needs is installed here: uv into .tools/, then the
# workspace into .venv/ (Python 3.11+ from the machine).

PYTHON ?= python3
UV := .tools/bin/uv
UV_VERSION := 0.13.8
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv

.PHONY: run demo test install protos lint bench clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

.venv/.synced: .tools/bin/uv pyproject.toml uv.lock $(wildcard */*/pyproject.toml)
	$(UV) sync --frozen --all-packages
	touch $@

install: .venv/.synced

run: install
	$(UV) run --frozen python -m hubwire.devstack run

demo: install
	$(UV) run --frozen python -m hubwire.devstack demo

test: install
	$(UV) run --frozen pytest -q

protos: install
	$(UV) run --frozen python scripts/gen_protos.py

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

bench: install
	$(UV) run --frozen python bench/translate_bench.py
	$(UV) run --frozen python bench/delivery_bench.py

clean:
	rm -rf .venv .tools var
