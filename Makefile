# The two commands of the quick start:
#   make demo   create .venv, install rosenblatt, train the default CNN on MNIST 3 vs 8
#   make test   create .venv, install rosenblatt with its test dependencies, run the test suite
#   make bench  time rosenblatt against PyTorch and scikit-learn (benchmarks/run.py)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test bench install install-test browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(PIP) install -e .

install-test: $(BIN)/python
	$(PIP) install -e '.[test]'

demo: install
	$(BIN)/rosenblatt train

test: install-test browser
	$(BIN)/python -m pytest

# The report test renders report.html in headless Chromium, from the system's packages.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  (echo "make test needs Chromium for the report test: install the chromium package (as root: apt-get install chromium)"; exit 1)

bench: install-test
	$(BIN)/python benchmarks/run.py --profile

clean:
	rm -rf $(VENV) runs build src/*.egg-info .pytest_cache
