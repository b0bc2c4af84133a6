# Gauntlet: `make demo` runs the platform on its embedded default; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Source packages checked by ruff and mypy.
CODE := platform labeling attacks ml_worker manage.py
DEMO_ADDR ?= 127.0.0.1:8000
TORCH := torch==2.13.0
# apt needs root: sudo when not already root.
SUDO := $(shell test "$$(id -u)" = 0 || echo sudo)

.PHONY: install lock lint typecheck check-services test demo bench clean

install: $(STAMP)

# Re-runs only when pyproject.toml, requirements.lock or package-lock.json changes. torch is
# installed first and pinned: an unpinned torch would pull several GB of CUDA packages (it is
# kept out of the lock for that reason). Every other package is installed at exactly the
# version requirements.lock names (`make lock` writes it). The browser tests drive Debian's
# Chromium (apt, only when missing; never a browser download) and the pages serve the npm
# libraries from node_modules (npm ci: exactly package-lock.json).
$(STAMP): pyproject.toml requirements.lock package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	test -x /usr/bin/chromium || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver; }
	npm ci --no-audit --no-fund
	touch $(STAMP)

# Resolve pyproject.toml's dependencies (the dev extra included) once, into requirements.lock:
# run it after changing a dependency, and commit the lock with the change. torch stays out of
# the lock (pinned above); the last line refuses a lock that would pull CUDA packages.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(VENV)/bin/pip-compile || $(PY) -m pip install --quiet 'pip-tools>=7.4'
	printf '%s\n' '$(TORCH)' > $(VENV)/torch-constraint.txt
	CUSTOM_COMPILE_COMMAND='make lock' $(VENV)/bin/pip-compile --quiet --extra dev --strip-extras \
		--unsafe-package torch --no-emit-index-url --no-emit-find-links --annotation-style line \
		-c $(VENV)/torch-constraint.txt -o requirements.lock pyproject.toml
	! grep -Eiq '^(nvidia-|triton==|torch==)' requirements.lock

lint: install
	$(VENV)/bin/ruff format --check $(CODE) tests scripts
	$(VENV)/bin/ruff check $(CODE) tests scripts

typecheck: install
	$(VENV)/bin/mypy $(CODE)

check-services:
	@$(PY) scripts/check_services.py

test: install check-services lint typecheck
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(PY) -m pytest --create-db

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_setup
	$(PY) manage.py runserver $(DEMO_ADDR)

# make bench NAME=claim  (python manage.py bench lists them). Benchmarks need the real
# services, so they run with the test settings: PostgreSQL and Redis on loopback.
bench: install check-services
	$(PY) scripts/bench_database.py
	DJANGO_SETTINGS_MODULE=gauntlet.settings.test $(PY) manage.py migrate --noinput -v0
	DJANGO_SETTINGS_MODULE=gauntlet.settings.test $(PY) manage.py bench $(NAME) --json

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
