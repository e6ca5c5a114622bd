# The two commands of the README: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test install install-test install-bench install-lint lint bench soak mutate messages check-deploy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

install-bench: $(VENV)/.installed-bench

$(VENV)/.installed-lint: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

install-lint: $(VENV)/.installed-lint

## make lint: ruff (rules and formatting) and mypy with django-stubs, configured in pyproject.toml.
## All three run, so one failure does not hide the others; any failure fails the target.
lint: install-lint
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

## make run: install, migrate, load the demo data and start the site with its worker.
run: install
	@mkdir -p var/static
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py rundev

## make test: install with the test extras and run the whole suite, on TEST_WORKERS processes
## (pytest-xdist; each has its own test database and Redis databases, see tests/settings.py).
## TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= 2
test: install-test
	@mkdir -p var
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## make bench: the benchmarks under tests/bench (not part of make test), the load run included.
bench: install-bench
	@mkdir -p var
	$(BIN)/python -m pytest tests/bench -p no:cacheprovider -s -o addopts="" $(PYTEST_ARGS)

## make soak: the load run under agency faults and a worker restart, then a consistency check.
soak: install-bench
	@mkdir -p var
	$(BIN)/python -m pytest tests/bench/soak -p no:cacheprovider -s -o addopts="" -o python_files="soak_*.py" $(PYTEST_ARGS)

## make mutate: mutation testing of the modules that hold the rules (not part of make test: slow).
## Prints the kill rate per module and the survivors; see mutate/run.py and mutate/SURVIVORS.md.
MUTATE_ARGS ?=
mutate: install-test
	@mkdir -p var
	nice -n 10 $(BIN)/python mutate/run.py $(MUTATE_ARGS)

## make messages: refresh the translation catalogues after changing strings, then compile them.
messages: install-test
	$(BIN)/python manage.py makemessages -l ko -l en --no-obsolete \
		--ignore='.venv/*' --ignore='var/*' --ignore='static/vendor/*' --ignore='tests/*' --ignore='build/*'
	$(BIN)/python manage.py makemessages -d djangojs -l ko -l en --no-obsolete \
		--ignore='.venv/*' --ignore='var/*' --ignore='static/vendor/*' --ignore='tests/*' --ignore='build/*'
	$(BIN)/python manage.py compilemessages --ignore='.venv/*'

clean:
	rm -rf $(VENV) var
