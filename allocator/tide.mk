# allocator/tide.mk: build libtide.so, libtide.a, tide.pc, plus the debug and
# ThreadSanitizer variants used by the tests.
#
#   allocator/libtide.so, allocator/libtide.a   release build
#   build/debug/libtide.so                      -DTIDE_DEBUG: invariant checks
#   build/tsan/libtide.so                       -fsanitize=thread
#   build/broken-MODE/libtide.so                deliberately broken builds for
#                                               the self-check (-DTIDE_BREAK_MODE:
#                                               zeroing, twice, remote; see
#                                               allocator/test/system/suite.sh)
#
# Sources are every allocator/src/*.c. Every symbol is hidden except the
# public API (TIDE_EXPORT), so calls inside the library bind locally.

TIDE_SRCS   := $(sort $(wildcard allocator/src/*.c))
TIDE_CFLAGS := $(BASE_CFLAGS) -fPIC -fexceptions -fvisibility=hidden -fno-semantic-interposition \
               -fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc -fno-builtin-realloc \
               -ftls-model=initial-exec -Iallocator/include -Iallocator/src
TIDE_LDFLAGS := -shared -pthread -Wl,-z,now -Wl,--no-undefined -Wl,-Bsymbolic-functions

# clang links no sanitizer runtime into a shared library unless asked to.
TIDE_TSAN_LIBSAN = $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null | head -n 1)),-shared-libsan)

tide_objs = $(patsubst allocator/src/%.c,$(BUILD)/$(1)/%.o,$(TIDE_SRCS))

TIDE_REL_OBJS   := $(call tide_objs,rel)
TIDE_DEBUG_OBJS := $(call tide_objs,debug)
TIDE_TSAN_OBJS  := $(call tide_objs,tsan)

$(BUILD)/rel/%.o: allocator/src/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(TIDE_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/debug/%.o: allocator/src/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(TIDE_CFLAGS) -O1 -g -DTIDE_DEBUG -MMD -MP -c $< -o $@
$(BUILD)/tsan/%.o: allocator/src/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(TIDE_CFLAGS) -O1 -g -fsanitize=thread -MMD -MP -c $< -o $@

allocator/libtide.so: $(TIDE_REL_OBJS)
	$(Q)$(call say,LD)$(CC) $(TIDE_LDFLAGS) -o $@ $(TIDE_REL_OBJS)
allocator/libtide.a: $(TIDE_REL_OBJS)
	$(Q)$(call say,AR)rm -f $@ && ar rcs $@ $(TIDE_REL_OBJS)
$(BUILD)/debug/libtide.so: $(TIDE_DEBUG_OBJS)
	$(Q)$(call say,LD)$(CC) $(TIDE_LDFLAGS) -o $@ $(TIDE_DEBUG_OBJS)
$(BUILD)/tsan/libtide.so: $(TIDE_TSAN_OBJS)
	$(Q)$(call say,LD)$(CC) $(TIDE_LDFLAGS) -fsanitize=thread $(TIDE_TSAN_LIBSAN) -o $@ $(TIDE_TSAN_OBJS)

# Deliberately broken builds: each must be caught by the randomized checks.
TIDE_BREAKS := zeroing twice remote
define tide_broken
$(BUILD)/broken-$(1)/%.o: allocator/src/%.c | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(call say,CC)$$(CC) $$(TIDE_CFLAGS) -O2 -g -DTIDE_BREAK_$(shell echo $(1) | tr a-z A-Z) -MMD -MP -c $$< -o $$@
$(BUILD)/broken-$(1)/libtide.so: $(call tide_objs,broken-$(1))
	$$(Q)$$(call say,LD)$$(CC) $$(TIDE_LDFLAGS) -o $$@ $$^
-include $(patsubst %.o,%.d,$(call tide_objs,broken-$(1)))
endef
$(foreach b,$(TIDE_BREAKS),$(eval $(call tide_broken,$(b))))
TIDE_BROKEN_LIBS := $(foreach b,$(TIDE_BREAKS),$(BUILD)/broken-$(b)/libtide.so)

allocator/tide.pc: allocator/tide.pc.in
	$(Q)$(call say,GEN)sed -e 's|@PREFIX@|$(abspath .)|' -e 's|@VERSION@|1.0.0|' $< > $@

TIDE_LIBS := allocator/libtide.so allocator/libtide.a allocator/tide.pc
ALL_TARGETS += $(TIDE_LIBS) $(BUILD)/debug/libtide.so
-include $(TIDE_REL_OBJS:.o=.d) $(TIDE_DEBUG_OBJS:.o=.d) $(TIDE_TSAN_OBJS:.o=.d)

.PHONY: tide tide-tsan tide-broken
tide-broken: $(TIDE_BROKEN_LIBS)
tide: $(TIDE_LIBS)
tide-tsan: $(BUILD)/tsan/libtide.so
