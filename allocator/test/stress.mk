# allocator/test/stress.mk: the multi-thread stress test (allocator/test/stress/).
#
#   make test-stress     quick mode: every configuration of allocator/libtide.so
#                        and three of build/debug/libtide.so, fixed counts
#                        (part of make test)
#   make stress          long mode: each configuration runs STRESS_SECONDS
#                        seconds (default 60) with more threads; STRESS_SEED
#                        picks the seed (default 1)
#
# The test program is an ordinary program built against glibc's headers;
# run.sh runs it with LD_PRELOAD of the library under test.

STRESS_BIN := $(BUILD)/test/stress/stress
STRESS_SECONDS ?= 60

# -fno-builtin: the test calls malloc and friends for their side effects.
$(STRESS_BIN): allocator/test/stress/stress.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -fno-builtin $< -o $@ -ldl

ALL_TARGETS  += $(STRESS_BIN)
TEST_TARGETS += test-stress

.PHONY: test-stress stress
test-stress: $(STRESS_BIN) allocator/libtide.so $(BUILD)/debug/libtide.so
	@sh allocator/test/stress/run.sh quick $(STRESS_BIN) allocator/libtide.so $(BUILD)/debug/libtide.so

stress: $(STRESS_BIN) allocator/libtide.so $(BUILD)/debug/libtide.so
	@STRESS_SECONDS=$(STRESS_SECONDS) sh allocator/test/stress/run.sh long $(STRESS_BIN) \
	    allocator/libtide.so $(BUILD)/debug/libtide.so
