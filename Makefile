# tide and allocbench: top-level build.
#
#   make          install missing Debian packages, build everything
#   make test     ... and run every test
#   make bench    ... and run the default benchmark suite, write results and figures
#
# Each part of the tree contributes a make fragment (*.mk) that appends to
#   ALL_TARGETS   files built by `make`
#   TEST_TARGETS  phony targets run by `make test`, in order
#   CLEAN_FILES   extra files removed by `make clean`
# Objects go under build/. CC=clang works everywhere.

CC       ?= gcc
CXX      ?= g++
ifeq ($(origin CC),default)
CC := gcc
endif
ifeq ($(origin CXX),default)
CXX := g++
endif
OPT      ?= -O2
WARN     := -Wall -Wextra -Werror
CFLAGS   ?= $(OPT) -g
CXXFLAGS ?= $(OPT) -g
BASE_CFLAGS   := -std=c11 $(WARN) -D_GNU_SOURCE -pthread
BASE_CXXFLAGS := -std=c++17 $(WARN) -D_GNU_SOURCE -pthread
BUILD    := build
# Builds print one short line per file ("  CC   build/rel/arena.o");
# make V=1 prints the whole commands.
V ?= 0
ifeq ($(V),1)
Q :=
say =
else
Q := @
say = printf '  %-4s %s\n' '$(1)' '$@';
endif
DEPS_STAMP := $(BUILD)/.deps-ok

ALL_TARGETS  :=
TEST_TARGETS :=
CLEAN_FILES  :=

.DEFAULT_GOAL := all
.PHONY: all test bench deps clean reproduce test-reproduce regress regress-baseline
.DELETE_ON_ERROR:

# The setup script is idempotent and quiet; the stamp only saves its
# dpkg-query round on every make. Delete build/ to re-check.
$(DEPS_STAMP): scripts/setup-deps.sh
	@sh scripts/setup-deps.sh
	@mkdir -p $(BUILD) && touch $@
deps: $(DEPS_STAMP)

include allocator/tide.mk
# Fragments of the other parts, in a fixed order: tests of tide first.
-include $(sort $(wildcard allocator/test/*.mk))
# workloads.mk first: the sub-folders' fragments use its WL_* variables.
-include workloads/workloads.mk
-include $(filter-out workloads/workloads.mk,$(sort $(wildcard workloads/*.mk workloads/*/*.mk)))
-include $(sort $(wildcard harness/*.mk harness/*/*.mk))
-include paper/paper.mk

all: $(DEPS_STAMP) $(ALL_TARGETS)

# Every part runs even when an earlier one failed; the failed parts are
# listed at the end and make test fails.
test: all
	@failed=""; for t in $(TEST_TARGETS); do $(MAKE) --no-print-directory $$t || failed="$$failed $$t"; done; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; exit 1; fi; \
	echo "make test: every part passed ($(TEST_TARGETS))"

bench: all
	@if [ -n "$(BENCH_CMD)" ]; then $(BENCH_CMD); else \
	  echo "bench: the allocbench harness is not built yet (harness/ missing)"; exit 1; fi

# make reproduce [BUDGET=seconds] [FULL=1]: the BSDCan 2006 reproduction
# (scripts/reproduce.py): every figure, the tables, the stats dump and the
# claims C1-C10 in one results set. The budget counts from the start of the
# command, the build included: 29 minutes unless BUDGET is given; FULL=1 (the
# paper's replicate counts and ranges) has none unless BUDGET is given.
REPRO_BUDGET = $(if $(BUDGET),--budget $(BUDGET),$(if $(FULL),,--budget 1740))
reproduce:
	@t0=$$(date +%s); $(MAKE) --no-print-directory all && \
	python3 scripts/reproduce.py run --t0 $$t0 $(REPRO_BUDGET) $(if $(FULL),--full)

# make regress [REGRESS_BASE=rev] [REGRESS_ARGS="--workloads ... --rounds K"]:
# the working tree's tide against tide at REGRESS_BASE (default: the last
# commit that changed allocator/), built in a temporary worktree; exit 0
# pass, 1 regression, 2 inconclusive (allocbench regress, harness/README.md).
# The committed baseline (results/regress/baseline.json: the A/A noise
# floors, acknowledgements, the environment fingerprint) is used when it
# exists; made on another machine, it gives exit 3 until
# `make regress-baseline` (20 A/A runs of the working tree's tide) redoes it.
REGRESS_BASE ?= $(shell git log -1 --format=%h -- allocator 2>/dev/null)
REGRESS_BASELINE ?= results/regress/baseline.json
REGRESS_ARGS ?= --budget 480
REGRESS_BL = $(if $(wildcard $(REGRESS_BASELINE)),--baseline $(REGRESS_BASELINE))
regress: all
	build/harness/allocbench regress --base tide@$(REGRESS_BASE) --head tide=$(CURDIR)/allocator/libtide.so --out $(BUILD)/regress $(REGRESS_BL) $(REGRESS_ARGS)
regress-baseline: all
	@mkdir -p $(dir $(REGRESS_BASELINE))
	@for i in $$(seq 20); do echo "regress-baseline: A/A run $$i of 20"; \
	  build/harness/allocbench regress --aa --base tide=$(CURDIR)/allocator/libtide.so --out $(BUILD)/regress \
	    --baseline $(REGRESS_BASELINE) --update-baseline >/dev/null || [ $$? -le 2 ] || exit 1; done

# A smoke run of every stage of the reproduction, at tiny scale (part of make test).
test-reproduce: all
	sh scripts/test-reproduce.sh
TEST_TARGETS += test-reproduce

clean:
	rm -rf $(BUILD) allocator/libtide.so allocator/libtide.a allocator/tide.pc $(CLEAN_FILES)
