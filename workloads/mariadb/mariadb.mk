# workloads/mariadb/mariadb.mk: the MariaDB server workload (registry name
# "mariadb"): BSDCan 2006 Fig. 7 with mariadbd under the allocator being
# measured and sysbench oltp_point_select as the client.
#
#   build/workloads/dbbench      the workload binary (workloads/mariadb/README.md)
#   build/workloads/mariadb/     data directory templates, made on first use
#   make test-mariadb            smoke runs, signal and failure paths
#
# The top Makefile includes workloads/workloads.mk first: WL_OUT,
# WL_CFLAGS, WL_COMMON_OBJS and WL_LIBS are its.

DB_DIR := workloads/mariadb
DB_OUT := $(WL_OUT)
DB_BIN := $(DB_OUT)/dbbench

$(DB_OUT)/obj/mariadb/dbbench.o: $(DB_DIR)/dbbench.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(WL_CFLAGS) -c $< -o $@
$(DB_BIN): $(DB_OUT)/obj/mariadb/dbbench.o $(WL_COMMON_OBJS)
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $^ $(WL_LIBS)

ALL_TARGETS += $(DB_BIN)
CLEAN_FILES += $(DB_OUT)/mariadb
TEST_TARGETS += test-mariadb

.PHONY: test-mariadb
test-mariadb: $(DB_BIN) $(TIDE_LIBS)
	sh $(DB_DIR)/test.sh $(DB_BIN)

-include $(wildcard $(DB_OUT)/obj/mariadb/*.d)
