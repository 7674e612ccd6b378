# deploylab — every target a user runs. The lab's logic lives in `deploylab` (the CLI);
# this file only sets up what is missing and calls it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAB := $(BIN)/deploylab
PYTEST := $(BIN)/python -m pytest
SERVICE_REQS := $(wildcard services/*/requirements.txt)
# The services and what they share, installed editable: tests import them as packages.
SERVICE_PKGS := services/common $(patsubst %/requirements.txt,%,$(SERVICE_REQS))

.PHONY: help setup docker vagrant tools test test-unit test-contract test-models lint \
        model-a model-b model-c model-d model-d-swarm down status seed \
        compare base-image bench-services bench-gateway clean

help:
	@grep -E '^[a-z][a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

setup: $(VENV)/.ok ## the lab's virtual environment (.venv) with every service's requirements

$(VENV)/.ok: pyproject.toml $(SERVICE_REQS) $(addsuffix /pyproject.toml,$(SERVICE_PKGS))
	@PYTHON=$(PYTHON) bash scripts/system-deps.sh python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,c]' $(addprefix -r ,$(SERVICE_REQS)) $(addprefix -e ,$(SERVICE_PKGS))
	@touch $@

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
