# allocator/test/misuse.mk: the misuse table (allocator/test/misuse/).
#
#   make test-misuse   build/misuse/misuse against glibc, jemalloc, tcmalloc,
#                      mimalloc, tide and tide with TIDE_CONF=preset:secure:
#                      the table goes to stdout and build/misuse/table.md,
#                      then the checks (tide detects what glibc detects;
#                      preset:secure detects more than any peer)
#
# -O1 and -fno-builtin: the misuse (double free, writes after free, ...) is
# the point and must reach the allocator as written; the program hides the
# pointers it misuses behind a volatile, so -Werror stays on.

MISUSE_DIR := $(BUILD)/misuse
MISUSE_BIN := $(MISUSE_DIR)/misuse

$(MISUSE_BIN): allocator/test/misuse/misuse.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -O1 -fno-builtin $< -o $@ -ldl

ALL_TARGETS  += $(MISUSE_BIN)
TEST_TARGETS += test-misuse

.PHONY: test-misuse
test-misuse: $(MISUSE_BIN) allocator/libtide.so
	@sh allocator/test/misuse/run.sh $(MISUSE_DIR)/table.md
