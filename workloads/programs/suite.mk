# workloads/programs/suite.mk: the real-program suite (issue 21) beside cca
# and gs (programs.mk, read before this file). Every cell is a Debian
# program run by progrun under the harness's LD_PRELOAD, with an input
# generated here and an expected output hashed here (README.md here):
#
#   build/workloads/programs/py-mix-SUITE.expect   python3 py-mix.py ROUNDS
#   build/workloads/programs/gcc-SUITE.c           gen-ctu.pl NFUNCS (gcc -O2 -S)
#   build/workloads/programs/sqlite-SUITE.sql      gen-sql.pl ROWS (sqlite3)
#   build/workloads/programs/lua-gc-SUITE.expect   lua5.4 lua-gc.lua ROUNDS
#   build/workloads/programs/z3-SUITE.smt2         gen-smt.pl BLOCKS (z3)
#   build/workloads/redisbench                     redis-server + redis-benchmark
#   make bench-programs                            the nine cells side by side (below)
#
# Sizes chosen from one run each under glibc on the development VM (2
# vCPUs): smoke under 0.3 s, quick about 1-3 s, full about 10 s of CPU.
# The inputs and .expect files depend on this file, not on programs.mk.

PS_PY_smoke := 4
PS_PY_quick := 120
PS_PY_full  := 800
PS_GCC_smoke := 4
PS_GCC_quick := 75
PS_GCC_full  := 500
PS_SQL_smoke := 300
PS_SQL_quick := 25000
PS_SQL_full  := 150000
PS_LUA_smoke := 5
PS_LUA_quick := 100
PS_LUA_full  := 700
PS_Z3_smoke := 6
PS_Z3_quick := 150
PS_Z3_full  := 1000

# The command lines must match the ones in workloads.tsv (progrun's
# --setenv values are set here with env).
PS_PY_CMD  := env PYTHONMALLOC=malloc PYTHONHASHSEED=0 /usr/bin/python3 $(PR_DIR)/py-mix.py
PS_GCC_CMD := gcc -O2 -S -o -
PS_SQL_CMD := sqlite3 -bail -init
PS_SQL_END := :memory: .quit
PS_LUA_CMD := lua5.4 $(PR_DIR)/lua-gc.lua
PS_Z3_CMD  := z3

PS_CELLS   := py-mix gcc sqlite lua-gc z3
PS_INPUTS  := $(foreach s,$(PR_SUITES),$(PR_OUT)/gcc-$(s).c $(PR_OUT)/sqlite-$(s).sql $(PR_OUT)/z3-$(s).smt2)
PS_EXPECTS := $(foreach s,$(PR_SUITES),$(foreach c,$(PS_CELLS),$(PR_OUT)/$(c)-$(s).expect))
PS_SMOKE   := $(PR_OUT)/gcc-smoke.c $(PR_OUT)/sqlite-smoke.sql $(PR_OUT)/z3-smoke.smt2 \
              $(foreach c,$(PS_CELLS),$(PR_OUT)/$(c)-smoke.expect)
REDISBENCH := $(BUILD)/workloads/redisbench

$(PR_OUT)/gcc-%.c: $(PR_DIR)/gen-ctu.pl $(PR_DIR)/suite.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,GEN)perl $< $(PS_GCC_$*) >$@.tmp && mv $@.tmp $@
$(PR_OUT)/sqlite-%.sql: $(PR_DIR)/gen-sql.pl $(PR_DIR)/suite.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,GEN)perl $< $(PS_SQL_$*) >$@.tmp && mv $@.tmp $@
$(PR_OUT)/z3-%.smt2: $(PR_DIR)/gen-smt.pl $(PR_DIR)/suite.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,GEN)perl $< $(PS_Z3_$*) >$@.tmp && mv $@.tmp $@

# PS_EXP(command): run it without LD_PRELOAD into $@.out, hash that.
PS_EXP = $(PR_CLEAN_ENV) $(1) >$@.out 2>$@.err || { tail -n 5 $@.out $@.err >&2; rm -f $@.out $@.err; exit 1; }; \
	rm -f $@.err; $(PROGRUN) --hash-only $@.out >$@.tmp && rm -f $@.out && mv $@.tmp $@

$(PR_OUT)/py-mix-%.expect: $(PR_DIR)/py-mix.py $(PR_DIR)/suite.mk | $(PROGRUN)
	@mkdir -p $(dir $@)
	$(Q)$(call say,EXP)$(call PS_EXP,$(PS_PY_CMD) $(PS_PY_$*))
$(PR_OUT)/lua-gc-%.expect: $(PR_DIR)/lua-gc.lua $(PR_DIR)/suite.mk | $(PROGRUN)
	@mkdir -p $(dir $@)
	$(Q)$(call say,EXP)$(call PS_EXP,$(PS_LUA_CMD) $(PS_LUA_$*))
$(PR_OUT)/gcc-%.expect: $(PR_OUT)/gcc-%.c | $(PROGRUN)
	$(Q)$(call say,EXP)$(call PS_EXP,$(PS_GCC_CMD) $<)
$(PR_OUT)/sqlite-%.expect: $(PR_OUT)/sqlite-%.sql | $(PROGRUN)
	$(Q)$(call say,EXP)$(call PS_EXP,$(PS_SQL_CMD) $< $(PS_SQL_END))
$(PR_OUT)/z3-%.expect: $(PR_OUT)/z3-%.smt2 | $(PROGRUN)
	$(Q)$(call say,EXP)$(call PS_EXP,$(PS_Z3_CMD) $<)

$(PR_OUT)/obj/redisbench.o: $(PR_DIR)/redisbench.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(WL_CFLAGS) -c $< -o $@
$(REDISBENCH): $(PR_OUT)/obj/redisbench.o $(WL_COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $^ $(WL_LIBS)

ALL_TARGETS += $(REDISBENCH) $(PS_INPUTS) $(PS_EXPECTS)

.PHONY: program-suite
program-suite: $(PROGRUN) $(REDISBENCH) $(PS_INPUTS) $(PS_EXPECTS)
programs: program-suite
# test-programs (programs.mk) runs every row of workloads.tsv at smoke size
test-programs: $(PS_SMOKE) $(REDISBENCH)

# make bench-programs [PS_SUITE=full|quick|smoke] [PS_REPS=5]: the whole
# suite, its nine cells side by side for the peers and tide, one thread,
# allocators in ABBA order (paired comparisons), the ratio table at the end.
# Not part of make bench (about an hour at full size, 10 minutes at quick).
PS_SUITE  ?= full
PS_REPS   ?= 5
PS_BENCH_WLS    := py-mix,gcc-O2,sqlite,cca,gs,lua-gc,z3,redis-bench,mariadb
PS_BENCH_ALLOCS ?= glibc,jemalloc,tcmalloc,mimalloc,tide
.PHONY: bench-programs
bench-programs: all
	$(BUILD)/harness/allocbench run --suite $(PS_SUITE) --allocators $(PS_BENCH_ALLOCS) \
	    --workloads $(PS_BENCH_WLS) --threads 1 --reps $(PS_REPS) --warmup 1 --order abba \
	    --timeout 600 --summary
