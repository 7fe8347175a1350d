/* The harness's shorthand for a stop of one node (instance) or of every node (instance NULL): it fills a
   DkvStopOptions the way a C caller does, so the older cases read as one line each. Cases about the options
   themselves (instance lists, struct_size, plans) build the struct by hand (cases_plan.c). */
#ifndef DKV_HARNESS_STOP_ARGS_H
#define DKV_HARNESS_STOP_ARGS_H

#include "clustron_dkv.h"

DkvStatus stop_begin_one(const DkvSession *session, const char *const *managers, size_t manager_count, int32_t port,
                         const char *store, const char *instance, uint32_t flags, int32_t timeout_sec,
                         uint32_t throttle, DkvOperation **out_op, char **out_error);

DkvStatus stop_store_one(const DkvSession *session, const char *const *managers, size_t manager_count, int32_t port,
                         const char *store, const char *instance, uint32_t flags, int32_t timeout_sec,
                         uint32_t throttle, DkvResults **out_results, char **out_error);

/* A start of one node (instance) or of every node (instance NULL), with the session's managers and deadline. */
DkvStatus start_begin_one(const DkvSession *session, const char *store, const char *instance, uint32_t flags,
                          DkvOperation **out_op, char **out_error);
DkvStatus start_store_one(const DkvSession *session, const char *store, const char *instance, uint32_t flags,
                          DkvResults **out_results, char **out_error);

/* A rolling restart of one node (instance) or of every node (instance NULL), with the session's managers and
   deadline and a per-node limit (<= 0: none). */
DkvStatus restart_begin_one(const DkvSession *session, const char *store, const char *instance, uint32_t flags,
                            int32_t node_timeout_sec, DkvOperation **out_op, char **out_error);
DkvStatus restart_store_one(const DkvSession *session, const char *store, const char *instance, uint32_t flags,
                            int32_t node_timeout_sec, DkvResults **out_results, char **out_error);

/* Zeroed options with struct_size set: what every caller starts from. */
DkvStopOptions stop_options(const char *store);

#endif
