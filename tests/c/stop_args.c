#include "stop_args.h"

#include <string.h>

DkvStopOptions stop_options(const char *store) {
  DkvStopOptions options;
  memset(&options, 0, sizeof options);
  options.struct_size = (uint32_t)sizeof options;
  options.store = store;
  return options;
}

/* `one` must outlive the call: it is the caller's stack slot. */
static DkvStopOptions fill(const char *const *managers, size_t manager_count, int32_t port, const char *store,
                           const char *const *one, uint32_t flags, int32_t timeout_sec, uint32_t throttle) {
  DkvStopOptions options = stop_options(store);
  options.managers = managers;
  options.manager_count = manager_count;
  options.port = port;
  options.flags = flags;
  options.timeout_sec = timeout_sec;
  options.throttle = throttle;
  if (one[0] != NULL) {
    options.instances = one;
    options.instance_count = 1;
  }
  return options;
}

DkvStatus stop_begin_one(const DkvSession *session, const char *const *managers, size_t manager_count, int32_t port,
                         const char *store, const char *instance, uint32_t flags, int32_t timeout_sec,
                         uint32_t throttle, DkvOperation **out_op, char **out_error) {
  const char *one[1];
  DkvStopOptions options;
  one[0] = instance;
  options = fill(managers, manager_count, port, store, one, flags, timeout_sec, throttle);
  return dkv_stop_begin(session, &options, out_op, out_error);
}

DkvStatus stop_store_one(const DkvSession *session, const char *const *managers, size_t manager_count, int32_t port,
                         const char *store, const char *instance, uint32_t flags, int32_t timeout_sec,
                         uint32_t throttle, DkvResults **out_results, char **out_error) {
  const char *one[1];
  DkvStopOptions options;
  one[0] = instance;
  options = fill(managers, manager_count, port, store, one, flags, timeout_sec, throttle);
  return dkv_stop_store(session, &options, out_results, out_error);
}

DkvStatus start_begin_one(const DkvSession *session, const char *store, const char *instance, uint32_t flags,
                          DkvOperation **out_op, char **out_error) {
  const char *one[1];
  DkvStopOptions options;
  one[0] = instance;
  options = fill(NULL, 0, 0, store, one, flags, 0, 0);
  return dkv_start_begin(session, &options, out_op, out_error);
}

DkvStatus start_store_one(const DkvSession *session, const char *store, const char *instance, uint32_t flags,
                          DkvResults **out_results, char **out_error) {
  const char *one[1];
  DkvStopOptions options;
  one[0] = instance;
  options = fill(NULL, 0, 0, store, one, flags, 0, 0);
  return dkv_start_store(session, &options, out_results, out_error);
}

DkvStatus restart_begin_one(const DkvSession *session, const char *store, const char *instance, uint32_t flags,
                            int32_t node_timeout_sec, DkvOperation **out_op, char **out_error) {
  const char *one[1];
  DkvStopOptions options;
  one[0] = instance;
  options = fill(NULL, 0, 0, store, one, flags, 0, 0);
  options.node_timeout_sec = node_timeout_sec;
  return dkv_restart_begin(session, &options, out_op, out_error);
}

DkvStatus restart_store_one(const DkvSession *session, const char *store, const char *instance, uint32_t flags,
                            int32_t node_timeout_sec, DkvResults **out_results, char **out_error) {
  const char *one[1];
  DkvStopOptions options;
  one[0] = instance;
  options = fill(NULL, 0, 0, store, one, flags, 0, 0);
  options.node_timeout_sec = node_timeout_sec;
  return dkv_restart_store(session, &options, out_results, out_error);
}
