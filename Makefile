# deploylab — every target a user runs. The lab's logic lives in `deploylab` (the CLI);
# this file only sets up what is missing and calls it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAB := $(BIN)/deploylab
PYTEST := $(BIN)/python -m pytest
SERVICE_REQS := $(sort $(wildcard services/*/requirements.txt))
# The services and what they share, installed editable: tests import them as packages.
SERVICE_PKGS := services/common $(patsubst %/requirements.txt,%,$(SERVICE_REQS))
# The load generator's own environment: Locust and loadtests/, apart from the services' pins in .venv.
LOADGEN := .venv-loadgen
# Every third-party package of both environments comes from a lock, pinned and hashed (`make lock` writes them).
LAB_LOCK := requirements/lab.lock
LOADGEN_LOCK := requirements/loadgen.lock

.PHONY: help setup lock docker vagrant tools test test-unit test-contract test-models lint \
        model-a model-b model-c model-d model-d-swarm down status seed \
        compare base-image bench-services bench-gateway clean

help:
	@grep -E '^[a-z][a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

setup: $(VENV)/.ok $(LOADGEN)/.ok ## the lab's .venv (its tools, every service's pins) and the load generator's .venv-loadgen, from requirements/*.lock

# $(call locked-venv,DIR,LOCK): DIR made anew with exactly LOCK's packages, wheels only, every file's hash checked.
define locked-venv
@PYTHON=$(PYTHON) bash scripts/system-deps.sh python
$(PYTHON) -m venv --clear $(1)
$(1)/bin/python -m pip install -q --require-hashes --only-binary :all: -r $(2)
@touch $(1)/.locked
endef
# $(call editable,DIR,PROJECTS): the local projects, editable, on the locked packages (their own dependencies are in
# the lock; local folders cannot be hash-checked), built by the locked setuptools. pip check: nothing missing.
define editable
$(1)/bin/python -m pip install -q --no-deps --no-build-isolation $(addprefix -e ,$(2))
@$(1)/bin/python -m pip check >/dev/null || { $(1)/bin/python -m pip check; \
  echo "setup: $(1) lacks what a project needs: its lock is out of date, run make lock" >&2; exit 1; }
@touch $(1)/.ok
endef

$(VENV)/.locked: $(LAB_LOCK)
	$(call locked-venv,$(VENV),$(LAB_LOCK))
$(VENV)/.ok: $(VENV)/.locked pyproject.toml $(addsuffix /pyproject.toml,$(SERVICE_PKGS))
	$(call editable,$(VENV),. $(SERVICE_PKGS))
$(LOADGEN)/.locked: $(LOADGEN_LOCK)
	$(call locked-venv,$(LOADGEN),$(LOADGEN_LOCK))
$(LOADGEN)/.ok: $(LOADGEN)/.locked loadtests/pyproject.toml
	$(call editable,$(LOADGEN),loadtests)

# $(call compile,LOCK,SOURCES): LOCK from SOURCES by uv (installed from lab.lock), for every Python from 3.11 and every
# platform, each version with all its files' hashes. Its current pins are kept where they still fit; the file is
# replaced only when it changed, so that an unchanged lock does not make `make setup` rebuild.
define compile
@cp $(1) $(1).new 2>/dev/null || true
$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes --custom-compile-command 'make lock' \
  $(LOCK_ARGS) $(2) -o $(1).new
@if cmp -s $(1).new $(1); then rm $(1).new; echo "$(1): unchanged"; else mv $(1).new $(1); echo "$(1): written"; fi
endef

lock: $(VENV)/.locked ## pin and hash both environments' packages: requirements/*.lock (existing pins kept unless LOCK_ARGS=--upgrade)
	$(call compile,$(LAB_LOCK),pyproject.toml --all-extras $(SERVICE_REQS) requirements/build.in)
	$(call compile,$(LOADGEN_LOCK),loadtests/pyproject.toml requirements/build.in)

test: setup ## every test: units, middleware, contract suite, and each model this machine can run
	bash tests/run.sh

lint: setup ## ruff over everything, and the type check of the lab and the models (mypy, configured in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/mypy

docker: ## install Docker (docker.io, docker-compose, debootstrap) when missing and start dockerd
	@bash scripts/system-deps.sh docker
	@bash scripts/ensure-docker.sh
vagrant: docker ## install Vagrant when missing (model C uses its docker provider here)
	@bash scripts/system-deps.sh vagrant

model-a: setup ## model A: one waitress process hosts all three apps
	$(LAB) up a --seed
model-b: setup ## model B: one waitress process per service behind the gateway
	$(LAB) up b --seed
model-c: setup vagrant ## model C: one VM per service (Vagrant + Ansible)
	$(LAB) up c --seed
model-d: setup docker ## model D: one container per service (Docker Compose)
	$(LAB) up d --seed
model-d-swarm: setup docker ## model D on a single-node Docker Swarm
	$(LAB) up d --swarm --seed

down: setup ## stop whatever model the lab started
	$(LAB) down
status: setup ## what runs now
	$(LAB) status
seed: setup ## load the deterministic sample data through the entry address
	$(LAB) seed

compare: setup ## the lab's main job: measure every model this machine can run, side by side
	@bash scripts/system-deps.sh docker vagrant && bash scripts/ensure-docker.sh \
	  || echo "compare: Docker could not be set up; models C and D will be reported as skipped"
	$(LAB) compare

base-image: setup docker ## the local Debian + Python base image for model D (no registry needed)
	$(LAB) build-base-image

bench-services: setup tools ## requests/s of Students and Grades vs. hello-world apps of the same frameworks
	$(BIN)/python benchmarks/services.py
bench-gateway: setup tools ## gateway overhead vs. direct
	$(BIN)/python benchmarks/gateway.py

tools:
	@bash scripts/system-deps.sh tools

clean: ## remove the lab's state (stop models first with `make down`)
	rm -rf .lab
