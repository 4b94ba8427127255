# harness/install.mk: make install PREFIX=... [DESTDIR=...]: allocbench with
# its workloads and their data, runnable without this repository's tree
# (harness/README.md, "Installing allocbench").
#
#   $(PREFIX)/lib/allocbench/            the run-time part of the tree, in the
#                                        repository's layout: build/harness/ (allocbench,
#                                        ab-probe, liblocked.so, the shims), the workload
#                                        binaries and data the registries name,
#                                        workloads/**/workloads.tsv, allocator/libtide.so,
#                                        scripts/*.gp, scripts/reproduce.py (claims) and
#                                        scripts/regress-selftest.py (regress --selftest)
#   $(PREFIX)/bin/allocbench             symlink to ../lib/allocbench/build/harness/allocbench
#                                        (allocbench finds its root from its real path)
#   $(PREFIX)/share/doc/allocbench/README.md
#
#   make test-install   harness/test/install.sh (installs into a temporary prefix)
#
# The installed registries name their data files (the arguments that start
# with build/ or workloads/) by absolute path under $(PREFIX), so the
# workloads find them from any working directory; the installed tree is
# therefore not relocatable: install again to move it. Installing twice is
# harmless (install -C keeps unchanged files).

PREFIX ?= /usr/local
AB_INST      = $(PREFIX)/lib/allocbench
AB_IDEST     = $(DESTDIR)$(AB_INST)
AB_INST_REGS := $(sort $(wildcard workloads/workloads.tsv workloads/*/workloads.tsv))
AB_INST_HARNESS := $(BUILD)/harness/allocbench $(BUILD)/harness/ab-probe $(BUILD)/harness/liblocked.so \
                   $(BUILD)/harness/libab-slow.so $(BUILD)/harness/libab-pad.so $(BUILD)/test/fastpath/fastpath
AB_INST_SCRIPTS := $(sort $(wildcard scripts/*.gp scripts/reproduce.py scripts/regress-selftest.py))
# One line per installed group, like the build's ("  INST <dest>").
ab_isay = $(if $(filter 1,$(V)),,printf '  %-4s %s\n' '$(1)' '$(2)';)

# The files the registries use: each row's binary, and each argument (quick,
# full and smoke columns) that starts with build/ or workloads/.
AB_INST_FILES_AWK := 'function cols() { for (i = 1; i <= NF; i++) { f = $$i; gsub(/^ +| +$$|\r/, "", f); c[f] = i } } \
  FNR == 1 { hdr = 1 } /^\#/ || /^\r?$$/ { next } \
  hdr { delete c; cols(); hdr = 0; next } \
  { b = $$c["binary"]; gsub(/^ +| +$$/, "", b); if (b !~ /^\//) print b; \
    n = split($$c["quick_args"] " " $$c["full_args"] " " $$c["smoke_args"], a, " "); \
    for (i = 1; i <= n; i++) if (a[i] ~ /^(build|workloads)\//) print a[i] }'
# The installed copy of a registry: those arguments made absolute.
AB_INST_REG_AWK := 'BEGIN { FS = OFS = "\t" } FNR == 1 { hdr = 1 } /^\#/ || /^\r?$$/ { print; next } \
  hdr { for (i = 1; i <= NF; i++) { f = $$i; gsub(/^ +| +$$|\r/, "", f); if (f ~ /_args$$/) arg[i] = 1 } hdr = 0; print; next } \
  { for (i in arg) if (i + 0 <= NF) { s = " " $$i; gsub(/ build\//, " " D "/build/", s); gsub(/ workloads\//, " " D "/workloads/", s); $$i = substr(s, 2) } print }'

.PHONY: install test-install
install: all
	@case '$(PREFIX)' in /*) ;; *) echo "install: PREFIX must be an absolute path (got '$(PREFIX)')" >&2; exit 1;; esac; \
	 case '$(DESTDIR)$(PREFIX)' in *[[:space:]\&\\]*) echo "install: PREFIX and DESTDIR must not contain blanks, & or backslashes" >&2; exit 1;; esac
	$(Q)$(call ab_isay,INST,$(AB_IDEST)/build/harness)set -e; for f in $(AB_INST_HARNESS); do \
	    install -C -D -m 755 "$$f" "$(AB_IDEST)/$$f"; done
	$(Q)$(call ab_isay,INST,$(AB_IDEST)/allocator/libtide.so)install -C -D -m 755 allocator/libtide.so "$(AB_IDEST)/allocator/libtide.so"
	$(Q)$(call ab_isay,INST,$(AB_IDEST)/build/workloads and workloads (binaries, data))set -e; \
	  files=$$(awk -F'\t' $(AB_INST_FILES_AWK) $(AB_INST_REGS) | sort -u); \
	  for f in $$files; do \
	    if [ ! -f "$$f" ]; then echo "install: $$f (named by a workloads.tsv) does not exist" >&2; exit 1; fi; \
	    if [ -x "$$f" ]; then m=755; else m=644; fi; install -C -D -m $$m "$$f" "$(AB_IDEST)/$$f"; done
	$(Q)$(call ab_isay,GEN,$(AB_IDEST)/workloads/**/workloads.tsv)set -e; for r in $(AB_INST_REGS); do \
	    mkdir -p "$(AB_IDEST)/$$(dirname $$r)"; \
	    awk -v D='$(AB_INST)' $(AB_INST_REG_AWK) "$$r" >"$(AB_IDEST)/$$r.tmp"; \
	    if cmp -s "$(AB_IDEST)/$$r.tmp" "$(AB_IDEST)/$$r"; then rm -f "$(AB_IDEST)/$$r.tmp"; \
	    else chmod 644 "$(AB_IDEST)/$$r.tmp" && mv -f "$(AB_IDEST)/$$r.tmp" "$(AB_IDEST)/$$r"; fi; done
	$(Q)$(call ab_isay,INST,$(AB_IDEST)/scripts)set -e; for f in $(AB_INST_SCRIPTS); do \
	    install -C -D -m 644 "$$f" "$(AB_IDEST)/$$f"; done
	$(Q)$(call ab_isay,INST,$(DESTDIR)$(PREFIX)/share/doc/allocbench/README.md)install -C -D -m 644 harness/README.md \
	    "$(DESTDIR)$(PREFIX)/share/doc/allocbench/README.md"
	$(Q)$(call ab_isay,LN,$(DESTDIR)$(PREFIX)/bin/allocbench)mkdir -p "$(DESTDIR)$(PREFIX)/bin" && \
	    ln -sfn ../lib/allocbench/build/harness/allocbench "$(DESTDIR)$(PREFIX)/bin/allocbench"

# The installed copy, from a temporary prefix, with the repository hidden
# (unshare --mount and a tmpfs over it): list, run, report, plot, regress.
TEST_TARGETS += test-install
test-install: all
	sh harness/test/install.sh
