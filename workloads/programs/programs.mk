# workloads/programs/programs.mk: real-program workloads of the BSDCan 2006
# reproduction, run by the generic wrapper progrun (see README.md here).
#
#   build/workloads/progrun                      the wrapper
#   build/workloads/programs/cca-SUITE.c         generated C source (gen-csrc.pl)
#   build/workloads/programs/gs-SUITE.ps         generated PostScript (gen-ps.pl)
#   build/workloads/programs/NAME-SUITE.expect   hash of the program's stdout under
#                                                the system allocator (no LD_PRELOAD)
#   make test-programs                           workloads/programs/test.sh
#
# SUITE is smoke, quick or full. Sizes in MB (10^6 bytes), chosen from one run
# each under glibc on the development VM: cca about 0.05 / 1.5 / 10 s, gs
# about 0.1 / 1.5 / 10 s (README.md has the measured times).

PR_DIR  := workloads/programs
PR_OUT  := $(BUILD)/workloads/programs
PROGRUN := $(BUILD)/workloads/progrun
PR_SUITES := smoke quick full

PR_CCA_MB_smoke := 0.08
PR_CCA_MB_quick := 4.5
PR_CCA_MB_full  := 27
PR_GS_MB_smoke  := 0.01
PR_GS_MB_quick  := 0.7
PR_GS_MB_full   := 5.5

# The command lines must match the ones in workloads.tsv.
PR_CCA_CMD := perl $(PR_DIR)/cca.pl
PR_GS_CMD  := gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=bbox -r300

# Expected outputs come from the system allocator: no preloaded library and
# no allocator settings from the caller's environment.
PR_CLEAN_ENV := env -u LD_PRELOAD -u TIDE_CONF -u MALLOC_CONF

PR_INPUTS  := $(foreach s,$(PR_SUITES),$(PR_OUT)/cca-$(s).c $(PR_OUT)/gs-$(s).ps)
PR_EXPECTS := $(foreach s,$(PR_SUITES),$(PR_OUT)/cca-$(s).expect $(PR_OUT)/gs-$(s).expect)

$(PR_OUT)/obj/progrun.o: $(PR_DIR)/progrun.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(WL_CFLAGS) -c $< -o $@
# The top Makefile reads workloads/workloads.mk first, so WL_CFLAGS,
# WL_COMMON_OBJS and WL_LIBS are set here.
$(PROGRUN): $(PR_OUT)/obj/progrun.o $(WL_COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $^ $(WL_LIBS)

# The sizes above live in this file, so the inputs depend on it.
$(PR_OUT)/cca-%.c: $(PR_DIR)/gen-csrc.pl $(PR_DIR)/programs.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,GEN)perl $< $(PR_CCA_MB_$*) >$@.tmp && mv $@.tmp $@
$(PR_OUT)/gs-%.ps: $(PR_DIR)/gen-ps.pl $(PR_DIR)/programs.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,GEN)perl $< $(PR_GS_MB_$*) >$@.tmp && mv $@.tmp $@

# The program's stdout is kept in $@.out only while it is hashed; on failure
# its last lines are shown. progrun is order-only: only its --hash-only
# format matters here.
$(PR_OUT)/cca-%.expect: $(PR_OUT)/cca-%.c $(PR_DIR)/cca.pl | $(PROGRUN)
	$(Q)$(call say,EXP)$(PR_CLEAN_ENV) $(PR_CCA_CMD) $< >$@.out || { tail -n 5 $@.out >&2; rm -f $@.out; exit 1; }; \
	    $(PROGRUN) --hash-only $@.out >$@.tmp && rm -f $@.out && mv $@.tmp $@
$(PR_OUT)/gs-%.expect: $(PR_OUT)/gs-%.ps | $(PROGRUN)
	$(Q)$(call say,EXP)$(PR_CLEAN_ENV) $(PR_GS_CMD) $< >$@.out 2>$@.err || \
	    { tail -n 5 $@.out $@.err >&2; rm -f $@.out $@.err; exit 1; }; \
	    rm -f $@.err; $(PROGRUN) --hash-only $@.out >$@.tmp && rm -f $@.out && mv $@.tmp $@

ALL_TARGETS += $(PROGRUN) $(PR_INPUTS) $(PR_EXPECTS)
CLEAN_FILES += $(PR_OUT)
TEST_TARGETS += test-programs

.PHONY: programs test-programs
programs: $(PROGRUN) $(PR_INPUTS) $(PR_EXPECTS)
test-programs: $(PROGRUN) $(foreach n,cca-smoke.c cca-smoke.expect gs-smoke.ps gs-smoke.expect,$(PR_OUT)/$(n)) $(TIDE_LIBS)
	sh $(PR_DIR)/test.sh

-include $(wildcard $(PR_OUT)/obj/*.d)
