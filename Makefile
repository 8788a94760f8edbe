# PeerHub developer and CI entry points. CI runs `bash .ci/run`, which ends in `make ci`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

CARGO ?= cargo
BIN := ./target/release/peerhub
# Extra arguments for cargo-nextest, e.g. `make test TEST_ARGS='-E "test(auth)"'`
TEST_ARGS ?=

.PHONY: run build test lint fmt-check clippy layering openapi contract optimality ci bench load

## run: build the release binary, load the demo data, then serve (prints URLs and logins)
run:
	@echo "make run: building the release binary (the first build compiles ~370 crates: 7 to 10 minutes on 2 cores; later builds take seconds)"
	$(CARGO) build --release -p peerhub-server
	mkdir -p "$${PEERHUB_DATA_DIR:-data}"
	$(BIN) demo
	exec $(BIN) serve

## build: build the whole workspace (debug)
build:
	$(CARGO) build --workspace

## test: all tests (unit + end-to-end, sqlite and postgres) with cargo-nextest
test:
	bash .ci/test.sh $(TEST_ARGS)

## lint: rustfmt, clippy (warnings are errors), and the domain layering check
lint: fmt-check clippy layering

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# peerhub-domain must not depend on sea-orm or actix-web (see .ci/layering.sh)
layering:
	bash .ci/layering.sh peerhub-domain sea-orm actix-web

## openapi: regenerate the committed spec from the code
openapi:
	$(CARGO) run -q -p peerhub-server -- openapi > openapi/openapi.json.tmp \
		|| { rm -f openapi/openapi.json.tmp; exit 1; }
	mv openapi/openapi.json.tmp openapi/openapi.json

## bench: server memory under a burst of 500 logins at 100 concurrent (release binary); timings over real HTTP on SQLite and PostgreSQL (CSV export of 10,000 members; review queue of 50 CoPs x 200 pending; a CoP calendar feed of 500 meetings; matching runs over 1,000 waiting; the governance report of 100 CoPs x 5 years of monthly meetings as JSON, CSV and HTML) and of the matching engines (vs NetworkX when .ci/.venv has it)
bench:
	$(CARGO) build --release -p peerhub-server
	if source .ci/pg.sh; then export PEERHUB_TEST_DATABASE_URL; fi; \
		$(CARGO) bench -p peerhub-tests --bench login_burst && \
		$(CARGO) bench -p peerhub-tests --bench communities && \
		$(CARGO) bench -p peerhub-tests --bench meetings && \
		$(CARGO) bench -p peerhub-tests --bench matching_runs && \
		$(CARGO) bench -p peerhub-tests --bench governance_report && \
		$(CARGO) bench -p peerhub-tests --bench webhooks && \
		$(CARGO) bench -p peerhub-domain --bench matching

## load: requests per second of the common reads (me, a community, a meeting, a members page of 50, the CoP calendar feed, list pages) as a share of /health/live, with p99, under wrk -t2 -c16 on SQLite and PostgreSQL with the demo data (release build); see docs/performance.md
load:
	bash .ci/load.sh

## optimality: the matching engines against NetworkX and SciPy on random instances (equal totals)
optimality:
	bash .ci/optimality.sh

## contract: validate the spec and fuzz a live server against it (schemathesis)
contract:
	bash .ci/contract.sh

## ci: everything CI runs, in order
# Each step prints how long it took, so a CI log shows where its time goes.
ci:
	s=$$SECONDS; $(MAKE) --no-print-directory lint; echo "ci: lint took $$((SECONDS - s)) s"
	s=$$SECONDS; $(MAKE) --no-print-directory test; echo "ci: test took $$((SECONDS - s)) s"
	s=$$SECONDS; $(MAKE) --no-print-directory optimality; echo "ci: optimality took $$((SECONDS - s)) s"
	s=$$SECONDS; PEERHUB_CONTRACT_PROFILE=debug $(MAKE) --no-print-directory contract; \
		echo "ci: contract took $$((SECONDS - s)) s"
