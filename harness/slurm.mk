# harness/slurm.mk: allocbench's Slurm executor (run --executor slurm,
# merge, resume; harness/src/ab_slurm.c, ab_merge.c).
#
#   make test-slurm   a smoke matrix through a private single-node Slurm
#                     cluster (scripts/slurm-cluster.sh), merged and compared
#                     with the same matrix run locally; a killed task, resume,
#                     two machines merged, bad input (harness/test/slurm.sh)

TEST_TARGETS += test-slurm
.PHONY: test-slurm
test-slurm: $(AB_BINS)
	sh harness/test/slurm.sh
