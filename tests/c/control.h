/* The reference manager's /_control endpoints, over a plain POSIX socket (curl may not be installed). */
#ifndef DKV_HARNESS_CONTROL_H
#define DKV_HARNESS_CONTROL_H

#include <stddef.h>

/* One HTTP/1.1 request with Connection: close. Returns the status code, or -1 when the exchange failed.
   The response body (NUL-terminated, truncated to cap - 1 bytes) goes to body_out when it is not NULL. */
int http_call(const char *host, int port, const char *method, const char *path, const char *body, char *body_out,
              size_t cap);

/* Restores the layout, node states and faults of every manager. Returns the HTTP status. */
int control_reset(const char *host, int port);

/* Switches `target_host` into a fault ("hang", "500", "reset", "latency:MS", "none", ...). Returns the status. */
int control_fault(const char *host, int port, const char *target_host, const char *fault);

/* Requests in the manager's request log (GET /_control/log) whose fields all match; NULL matches anything,
   "" matches an empty field. -1 when the log could not be read. Cleared by control_clear_log. */
int control_log_count(const char *host, int port, const char *manager, const char *method, const char *path,
                      const char *query);
int control_clear_log(const char *host, int port);

#endif
