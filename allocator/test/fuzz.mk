# allocator/test/fuzz.mk: the allocation-sequence fuzzer (allocator/test/fuzz/).
#
#   make test-fuzz       a short fixed pass (seed corpus, -seed=1, FUZZ_RUNS
#                        inputs, default 500) in every configuration: tide's
#                        defaults and eight TIDE_CONF settings with
#                        LD_PRELOAD=allocator/libtide.so, the defaults and
#                        tcache:false with build/debug/libtide.so
#   make fuzz            a long pass over the same configurations, FUZZ_SECONDS
#                        (default 300) split between them, the corpus kept in
#                        build/fuzz/corpus
#
# Crash inputs go to build/fuzz/artifacts. The fuzzer always uses clang
# (libFuzzer), whatever CC is, and no AddressSanitizer: the allocator under
# test is tide, preloaded. It links libFuzzer's archive alone
# (-fno-sanitize-link-runtime): the UBSan runtime clang adds to
# -fsanitize=fuzzer calls malloc from a preinit_array function, before libc
# sets environ, and tide then starts without reading TIDE_CONF.

FZ_DIR := allocator/test/fuzz
FZ_BIN := $(BUILD)/fuzz/fuzz_alloc
FUZZ_RUNS    ?= 500
FUZZ_SECONDS ?= 300

$(FZ_BIN): $(FZ_DIR)/fuzz_alloc.c allocator/include/tide.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC   $@ (libFuzzer)"
	@rt=$$(clang --print-runtime-dir) && lib=$$rt/libclang_rt.fuzzer-$$(uname -m).a && \
	 { [ -f $$lib ] || lib=$$rt/libclang_rt.fuzzer.a; } && \
	 clang $(BASE_CFLAGS) -O2 -g -fsanitize=fuzzer -fno-sanitize-link-runtime -Iallocator/include -o $@ $< \
	     -Wl,--whole-archive $$lib -Wl,--no-whole-archive -lstdc++ -lm -ldl

ALL_TARGETS  += $(FZ_BIN)
TEST_TARGETS += test-fuzz

.PHONY: test-fuzz fuzz
test-fuzz: $(FZ_BIN) allocator/libtide.so $(BUILD)/debug/libtide.so
	@sh $(FZ_DIR)/run.sh quick $(FZ_BIN) allocator/libtide.so $(BUILD)/debug/libtide.so $(FUZZ_RUNS)

fuzz: $(FZ_BIN) allocator/libtide.so $(BUILD)/debug/libtide.so
	@sh $(FZ_DIR)/run.sh long $(FZ_BIN) allocator/libtide.so $(BUILD)/debug/libtide.so $(FUZZ_SECONDS)
