/* Where the reference manager runs, and the spellings of its three managers the cases compare against. */
#ifndef DKV_HARNESS_ENV_H
#define DKV_HARNESS_ENV_H

#include <stddef.h>

/* The demo layout puts orders-1/2/3 on the first/second/third host, cart-1/2 on the first/second. */
#define ENV_HOSTS 3

typedef struct Env {
  const char *hosts[ENV_HOSTS];
  int port;
  char display[ENV_HOSTS][64]; /* "127.0.0.11:PORT": the Manager column */
  char url[ENV_HOSTS][96];     /* "http://127.0.0.11:PORT": the normalized session address */
  char with_port[ENV_HOSTS][64];
  const char *all[ENV_HOSTS]; /* host:port strings, ready to pass as a managers array */
} Env;

/* Puts every manager back to the demo layout with no faults; a case starts from there. */
int env_reset(const Env *env);
/* Host index i (0-based) into a fault. */
int env_fault(const Env *env, int i, const char *fault);
/* Logged requests that arrived on host i (-1: any host) and match method/path/query (NULL: any). */
int env_requests(const Env *env, int i, const char *method, const char *path, const char *query);
/* GET of a control path (e.g. "/_control/accounting/OrdersStore") into buf; returns the status. */
int env_get(const Env *env, const char *path, char *buf, size_t cap);

#endif
