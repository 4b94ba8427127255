# allocator/test/ctl.mk: tests of tide's introspection (mallctl,
# mallctlnametomib, mallctlbymib, malloc_stats_print).
#
#   make test-ctl   build/test/ctl_test against allocator/libtide.so (rpath),
#                   once with the defaults, once with TIDE_CONF=preset:bsd2006,
#                   and once against build/debug/libtide.so (invariant checks;
#                   LD_LIBRARY_PATH overrides the RUNPATH, and the test checks
#                   config.debug to be sure)
#
# The test program uses the Check framework (Debian package check).

TCTL := $(BUILD)/test/ctl_test

# Recursive: evaluated when a recipe runs, after the package script.
TCTL_CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
TCTL_CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

# -fno-builtin: the test calls malloc and free for their side effects.
$(TCTL): allocator/test/ctl_test.c allocator/include/tide.h allocator/libtide.so | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -fno-builtin -Iallocator/include $(TCTL_CHECK_CFLAGS) $< -o $@ \
	    -Lallocator -ltide -Wl,-rpath,$(abspath allocator) $(TCTL_CHECK_LIBS)

# Expected number of Check tests of ctl_test: scripts/ckrun.sh fails a run
# that reports another number. ctl_test runs without fork (CK_NOFORK), so
# ckrun.sh's time limit is what bounds a hang.
TCTL_NTESTS := 21

ALL_TARGETS  += $(TCTL)
TEST_TARGETS += test-ctl

.PHONY: test-ctl
test-ctl: $(TCTL) $(BUILD)/debug/libtide.so
	sh scripts/ckrun.sh $(TCTL_NTESTS) 300 $(TCTL)
	TIDE_CONF=preset:bsd2006 sh scripts/ckrun.sh $(TCTL_NTESTS) 300 $(TCTL)
	LD_LIBRARY_PATH=$(BUILD)/debug CTL_TEST_EXPECT_DEBUG=1 sh scripts/ckrun.sh $(TCTL_NTESTS) 300 $(TCTL)
