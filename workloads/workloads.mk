# workloads/workloads.mk: the allocbench workloads, the Google Benchmark
# micro-benchmarks, the topology tool and their tests.
#
#   build/workloads/<name>      one binary per workload (see workloads.tsv)
#   build/workloads/microbench  Google Benchmark micro-benchmarks (C++)
#   build/workloads/wl-topology writes the machine topology as hwloc XML
#   make test-workloads         placement unit tests + smoke run of every workload

WL_DIR    := workloads
WL_OUT    := $(BUILD)/workloads
WL_CFLAGS := $(BASE_CFLAGS) $(CFLAGS) -I$(WL_DIR) -MMD -MP
WL_CXXFLAGS := $(BASE_CXXFLAGS) $(CXXFLAGS) -I$(WL_DIR) -MMD -MP
WL_LIBS   := -lhwloc -ldl -lm -pthread

WL_COMMON_OBJS := $(WL_OUT)/obj/wl.o $(WL_OUT)/obj/wl_place.o $(WL_OUT)/obj/wl_maps.o $(WL_OUT)/obj/wl_proc.o

# name:source pairs of the C workloads
WL_C_PROGS := larson:larson threadtest:threadtest malloc-test:malloc_test prodcons:prodcons \
              cache-scratch:cache_scratch mstress:mstress glibc-thread:glibc_thread \
              glibc-simple:glibc_simple fragprobe:fragprobe sh6bench:sh6bench cfrac:cfrac \
              wl-topology:topology
WL_C_BINS  := $(foreach p,$(WL_C_PROGS),$(WL_OUT)/$(word 1,$(subst :, ,$(p))))
WL_BINS    := $(WL_C_BINS) $(WL_OUT)/cache-thrash $(WL_OUT)/microbench
WL_TEST_BIN := $(WL_OUT)/test-place

$(WL_OUT)/obj/%.o: $(WL_DIR)/common/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(WL_CFLAGS) -c $< -o $@
$(WL_OUT)/obj/%.o: $(WL_DIR)/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(WL_CFLAGS) -c $< -o $@
$(WL_OUT)/obj/cache_thrash.o: $(WL_DIR)/cache_scratch.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(WL_CFLAGS) -DWL_THRASH -c $< -o $@
$(WL_OUT)/obj/microbench.o: $(WL_DIR)/gbench/microbench.cc | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CXX)$(CXX) $(WL_CXXFLAGS) -c $< -o $@
$(WL_OUT)/obj/test_place.o: $(WL_DIR)/test/test_place.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(WL_CFLAGS) $$(pkg-config --cflags check) -c $< -o $@

define WL_LINK_RULE
$(WL_OUT)/$(word 1,$(subst :, ,$(1))): $(WL_OUT)/obj/$(word 2,$(subst :, ,$(1))).o $(WL_COMMON_OBJS)
	$$(Q)$$(call say,LD)$$(CC) $$(BASE_CFLAGS) $$(CFLAGS) -o $$@ $$^ $$(WL_LIBS)
endef
$(foreach p,$(WL_C_PROGS),$(eval $(call WL_LINK_RULE,$(p))))

# sh6bench writes the address x time map (ALLOCBENCH_ADDRMAP).
$(WL_OUT)/sh6bench: $(WL_OUT)/obj/wl_addrmap.o

$(WL_OUT)/cache-thrash: $(WL_OUT)/obj/cache_thrash.o $(WL_COMMON_OBJS)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $^ $(WL_LIBS)
$(WL_OUT)/microbench: $(WL_OUT)/obj/microbench.o $(WL_COMMON_OBJS)
	$(Q)$(call say,LD)$(CXX) $(BASE_CXXFLAGS) $(CXXFLAGS) -o $@ $^ -lbenchmark $(WL_LIBS)
$(WL_TEST_BIN): $(WL_OUT)/obj/test_place.o $(WL_OUT)/obj/wl_place.o
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $^ $$(pkg-config --libs check) -lhwloc

# Expected number of Check tests of test-place (scripts/ckrun.sh fails a run
# that reports another number).
WL_PLACE_NTESTS := 7

ALL_TARGETS += $(WL_BINS)
CLEAN_FILES += $(WL_OUT)
TEST_TARGETS += test-workloads

.PHONY: workloads test-workloads
workloads: $(WL_BINS)
test-workloads: $(WL_BINS) $(WL_TEST_BIN) $(TIDE_LIBS)
	sh scripts/ckrun.sh $(WL_PLACE_NTESTS) 300 $(WL_TEST_BIN)
	sh $(WL_DIR)/test/smoke.sh

-include $(wildcard $(WL_OUT)/obj/*.d)
