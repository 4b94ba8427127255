# allocator/test/api.mk: tide's API-semantics tests, internal unit tests and
# the fast-path instruction gate.
#
#   make test-api        API suite (C and C++) three ways: LD_PRELOAD of
#                        allocator/libtide.so, of build/debug/libtide.so, and
#                        of allocator/libtide.so with TIDE_CONF=preset:bsd2006;
#                        plus the exported-symbol check
#   make test-unit       unit tests of the internal modules, libtide.a linked in
#                        (twice: defaults and TIDE_CONF=preset:bsd2006)
#   make test-fastpath   callgrind instruction counts of malloc/free hits, of
#                        malloc_usable_size and in-place realloc of such a
#                        block, of aligned_alloc(64, 64) and of a kept large
#                        run's malloc + free, against
#                        allocator/test/fastpath/bounds.txt
#   make test-api-glibc  the API suite against plain glibc (development only;
#                        tide-only cases are skipped)
#
# The test programs use the Check framework (Debian package check).

TAPI_DIR  := $(BUILD)/test
TAPI_C    := $(TAPI_DIR)/api/api_test
TAPI_CXX  := $(TAPI_DIR)/api/cxx_test
TUNIT     := $(TAPI_DIR)/unit/unit_test
TFAST     := $(TAPI_DIR)/fastpath/fastpath

# Recursive: evaluated when a recipe runs, after the package script.
TAPI_CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
TAPI_CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)
# -fno-builtin: the tests call malloc and friends for their side effects.
TAPI_FLAGS := -fno-builtin -Iallocator/include

$(TAPI_C): allocator/test/api/api_test.c allocator/include/tide.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) $(TAPI_FLAGS) $(TAPI_CHECK_CFLAGS) $< -o $@ $(TAPI_CHECK_LIBS) -ldl

$(TAPI_CXX): allocator/test/api/cxx_test.cpp | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CXX) $(BASE_CXXFLAGS) $(CXXFLAGS) -fno-builtin -fsized-deallocation $(TAPI_CHECK_CFLAGS) $< -o $@ $(TAPI_CHECK_LIBS)

# Static link: the test binary's malloc is tide's, and the internal headers
# give the tests the modules' data structures.
$(TUNIT): allocator/test/unit/unit_test.c allocator/libtide.a $(wildcard allocator/src/*.h) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) $(TAPI_FLAGS) -Iallocator/src $(TAPI_CHECK_CFLAGS) $< -o $@ \
	    allocator/libtide.a $(TAPI_CHECK_LIBS) -ldl

$(TFAST): allocator/test/fastpath/fastpath.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -fno-builtin $< -o $@

# Expected number of Check tests of unit_test (scripts/ckrun.sh fails a run
# that reports another number); api_test's and cxx_test's are in
# allocator/test/api/run.sh.
TUNIT_NTESTS := 21

ALL_TARGETS += $(TAPI_C) $(TAPI_CXX) $(TUNIT) $(TFAST)
TEST_TARGETS += test-api test-unit test-fastpath

.PHONY: test-api test-api-glibc test-unit test-fastpath
test-api: $(TAPI_C) $(TAPI_CXX) allocator/libtide.so $(BUILD)/debug/libtide.so
	@sh allocator/test/api/run.sh $(TAPI_C) $(TAPI_CXX)

test-api-glibc: $(TAPI_C) $(TAPI_CXX)
	@sh allocator/test/api/run.sh --glibc $(TAPI_C) $(TAPI_CXX)

test-unit: $(TUNIT)
	@sh scripts/ckrun.sh $(TUNIT_NTESTS) 600 $(TUNIT)
	@echo "-- unit, TIDE_CONF=preset:bsd2006"
	@TIDE_CONF=preset:bsd2006 sh scripts/ckrun.sh $(TUNIT_NTESTS) 600 $(TUNIT)

test-fastpath: $(TFAST) allocator/libtide.so
	@sh allocator/test/fastpath/check.sh $(TFAST) allocator/libtide.so allocator/test/fastpath/bounds.txt
