# paper/paper.mk: the paper, built from committed results sets.
#
#   make paper        TeX Live (scripts/setup-deps.sh paper), the macros and
#                     tables of every cited set (allocbench report --latex),
#                     the comparison's figures (allocbench plot --style paper,
#                     Times to match the text), the check (scripts/paper-check.py), latexmk -pdf into
#                     build/paper/, then paper/paper.pdf
#   make test-paper   the same build into build/paper-test/, and proof that a
#                     source with a typed number or an uncommitted set fails
#
# No number is typed in the sources: each cited set gives its macros
# \ab<Prefix>... (build/paper/gen/<Prefix>/values.tex) and tables.
# latexmk's output goes to $(PAPER_OUT)/latexmk.log, shown on failure.

PAPER_SRC ?= paper
PAPER_OUT ?= $(BUILD)/paper
PAPER_TEX  = $(PAPER_SRC)/paper.tex $(sort $(wildcard $(PAPER_SRC)/sec-*.tex))
# The cited sets, Prefix:folder. A new one needs its \fromset in the text.
PAPER_SETS := Peers:results/20261207T232408Z-vm \
              Repro:results/20261207T230601Z-vm-repro \
              Misuse:results/20261207T214136Z-vm-extra
# The regression gate's self-test (allocbench regress --selftest, its
# selftest.json), once a set of it is committed; until then the section
# says that its numbers are missing, and so does the build.
PAPER_REGRESS_SET ?= $(patsubst %/selftest.json,%,$(lastword $(sort $(wildcard \
    results/regress-selftest*/selftest.json results/regress-selftest*/*/selftest.json))))
PAPER_ALL_SETS = $(PAPER_SETS) $(if $(PAPER_REGRESS_SET),Regress:$(PAPER_REGRESS_SET))

ifeq ($(V),1)
paper_say =
else
paper_say = printf '  %-4s %s\n' '$(1)' '$(2)';
endif
paper_pfx = $(firstword $(subst :, ,$(1)))
paper_dir = $(word 2,$(subst :, ,$(1)))

.PHONY: paper paper-build test-paper

# PAPER_SRC and PAPER_OUT may be given (test-paper builds a copy).
paper-build: $(BUILD)/harness/allocbench
	$(Q)$(call paper_say,DEPS,texlive)sh scripts/setup-deps.sh paper
	$(Q)rm -rf $(PAPER_OUT)/gen $(PAPER_OUT)/fig && mkdir -p $(PAPER_OUT)/gen
	$(Q)$(foreach s,$(PAPER_ALL_SETS),$(call paper_say,GEN,$(PAPER_OUT)/gen/$(call paper_pfx,$(s)))$(BUILD)/harness/allocbench \
	    report --latex $(call paper_dir,$(s)) --prefix $(call paper_pfx,$(s)) --out $(PAPER_OUT)/gen/$(call paper_pfx,$(s)) &&) true
ifeq ($(PAPER_REGRESS_SET),)
	$(Q)mkdir -p $(PAPER_OUT)/gen/Regress && \
	  printf '%% no regress self-test set under results/: the section says its numbers are missing\n\\newcommand{\\abRegressMissing}{}\n' \
	  >$(PAPER_OUT)/gen/Regress/values.tex
	@echo "  WARN paper: no committed results/regress-selftest* set: the regression gate section's numbers are MISSING"
endif
	$(Q)$(call paper_say,PLOT,$(PAPER_OUT)/fig/Peers)$(BUILD)/harness/allocbench plot $(call paper_dir,$(firstword $(PAPER_SETS))) \
	    --style paper --font 'Nimbus Roman' --out $(PAPER_OUT)/fig/Peers >$(PAPER_OUT)/plot.log 2>&1 || { cat $(PAPER_OUT)/plot.log; exit 1; }
	$(Q)$(call paper_say,CHK,$(PAPER_SRC))python3 scripts/paper-check.py \
	    $(foreach s,$(PAPER_ALL_SETS),--set $(call paper_dir,$(s))) $(PAPER_TEX)
	$(Q)$(call paper_say,TEX,$(PAPER_OUT)/paper.pdf)TEXINPUTS=$(abspath $(PAPER_SRC)):$(abspath $(PAPER_OUT)):$(CURDIR): \
	  BIBINPUTS=$(abspath $(PAPER_SRC)): \
	  latexmk -pdf -interaction=nonstopmode -halt-on-error -outdir=$(PAPER_OUT) $(PAPER_SRC)/paper.tex \
	  >$(PAPER_OUT)/latexmk.log 2>&1 || { tail -n 30 $(PAPER_OUT)/latexmk.log; \
	  echo "paper: latexmk failed; the whole log: $(PAPER_OUT)/latexmk.log"; exit 1; }
	$(Q)if grep -E "Warning: (Reference|Citation).*undefined|There were undefined" $(PAPER_OUT)/paper.log | head -5 | grep .; then \
	  echo "paper: undefined references or citations (see $(PAPER_OUT)/paper.log)"; exit 1; fi

paper: paper-build
	$(Q)$(call paper_say,CP,paper/paper.pdf)cp $(PAPER_OUT)/paper.pdf paper/paper.pdf

test-paper: $(BUILD)/harness/allocbench
	$(Q)$(MAKE) --no-print-directory paper-build PAPER_OUT=$(BUILD)/paper-test
	$(Q)$(call paper_say,TEST,paper/test-paper.sh)sh paper/test-paper.sh $(BUILD)/paper-test
TEST_TARGETS += test-paper
