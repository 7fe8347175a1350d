/* SPEC DRAFT: replaced by the cbindgen output of build.rs; layout and names are binding. */
#ifndef CLUSTRON_DKV_H
#define CLUSTRON_DKV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Status codes returned by every fallible export. */
#define DKV_OK 0
#define DKV_ERR_INVALID_ARGUMENT 1   /* a null pointer, bad UTF-8, a bad address, name, port or timeout */
#define DKV_ERR_NO_MANAGERS 2        /* "No managers connected. Use Connect-DkvManager or specify -Managers." */
#define DKV_ERR_STORE_NOT_FOUND 3    /* every manager answered 404 */
#define DKV_ERR_INSTANCE_NOT_FOUND 4 /* -InstanceName not in the store; message lists the nodes */
#define DKV_ERR_UNREACHABLE 5        /* no manager answered discovery; message lists each reason */
#define DKV_ERR_TIMEOUT 6            /* the deadline passed before discovery finished */
#define DKV_ERR_CANCELLED 7          /* cancelled before discovery finished */
#define DKV_ERR_PROTOCOL 8           /* a manager answered with something the contract does not allow */
#define DKV_ERR_INTERNAL 9           /* a bug: a panic caught at the boundary */

/* Flags of dkv_stop_store / dkv_stop_begin. */
#define DKV_STOP_FORCE 1
#define DKV_STOP_PARALLEL 2
#define DKV_STOP_FAIL_FAST 4

/* DkvResult.kind */
#define DKV_RESULT_SUCCESS 0
#define DKV_RESULT_FAILED 1
#define DKV_RESULT_TIMEOUT 2
#define DKV_RESULT_SKIPPED 3
#define DKV_RESULT_CANCELLED 4

/* DkvNodeProgress.state */
#define DKV_NODE_PENDING 0
#define DKV_NODE_RUNNING 1
#define DKV_NODE_DONE 2

typedef struct DkvOperation DkvOperation; /* opaque; dkv_op_free */
typedef struct DkvSession DkvSession;     /* opaque; dkv_disconnect */

/* One row per node. Every string is UTF-8, NUL-terminated, owned by the DkvResults that holds it. */
typedef struct DkvResult {
  const char *manager;  /* "10.0.0.11:7801" */
  const char *action;   /* "StopInstance:orders-1" */
  const char *result;   /* "SUCCESS" | "FAILED" | "TIMEOUT" | "SKIPPED" | "CANCELLED" */
  const char *message;  /* "Stopped", the manager's error text, "timed out after 30 s", ... */
  const char *store;
  const char *instance;
  uint64_t duration_ms;
  int32_t kind;         /* DKV_RESULT_* */
  int32_t http_status;  /* last HTTP status from the manager, 0 when none */
} DkvResult;

typedef struct DkvResults {
  DkvResult *items;
  size_t len;
} DkvResults;

typedef struct DkvInstanceInfo {
  const char *name;
  const char *server;
  const char *status;
  int32_t clustron_port;
  int32_t client_port;
} DkvInstanceInfo;

typedef struct DkvStoreInfo {
  const char *name;
  const char *manager;  /* the manager that answered discovery */
  DkvInstanceInfo *instances;
  size_t len;
} DkvStoreInfo;

typedef struct DkvNodeProgress {
  const char *instance;
  const char *manager;
  const char *message;  /* latest message for this node */
  int32_t state;        /* DKV_NODE_* */
  int32_t kind;         /* DKV_RESULT_* once state is DONE, else -1 */
} DkvNodeProgress;

/* A snapshot. log holds the log lines numbered log_first .. log_first+log_len-1 (only those after the
   `log_since` the caller passed); pass log_first+log_len next time to get only new lines. */
