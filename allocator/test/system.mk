# allocator/test/system.mk: tide's system tests (allocator/test/system/).
#
#   make test-system         the suite against tide: default and
#                            TIDE_CONF=preset:bsd2006, oom with
#                            TIDE_CONF=preset:secure where tide has it, then
#                            the concurrency tests on the debug and
#                            ThreadSanitizer builds
#   make test-system-glibc   the same tests against glibc (no preload), as
#                            a reference; tide-specific checks are skipped
#   make test-system-selfcheck  (part of make test) runs chosen tests
#                            against deliberately broken allocators
#                            (build/systest/libbroken.so, the broken builds
#                            of tide build/broken-*/libtide.so) and tide
#                            configured not to purge, and passes only if
#                            those tests fail
#
# Test binaries are ordinary programs built against glibc's headers; the
# driver (suite.sh) runs them with LD_PRELOAD of the allocator under test.
# Check's flags come from pkg-config at recipe time, after the dependency
# script has installed it.

ST_SRC   := allocator/test/system
ST_BUILD := $(BUILD)/systest
ST_CHECK = $$(pkg-config --cflags --libs check)
ST_TSAN_CFLAGS := -O1 -g -fsanitize=thread
comma := ,
# clang links its TSan runtime statically by default, which would put the
# runtime's malloc into the executable, ahead of any preload: ask for the
# shared runtime (gcc always uses the shared libtsan).
ST_TSAN_LDFLAGS := $(if $(findstring clang,$(CC)),-shared-libsan -Wl$(comma)-rpath$(comma)$$($(CC) --print-runtime-dir),)

ST_BINS := $(ST_BUILD)/conc $(ST_BUILD)/memret $(ST_BUILD)/oom $(ST_BUILD)/tls_cxx $(ST_BUILD)/cxxprog \
           $(ST_BUILD)/linked_dyn $(ST_BUILD)/linked_static $(ST_BUILD)/libbroken.so \
           $(ST_BUILD)/bounded $(ST_BUILD)/ckhang
ST_TSAN_BINS := $(ST_BUILD)/conc-tsan $(ST_BUILD)/tls_cxx-tsan

$(ST_BUILD)/conc: $(ST_SRC)/conc.c $(ST_SRC)/systest.c $(ST_SRC)/systest.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -fno-builtin -o $@ $(ST_SRC)/conc.c $(ST_SRC)/systest.c $(ST_CHECK) -ldl
$(ST_BUILD)/conc-tsan: $(ST_SRC)/conc.c $(ST_SRC)/systest.c $(ST_SRC)/systest.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(ST_TSAN_CFLAGS) $(ST_TSAN_LDFLAGS) -o $@ $(ST_SRC)/conc.c $(ST_SRC)/systest.c $(ST_CHECK) -ldl
$(ST_BUILD)/memret: $(ST_SRC)/memret.c $(ST_SRC)/systest.c $(ST_SRC)/systest.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -fno-builtin -o $@ $(ST_SRC)/memret.c $(ST_SRC)/systest.c $(ST_CHECK) -ldl
$(ST_BUILD)/oom: $(ST_SRC)/oom.c $(ST_SRC)/systest.c $(ST_SRC)/systest.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -fno-builtin -o $@ $(ST_SRC)/oom.c $(ST_SRC)/systest.c $(ST_CHECK) -ldl
# The suite's own machinery: a time limit that kills everything a test
# started (bounded), and the check that Check's fork mode does (ckhang).
$(ST_BUILD)/bounded: $(ST_SRC)/bounded.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $<
$(ST_BUILD)/ckhang: $(ST_SRC)/ckhang.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $< $(ST_CHECK)
$(ST_BUILD)/tls_cxx: $(ST_SRC)/tls_cxx.cc | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CXX) $(BASE_CXXFLAGS) $(CXXFLAGS) -o $@ $<
$(ST_BUILD)/tls_cxx-tsan: $(ST_SRC)/tls_cxx.cc | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CXX) $(BASE_CXXFLAGS) $(ST_TSAN_CFLAGS) $(subst $(CC),$(CXX),$(ST_TSAN_LDFLAGS)) -o $@ $<
$(ST_BUILD)/cxxprog: $(ST_SRC)/cxxprog.cc | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CXX) $(BASE_CXXFLAGS) $(CXXFLAGS) -o $@ $<
# Linked with -ltide through allocator/tide.pc (shared, found through its
# rpath) and with allocator/libtide.a copied into the executable.
$(ST_BUILD)/linked_dyn: $(ST_SRC)/linked.c allocator/libtide.so allocator/tide.pc allocator/include/tide.h
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -fno-builtin -DEXPECT_SHARED -o $@ $< $$(pkg-config --cflags --libs allocator/tide.pc) -ldl
$(ST_BUILD)/linked_static: $(ST_SRC)/linked.c allocator/libtide.a allocator/include/tide.h
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -fno-builtin -Iallocator/include -o $@ $< allocator/libtide.a -pthread -ldl
$(ST_BUILD)/libbroken.so: $(ST_SRC)/broken.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

ALL_TARGETS  += $(ST_BINS)
TEST_TARGETS += test-system test-system-selfcheck
CLEAN_FILES  += $(ST_BUILD)

.PHONY: test-system test-system-glibc test-system-selfcheck
test-system: $(ST_BINS) $(ST_TSAN_BINS) $(TIDE_LIBS) $(BUILD)/debug/libtide.so $(BUILD)/tsan/libtide.so
	@sh $(ST_SRC)/suite.sh tide
test-system-glibc: $(ST_BINS)
	@sh $(ST_SRC)/suite.sh glibc
test-system-selfcheck: $(ST_BINS) $(TIDE_LIBS) $(BUILD)/debug/libtide.so $(TIDE_BROKEN_LIBS) $(STRESS_BIN) $(FZ_BIN)
	@sh $(ST_SRC)/suite.sh selfcheck
