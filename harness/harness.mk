# harness/harness.mk: allocbench, the benchmark harness.
#
#   build/harness/allocbench     the harness (run, list, calibrate, plot, report)
#   build/harness/ab-probe       started under each allocator to check who serves malloc
#   build/harness/liblocked.so   the "locked" baseline allocator (one global mutex)
#   build/harness/fakework       a workload that can crash/hang/fail on request (tests)
#   build/harness/test_harness   Check unit tests
#   build/harness/test_judge     Check unit tests of the regression rule (ab_judge)
#
#   make test-harness   unit tests + end-to-end smoke (every allocator x workload)
#   make bench          quick suite, figures, ratio table (scripts/bench.sh)

AB_SRCS  := $(filter-out harness/src/ab_main.c harness/src/ab_probe.c,$(sort $(wildcard harness/src/*.c)))
AB_OBJS  := $(patsubst harness/src/%.c,$(BUILD)/harness/obj/%.o,$(AB_SRCS))
AB_CFLAGS := $(BASE_CFLAGS) $(CFLAGS) $(shell pkg-config --cflags hwloc 2>/dev/null)
AB_LIBS  := $(shell pkg-config --libs hwloc 2>/dev/null || echo -lhwloc) -ldl -lm

$(BUILD)/harness/obj/%.o: harness/src/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(AB_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/harness/allocbench: $(BUILD)/harness/obj/ab_main.o $(AB_OBJS)
	$(Q)$(call say,LD)$(CC) $(AB_CFLAGS) -o $@ $^ $(AB_LIBS)

$(BUILD)/harness/ab-probe: $(BUILD)/harness/obj/ab_probe.o
	$(Q)$(call say,LD)$(CC) $(AB_CFLAGS) -o $@ $^ -ldl

$(BUILD)/harness/obj/locked.o: harness/locked/locked.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -fno-builtin-malloc -fno-builtin-free \
	  -fno-builtin-calloc -fno-builtin-realloc -MMD -MP -c $< -o $@
$(BUILD)/harness/liblocked.so: $(BUILD)/harness/obj/locked.o
	$(Q)$(call say,LD)$(CC) -shared -pthread -o $@ $^

$(BUILD)/harness/fakework: harness/test/fakework.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $< -ldl

$(BUILD)/harness/obj/test_harness.o: harness/test/test_harness.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(AB_CFLAGS) -Iharness/src $(shell pkg-config --cflags check) -MMD -MP -c $< -o $@
$(BUILD)/harness/test_harness: $(BUILD)/harness/obj/test_harness.o $(AB_OBJS)
	$(Q)$(call say,LD)$(CC) $(AB_CFLAGS) -o $@ $^ $(shell pkg-config --libs check) $(AB_LIBS)

# Expected number of Check tests of test_harness (scripts/ckrun.sh fails a
# run that reports another number); smoke.sh counts its own checks.
AB_UNIT_NTESTS := 12

# The regression rule's tests need only ab_judge.o (and libm).
$(BUILD)/harness/obj/test_judge.o: harness/test/test_judge.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(AB_CFLAGS) -Iharness/src $(shell pkg-config --cflags check) -MMD -MP -c $< -o $@
$(BUILD)/harness/test_judge: $(BUILD)/harness/obj/test_judge.o $(BUILD)/harness/obj/ab_judge.o
	$(Q)$(call say,LD)$(CC) $(AB_CFLAGS) -o $@ $^ $(shell pkg-config --libs check) -lm
# Expected number of Check tests of test_judge.
AB_JUDGE_NTESTS := 16
ALL_TARGETS += $(BUILD)/harness/test_judge

AB_BINS := $(BUILD)/harness/allocbench $(BUILD)/harness/ab-probe $(BUILD)/harness/liblocked.so \
           $(BUILD)/harness/fakework $(BUILD)/harness/test_harness
ALL_TARGETS += $(AB_BINS)
TEST_TARGETS += test-harness
-include $(BUILD)/harness/obj/*.d

.PHONY: test-harness test-harness-unit test-harness-smoke
test-harness: test-harness-unit test-harness-smoke
	CK_DEFAULT_TIMEOUT=120 sh scripts/ckrun.sh $(AB_JUDGE_NTESTS) 600 $(BUILD)/harness/test_judge
test-harness: $(BUILD)/harness/test_judge
test-harness-unit: $(BUILD)/harness/test_harness
	CK_DEFAULT_TIMEOUT=30 sh scripts/ckrun.sh $(AB_UNIT_NTESTS) 600 $(BUILD)/harness/test_harness
test-harness-smoke: $(AB_BINS)
	sh harness/test/smoke.sh

BENCH_CMD := sh scripts/bench.sh

# Injection shims (harness/shims/, README "Injection shims"): preloaded
# before an allocator, libab-slow.so adds AB_SLOW_SPINS loop iterations to
# every call and libab-pad.so asks for AB_PAD_PERCENT % more bytes; the
# regression gate's self-test uses them as known slowdowns and bloat.
# shimcheck and shimcheck-cxx are their test programs (-fno-builtin: every
# malloc and free is kept; -fsized-deallocation: clang declares the sized
# deletes only with it).
SHIM_CFLAGS := $(BASE_CFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -fexceptions -fno-builtin
$(BUILD)/harness/libab-%.so: harness/shims/%.c harness/shims/shim.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(SHIM_CFLAGS) -shared -o $@ $< -ldl
$(BUILD)/harness/shimcheck: harness/shims/shimcheck.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -fno-builtin -o $@ $<
$(BUILD)/harness/shimcheck-cxx: harness/shims/shimcheck-cxx.cc | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CXX) $(BASE_CXXFLAGS) $(CXXFLAGS) -fsized-deallocation -o $@ $<
SHIM_BINS := $(BUILD)/harness/libab-slow.so $(BUILD)/harness/libab-pad.so \
             $(BUILD)/harness/shimcheck $(BUILD)/harness/shimcheck-cxx
ALL_TARGETS += $(SHIM_BINS)
TEST_TARGETS += test-shims
.PHONY: test-shims
test-shims: $(SHIM_BINS) $(BUILD)/workloads/malloc-test $(BUILD)/workloads/glibc-simple \
            $(BUILD)/workloads/fragprobe | allocator/libtide.so
	sh harness/shims/test.sh

# allocbench regress end to end at smoke scale: a head slowed by the shim
# regresses, the reverse passes, tide@HEAD is built in a worktree, bad input
# fails closed (harness/test/regress.sh).
TEST_TARGETS += test-regress
.PHONY: test-regress
test-regress: $(AB_BINS) $(BUILD)/harness/libab-slow.so $(BUILD)/workloads/glibc-simple | allocator/libtide.so
	sh harness/test/regress.sh