typedef struct DkvProgress {
  uint64_t total;
  uint64_t done;
  uint64_t failed;    /* FAILED + TIMEOUT so far */
  const char *phase;  /* "Discovering", "Checking safety", "Making store passive", "Stopping", "Done" */
  DkvNodeProgress *nodes;
  size_t nodes_len;
  const char *const *log;
  size_t log_len;
  uint64_t log_first;
  int32_t finished;   /* 1 when the operation is over */
  int32_t reserved;
} DkvProgress;

#ifdef __cplusplus
extern "C" {
#endif

/* Library version, static string; never freed. */
const char *dkv_version(void);

/* Frees a string the library returned through an out_error / out_text parameter. NULL is a no-op. */
void dkv_free_string(char *s);

/* Validates one manager address and returns its normalized "scheme://host:port" form (free with dkv_free_string). */
int32_t dkv_normalize_manager(const char *address, int32_t default_port, char **out_normalized, char **out_error);

/* Creates a session: managers[0..manager_count] (addresses as in docs/manager-api.md), default port (<= 0 → 7801),
   default timeout (<= 0 → 30 s). Validates every address; sends nothing. */
int32_t dkv_connect(const char *const *managers, size_t manager_count, int32_t port, int32_t timeout_sec,
                    DkvSession **out_session, char **out_error);

/* Frees a session. NULL is a no-op. Operations begun on it keep working. */
void dkv_disconnect(DkvSession *session);

/* Number of managers in the session, and the normalized address of manager i (free with dkv_free_string). */
size_t dkv_session_manager_count(const DkvSession *session);
int32_t dkv_session_manager(const DkvSession *session, size_t index, char **out_address, char **out_error);

/* Discovery alone (Get-DkvStore, tab completion). session may be NULL when managers are given; managers given
   override the session's. port/timeout_sec <= 0 → the session's (or 7801 / 30). */
int32_t dkv_get_store(const DkvSession *session, const char *const *managers, size_t manager_count, int32_t port,
                      const char *store, int32_t timeout_sec, DkvStoreInfo **out_info, char **out_error);
void dkv_free_store_info(DkvStoreInfo *info);

/* Starts a stop in the background and returns at once. instance may be NULL (every node). flags: DKV_STOP_*.
   throttle: most managers worked on at once with DKV_STOP_PARALLEL (0 → 32). Argument errors and the
   no-managers case are returned here; discovery errors come from dkv_op_results. */
int32_t dkv_stop_begin(const DkvSession *session, const char *const *managers, size_t manager_count, int32_t port,
                       const char *store, const char *instance, uint32_t flags, int32_t timeout_sec,
                       uint32_t throttle, DkvOperation **out_op, char **out_error);

/* Waits up to timeout_ms (0 = just look, < 0 = until finished). Returns 1 when finished, 0 when not, < 0 on
   a null handle. */
int32_t dkv_op_wait(const DkvOperation *op, int32_t timeout_ms);

/* Nothing new starts; graceful waits end at their next poll; unstarted nodes become CANCELLED. Idempotent. */
void dkv_op_cancel(const DkvOperation *op);

/* A snapshot of progress (free with dkv_free_progress). */
int32_t dkv_op_progress(const DkvOperation *op, uint64_t log_since, DkvProgress **out_progress, char **out_error);
void dkv_free_progress(DkvProgress *progress);

/* Rows finished so far, in the order they finished (append-only: a poller may skip those it has seen). When the
   operation failed before any node (discovery), returns that status and message. */
int32_t dkv_op_results(const DkvOperation *op, DkvResults **out_results, char **out_error);

/* Frees the handle. A running operation is cancelled first; its threads end on their own by the deadline. */
void dkv_op_free(DkvOperation *op);

/* Blocking stop: begin + wait + results + free. */
int32_t dkv_stop_store(const DkvSession *session, const char *const *managers, size_t manager_count, int32_t port,
                       const char *store, const char *instance, uint32_t flags, int32_t timeout_sec,
                       uint32_t throttle, DkvResults **out_results, char **out_error);

void dkv_free_results(DkvResults *results);

#ifdef __cplusplus
}
#endif

#endif /* CLUSTRON_DKV_H */
