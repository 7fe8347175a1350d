// The C ABI header must compile as C++11, and its names, values, signatures and (64-bit) layouts must be those
// of the spec: a regenerated header that drifts fails here at compile time.
#include "clustron_dkv.h"

#include <cstddef>
#include <type_traits>

#define LAYOUT(type, field, offset) \
  static_assert(sizeof(void *) != 8 || offsetof(type, field) == (offset), #type "." #field " moved")
#define SIZE(type, size) static_assert(sizeof(void *) != 8 || sizeof(type) == (size), #type " changed size")

static_assert(DKV_OK == 0 && DKV_ERR_INVALID_ARGUMENT == 1 && DKV_ERR_NO_MANAGERS == 2 &&
                  DKV_ERR_STORE_NOT_FOUND == 3 && DKV_ERR_INSTANCE_NOT_FOUND == 4 && DKV_ERR_UNREACHABLE == 5 &&
                  DKV_ERR_TIMEOUT == 6 && DKV_ERR_CANCELLED == 7 && DKV_ERR_PROTOCOL == 8 && DKV_ERR_INTERNAL == 9 &&
                  DKV_ERR_NOT_SUPPORTED == 10,
              "status codes");
static_assert(DKV_STOP_FORCE == 1 && DKV_STOP_PARALLEL == 2 && DKV_STOP_FAIL_FAST == 4, "stop flags");
static_assert(DKV_RESULT_SUCCESS == 0 && DKV_RESULT_FAILED == 1 && DKV_RESULT_TIMEOUT == 2 &&
                  DKV_RESULT_SKIPPED == 3 && DKV_RESULT_CANCELLED == 4,
              "result kinds");
static_assert(DKV_NODE_PENDING == 0 && DKV_NODE_RUNNING == 1 && DKV_NODE_DONE == 2, "node states");
static_assert(DKV_RESULT_NONE == -1 && DKV_STOP_KNOWN_FLAGS == 7, "no result yet; known flags");
static_assert(DKV_DEFAULT_PORT == 7801 && DKV_DEFAULT_TIMEOUT_SEC == 30 && DKV_MAX_TIMEOUT_SEC == 86400 &&
                  DKV_DEFAULT_THROTTLE == 32 && DKV_MAX_THROTTLE == 1024 && DKV_RESTART_RECOVERY_GRACE_SEC == 10,
              "defaults and ranges");
// The enums keep the int32 (flags: uint32) ABI.
static_assert(sizeof(DkvStatus) == 4 && std::is_same<std::underlying_type<DkvStatus>::type, int32_t>::value, "status");
static_assert(std::is_same<std::underlying_type<DkvResultKind>::type, int32_t>::value, "result kind");
static_assert(std::is_same<std::underlying_type<DkvNodeState>::type, int32_t>::value, "node state");
static_assert(std::is_same<std::underlying_type<DkvStopFlag>::type, uint32_t>::value, "stop flag");

static_assert(DKV_MAX_LISTED_STORES == 10000 && DKV_MAX_REASON_CHARS == 512, "store list and reason bounds");
LAYOUT(DkvStoreList, names, 0);
LAYOUT(DkvStoreList, len, 8);
LAYOUT(DkvStoreList, unanswered, 16);
SIZE(DkvStoreList, 24);
LAYOUT(DkvResult, manager, 0);
LAYOUT(DkvResult, action, 8);
LAYOUT(DkvResult, result, 16);
LAYOUT(DkvResult, message, 24);
LAYOUT(DkvResult, store, 32);
LAYOUT(DkvResult, instance, 40);
LAYOUT(DkvResult, duration_ms, 48);
LAYOUT(DkvResult, kind, 56);
LAYOUT(DkvResult, http_status, 60);
LAYOUT(DkvResult, down_ms, 64);
SIZE(DkvResult, 72);
LAYOUT(DkvResults, items, 0);
LAYOUT(DkvResults, len, 8);
SIZE(DkvResults, 16);
LAYOUT(DkvInstanceInfo, name, 0);
LAYOUT(DkvInstanceInfo, server, 8);
LAYOUT(DkvInstanceInfo, status, 16);
LAYOUT(DkvInstanceInfo, clustron_port, 24);
LAYOUT(DkvInstanceInfo, client_port, 28);
SIZE(DkvInstanceInfo, 32);
LAYOUT(DkvStoreInfo, name, 0);
LAYOUT(DkvStoreInfo, manager, 8);
LAYOUT(DkvStoreInfo, instances, 16);
LAYOUT(DkvStoreInfo, len, 24);
LAYOUT(DkvStoreInfo, state, 32);
LAYOUT(DkvStoreInfo, safe, 40);
LAYOUT(DkvStoreInfo, migrations_pending, 48);
SIZE(DkvStoreInfo, 56);
LAYOUT(DkvNodeProgress, instance, 0);
LAYOUT(DkvNodeProgress, manager, 8);
LAYOUT(DkvNodeProgress, message, 16);
LAYOUT(DkvNodeProgress, state, 24);
LAYOUT(DkvNodeProgress, kind, 28);
SIZE(DkvNodeProgress, 32);
LAYOUT(DkvProgress, total, 0);
LAYOUT(DkvProgress, done, 8);
LAYOUT(DkvProgress, failed, 16);
LAYOUT(DkvProgress, phase, 24);
LAYOUT(DkvProgress, nodes, 32);
LAYOUT(DkvProgress, nodes_len, 40);
LAYOUT(DkvProgress, log, 48);
LAYOUT(DkvProgress, log_len, 56);
LAYOUT(DkvProgress, log_first, 64);
LAYOUT(DkvProgress, finished, 72);
LAYOUT(DkvProgress, reserved, 76);
SIZE(DkvProgress, 80);
LAYOUT(DkvStopOptions, struct_size, 0);
LAYOUT(DkvStopOptions, flags, 4);
LAYOUT(DkvStopOptions, managers, 8);
LAYOUT(DkvStopOptions, manager_count, 16);
LAYOUT(DkvStopOptions, port, 24);
LAYOUT(DkvStopOptions, timeout_sec, 28);
LAYOUT(DkvStopOptions, store, 32);
LAYOUT(DkvStopOptions, instances, 40);
LAYOUT(DkvStopOptions, instance_count, 48);
LAYOUT(DkvStopOptions, throttle, 56);
LAYOUT(DkvStopOptions, node_timeout_sec, 60);
LAYOUT(DkvStopOptions, reason, 64);
LAYOUT(DkvStopOptions, audit_log, 72);
LAYOUT(DkvStopOptions, audit_command, 80);
LAYOUT(DkvStopOptions, audit_parameters, 88);
SIZE(DkvStopOptions, 96);
LAYOUT(DkvPlannedNode, instance, 0);
LAYOUT(DkvPlannedNode, server, 8);
LAYOUT(DkvPlannedNode, manager, 16);
LAYOUT(DkvPlannedNode, skip_reason, 24);
LAYOUT(DkvPlannedNode, skipped, 32);
SIZE(DkvPlannedNode, 40);
LAYOUT(DkvPlan, store, 0);
LAYOUT(DkvPlan, discovered_by, 8);
LAYOUT(DkvPlan, nodes, 16);
LAYOUT(DkvPlan, len, 24);
LAYOUT(DkvPlan, whole_store, 32);
SIZE(DkvPlan, 40);

// Field types and export signatures exactly as the spec gives them.
#define FIELD(type, field, t) static_assert(std::is_same<decltype(type::field), t>::value, #type "." #field " type")
#define EXPORT(fn, t) static_assert(std::is_same<decltype(&fn), t>::value, #fn " signature")

FIELD(DkvResult, manager, const char *);
FIELD(DkvResult, message, const char *);
FIELD(DkvResult, duration_ms, uint64_t);
FIELD(DkvResult, kind, DkvResultKind);
FIELD(DkvResult, http_status, int32_t);
FIELD(DkvResult, down_ms, int64_t);
FIELD(DkvResults, items, DkvResult *);
FIELD(DkvResults, len, size_t);
FIELD(DkvInstanceInfo, clustron_port, int32_t);
FIELD(DkvStoreInfo, instances, DkvInstanceInfo *);
FIELD(DkvStoreInfo, len, size_t);
FIELD(DkvStoreInfo, state, const char *);
FIELD(DkvStoreInfo, safe, int32_t);
FIELD(DkvStoreInfo, migrations_pending, int64_t);
FIELD(DkvNodeProgress, state, DkvNodeState);
FIELD(DkvNodeProgress, kind, DkvResultKind);
FIELD(DkvStopOptions, flags, uint32_t);
FIELD(DkvStopOptions, node_timeout_sec, int32_t);
FIELD(DkvStopOptions, instances, const char *const *);
FIELD(DkvPlan, nodes, DkvPlannedNode *);
FIELD(DkvProgress, nodes, DkvNodeProgress *);
FIELD(DkvProgress, log, const char *const *);
FIELD(DkvProgress, log_first, uint64_t);
FIELD(DkvProgress, finished, int32_t);

EXPORT(dkv_version, const char *(*)(void));
EXPORT(dkv_free_string, void (*)(char *));
EXPORT(dkv_normalize_manager, DkvStatus (*)(const char *, int32_t, char **, char **));
EXPORT(dkv_connect, DkvStatus (*)(const char *const *, size_t, int32_t, int32_t, DkvSession **, char **));
EXPORT(dkv_disconnect, void (*)(DkvSession *));
EXPORT(dkv_session_manager_count, size_t (*)(const DkvSession *));
EXPORT(dkv_session_manager, DkvStatus (*)(const DkvSession *, size_t, char **, char **));
EXPORT(dkv_get_store, DkvStatus (*)(const DkvSession *, const char *const *, size_t, int32_t, const char *, int32_t,
                                  DkvStoreInfo **, char **));
EXPORT(dkv_free_store_info, void (*)(DkvStoreInfo *));
EXPORT(dkv_stop_begin, DkvStatus (*)(const DkvSession *, const DkvStopOptions *, DkvOperation **, char **));
EXPORT(dkv_op_wait, int32_t (*)(const DkvOperation *, int32_t));
EXPORT(dkv_op_cancel, void (*)(const DkvOperation *));
EXPORT(dkv_op_progress, DkvStatus (*)(const DkvOperation *, uint64_t, DkvProgress **, char **));
EXPORT(dkv_free_progress, void (*)(DkvProgress *));
EXPORT(dkv_op_results, DkvStatus (*)(const DkvOperation *, DkvResults **, char **));
EXPORT(dkv_op_free, void (*)(DkvOperation *));
EXPORT(dkv_stop_store, DkvStatus (*)(const DkvSession *, const DkvStopOptions *, DkvResults **, char **));
EXPORT(dkv_free_results, void (*)(DkvResults *));
EXPORT(dkv_start_begin, DkvStatus (*)(const DkvSession *, const DkvStopOptions *, DkvOperation **, char **));
EXPORT(dkv_start_store, DkvStatus (*)(const DkvSession *, const DkvStopOptions *, DkvResults **, char **));
EXPORT(dkv_restart_begin, DkvStatus (*)(const DkvSession *, const DkvStopOptions *, DkvOperation **, char **));
EXPORT(dkv_restart_store, DkvStatus (*)(const DkvSession *, const DkvStopOptions *, DkvResults **, char **));
EXPORT(dkv_plan_begin, DkvStatus (*)(const DkvSession *, const DkvStopOptions *, DkvOperation **, char **));
EXPORT(dkv_op_plan, DkvStatus (*)(const DkvOperation *, DkvPlan **, char **));
EXPORT(dkv_free_plan, void (*)(DkvPlan *));
EXPORT(dkv_no_managers_message, const char *(*)(void));
