# workloads/mariadb/mariadb.mk: the MariaDB server workload (registry name
# "mariadb"): BSDCan 2006 Fig. 7 with mariadbd under the allocator being
# measured and sysbench oltp_point_select as the client.
#
#   build/workloads/dbbench      the workload binary (workloads/mariadb/README.md)
#   build/workloads/mariadb/     data directory templates, made on first use
#   make test-mariadb            smoke runs, signal and failure paths
#
# The top Makefile includes workloads/*/*.mk before workloads/workloads.mk, so
# WL_OUT and WL_COMMON_OBJS are still empty where this file's prerequisites
# are read: DB_COMMON_OBJS names the same objects (their rules are the pattern
# rules of workloads.mk), and the link recipe, which runs after everything is
# read, stops if WL_COMMON_OBJS has grown an object this list lacks.

DB_DIR := workloads/mariadb
DB_OUT := $(BUILD)/workloads
DB_BIN := $(DB_OUT)/dbbench
DB_COMMON_OBJS := $(DB_OUT)/obj/wl.o $(DB_OUT)/obj/wl_place.o $(DB_OUT)/obj/wl_maps.o

$(DB_OUT)/obj/mariadb/dbbench.o: $(DB_DIR)/dbbench.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC)$(CC) $(WL_CFLAGS) -c $< -o $@
$(DB_BIN): $(DB_OUT)/obj/mariadb/dbbench.o $(DB_COMMON_OBJS)
	$(if $(filter-out $^,$(WL_COMMON_OBJS)),$(error $(DB_DIR)/mariadb.mk: DB_COMMON_OBJS lacks $(filter-out $^,$(WL_COMMON_OBJS))))
	$(Q)$(call say,LD)$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $^ $(WL_LIBS)

ALL_TARGETS += $(DB_BIN)
CLEAN_FILES += $(DB_OUT)/mariadb
TEST_TARGETS += test-mariadb

.PHONY: test-mariadb
test-mariadb: $(DB_BIN) $(TIDE_LIBS)
	sh $(DB_DIR)/test.sh $(DB_BIN)

-include $(wildcard $(DB_OUT)/obj/mariadb/*.d)
