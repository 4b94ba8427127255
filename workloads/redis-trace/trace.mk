# workloads/redis-trace/trace.mk: the Redis-trace workload.
#
#   make                  builds the tracer, the replayer (build/workloads/redis-replay),
#                         the trace tool and the scenario generator
#   make trace            re-captures the default trace from Debian's redis-server
#   make redis-live       runs the scenario against redis-server under every allocator
#   make trace-figures    replays under every allocator and draws results/trace-figures/
#   make test             trace-test-tracer trace-test-replay trace-test-bad trace-test-fuzz

RT_DIR   := workloads/redis-trace
RT_B     := $(BUILD)/redis-trace
RT_CF    := $(BASE_CFLAGS) $(CFLAGS) -I$(RT_DIR)
RT_REPLAY := $(BUILD)/workloads/redis-replay
RT_TOOL   := $(RT_B)/trace
RT_TRACER := $(RT_B)/liballoctrace.so
RT_SHIM   := $(RT_B)/libglibcshim.so
RT_GEN    := $(RT_B)/redis-gen
RT_DEFAULT := $(RT_DIR)/traces/redis-default.trc
RT_TINY    := $(RT_DIR)/traces/redis-tiny.trc
RT_TPROG  := $(RT_B)/tracer-prog
RT_TCHECK := $(RT_B)/tracer-check
RT_FUZZ   := $(RT_B)/fuzz-reader

$(RT_B)/%.o: $(RT_DIR)/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(RT_CF) -MMD -MP -c $< -o $@
$(RT_B)/pic/%.o: $(RT_DIR)/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(RT_CF) -fPIC -fvisibility=hidden -ftls-model=initial-exec -fno-builtin-malloc -fno-builtin-free \
	    -fno-builtin-calloc -fno-builtin-realloc -MMD -MP -c $< -o $@
$(RT_B)/test/%.o: $(RT_DIR)/test/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(RT_CF) -MMD -MP -c $< -o $@

# The address x time map is the common module of the workloads (workloads.mk builds it).
$(RT_REPLAY): $(RT_B)/replay.o $(RT_B)/tracefmt.o $(RT_B)/idmap.o $(BUILD)/workloads/obj/wl_addrmap.o
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $^ -lz -ldl
$(RT_TOOL): $(RT_B)/trace.o $(RT_B)/tracefmt.o $(RT_B)/idmap.o
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $^ -lz
$(RT_TRACER): $(RT_B)/pic/tracer.o $(RT_B)/pic/tracefmt.o $(RT_B)/pic/idmap.o
	$(Q)$(call say,LD)$(CC) -shared -pthread -Wl,-z,now -o $@ $^ -lz -ldl
$(RT_SHIM): $(RT_B)/pic/glibcshim.o
	$(Q)$(call say,LD)$(CC) -shared -Wl,-z,now -o $@ $^ -ldl
$(RT_GEN): $(RT_B)/redis-gen.o
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $^ -lm
$(RT_TPROG): $(RT_B)/test/tracer-prog.o
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $^
$(RT_TCHECK): $(RT_B)/test/tracer-check.o $(RT_B)/tracefmt.o $(RT_B)/idmap.o
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $^ -lz
# The fuzzer always uses clang (libFuzzer), whatever CC is.
$(RT_FUZZ): $(RT_DIR)/test/fuzz-reader.c $(RT_DIR)/tracefmt.c $(RT_DIR)/tracefmt.h $(RT_DIR)/idmap.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,LD)clang $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer,address -I$(RT_DIR) -o $@ \
	    $(RT_DIR)/test/fuzz-reader.c $(RT_DIR)/tracefmt.c $(RT_DIR)/idmap.c -lz

RT_BINS := $(RT_REPLAY) $(RT_TOOL) $(RT_TRACER) $(RT_SHIM) $(RT_GEN) $(RT_TPROG) $(RT_TCHECK)
ALL_TARGETS += $(RT_BINS)
-include $(wildcard $(RT_B)/*.d $(RT_B)/pic/*.d $(RT_B)/test/*.d)

.PHONY: trace redis-live trace-figures trace-test-tracer trace-test-replay trace-test-bad trace-test-fuzz
trace: $(RT_TRACER) $(RT_GEN) $(RT_TOOL) | $(DEPS_STAMP)
	$(RT_DIR)/capture.sh $(RT_TRACER) $(RT_GEN) $(RT_TOOL) $(RT_DEFAULT) $(RT_DIR)/traces/redis-default-capture.csv

redis-live: $(RT_SHIM) $(RT_GEN) | $(DEPS_STAMP)
	$(RT_DIR)/live.sh $(RT_SHIM) $(RT_GEN) results/redis-live

trace-figures: $(RT_REPLAY) | $(DEPS_STAMP)
	$(RT_DIR)/figures.sh $(RT_REPLAY) $(RT_DEFAULT) results/trace-figures

trace-test-tracer: $(RT_TRACER) $(RT_TPROG) $(RT_TCHECK) $(RT_TOOL)
	$(RT_DIR)/test/test-tracer.sh $(RT_TRACER) $(RT_TPROG) $(RT_TCHECK) $(RT_TOOL)
trace-test-replay: $(RT_REPLAY) $(RT_TOOL)
	$(RT_DIR)/test/test-replay.sh $(RT_REPLAY) $(RT_TINY) $(RT_TOOL)
trace-test-bad: $(RT_REPLAY) $(RT_TOOL)
	$(RT_DIR)/test/test-bad.sh $(RT_REPLAY) $(RT_TOOL) $(RT_TINY)
trace-test-fuzz: $(RT_FUZZ) $(RT_TOOL)
	$(RT_DIR)/test/test-fuzz.sh $(RT_FUZZ) $(RT_TINY) $(RT_TOOL)
TEST_TARGETS += trace-test-tracer trace-test-replay trace-test-bad trace-test-fuzz

.PHONY: trace-overhead
trace-overhead: $(RT_TRACER) | $(DEPS_STAMP)
	$(RT_DIR)/overhead.sh $(RT_TRACER) 3 200000

.PHONY: trace-tiny
trace-tiny: $(RT_TRACER) $(RT_GEN) $(RT_TOOL) | $(DEPS_STAMP)
	$(RT_DIR)/make-tiny.sh $(RT_TRACER) $(RT_GEN) $(RT_TOOL) $(RT_TINY)
