# harness/history.mk: the regression gate over commits (harness/src/ab_history.c,
# harness/README.md "History and bisect").
#
#   make regress-history        make regress with --json, then allocbench regress
#                               history add and history plot (results/regress/);
#                               exits with the gate's status (2 when the history
#                               could not be written)
#   make test-regress-history   history add/replace/show/plot, corrupt input, and
#                               bisect finding a planted regression in a clone
#                               (harness/test/history.sh)
#
# REGRESS_BASE and REGRESS_ARGS are those of make regress (top Makefile).

REGRESS_JSON := $(BUILD)/regress/regress.json
.PHONY: regress-history test-regress-history
regress-history: all
	@mkdir -p $(BUILD)/regress && rm -f $(REGRESS_JSON)
	rc=0; $(BUILD)/harness/allocbench regress --base tide@$(REGRESS_BASE) --head tide=$(CURDIR)/allocator/libtide.so \
	  --out $(BUILD)/regress $(REGRESS_ARGS) --json $(REGRESS_JSON) || rc=$$?; \
	[ -s $(REGRESS_JSON) ] || { echo "regress-history: the gate wrote no $(REGRESS_JSON) (exit $$rc)"; exit 2; }; \
	$(BUILD)/harness/allocbench regress history add $(REGRESS_JSON) || exit 2; \
	$(BUILD)/harness/allocbench regress history plot || exit 2; \
	exit $$rc

TEST_TARGETS += test-regress-history
test-regress-history: $(AB_BINS) $(BUILD)/harness/libab-slow.so $(BUILD)/workloads/glibc-simple | allocator/libtide.so
	sh harness/test/history.sh
