/* Starts through the operation API (dkv_start_begin, dkv_start_store) against the reference manager (demo layout:
   OrdersStore = orders-1/2/3 on hosts 1/2/3). */
#include "cases.h"
#include "check.h"
#include "stop_args.h"

#include "clustron_dkv.h"

#include <stdio.h>
#include <string.h>

#define START_TIMEOUT_SEC 20

static const char *const NODES[ENV_HOSTS] = {"orders-1", "orders-2", "orders-3"};

static DkvSession *connect_all(const Env *env) {
  DkvSession *session = NULL;
  char *err = NULL;
  int32_t rc = dkv_connect(env->all, ENV_HOSTS, env->port, START_TIMEOUT_SEC, &session, &err);
  CHECK(rc == DKV_OK && session != NULL, "connect -> %d: %s", rc, show(err));
  dkv_free_string(err);
  return session;
}

/* Every row a SUCCESS start of its node with this message, through the node's own manager. */
static void check_start_rows(const Env *env, const DkvResults *r, const char *message) {
  int i;
  CHECK(r != NULL && r->len == ENV_HOSTS, "%lu rows, want %d", (unsigned long)(r == NULL ? 0 : r->len), ENV_HOSTS);
  for (i = 0; r != NULL && i < ENV_HOSTS; i++) {
    size_t k;
    const DkvResult *row = NULL;
    char action[64];
    for (k = 0; k < r->len; k++) {
      if (str_eq(r->items[k].instance, NODES[i])) {
        row = &r->items[k];
      }
    }
    CHECK(row != NULL, "no row for %s", NODES[i]);
    if (row == NULL) {
      continue;
    }
    snprintf(action, sizeof action, "StartInstance:%s", NODES[i]);
    CHECK(str_eq(row->action, action), "%s: action '%s'", NODES[i], show(row->action));
    CHECK(row->kind == DKV_RESULT_SUCCESS && str_eq(row->result, "SUCCESS") && str_eq(row->message, message),
          "%s: %s '%s', want SUCCESS '%s'", NODES[i], show(row->result), show(row->message), message);
    CHECK(str_eq(row->manager, env->display[i]), "%s: manager '%s'", NODES[i], show(row->manager));
  }
}

void case_start_whole_store_after_passive_stop(const Env *env) {
  DkvSession *session = connect_all(env);
  DkvOperation *op = NULL;
  DkvResults *r = NULL;
  DkvProgress *p = NULL;
  static char accounting[16384];
  int32_t rc;
  if (session == NULL) {
    return;
  }
  rc = stop_store_one(session, NULL, 0, 0, "OrdersStore", NULL, 0, START_TIMEOUT_SEC, 0, &r, NULL);
  CHECK(rc == DKV_OK && r != NULL && r->len == ENV_HOSTS, "passive whole-store stop -> %d", rc);
  dkv_free_results(r);
  r = NULL;
  rc = start_begin_one(session, "OrdersStore", NULL, 0, &op, NULL);
  CHECK(rc == DKV_OK && op != NULL, "start_begin -> %d", rc);
  if (op != NULL) {
    CHECK(dkv_op_wait(op, (START_TIMEOUT_SEC + 5) * 1000) == 1, "the start did not finish");
    rc = dkv_op_results(op, &r, NULL);
    CHECK(rc == DKV_OK, "results -> %d", rc);
    check_start_rows(env, r, "Running");
    dkv_free_results(r);
    rc = dkv_op_progress(op, 0, &p, NULL);
    CHECK(rc == DKV_OK && p != NULL && p->finished == 1 && p->failed == 0, "progress -> %d", rc);
    if (p != NULL) {
      size_t i;
      int said_active = 0;
      for (i = 0; i < p->log_len; i++) {
        said_active |= str_has(p->log[i], "is Active: every node runs");
      }
      CHECK(said_active, "no log line says the store was made Active");
      dkv_free_progress(p);
    }
    dkv_op_free(op);
  }
  CHECK(env_requests(env, -1, "PUT", "/admin/v1/stores/OrdersStore/state", NULL) == 2,
        "want one PUT Passive (the stop) and one PUT Active (the start)");
  CHECK(env_get(env, "/_control/accounting/OrdersStore", accounting, sizeof accounting) == 200 &&
            str_has(accounting, "\"state\":\"Active\"") &&
            (str_has(accounting, "\"lost\":0,") || str_has(accounting, "\"lost\":0}")),
        "the store is not Active or lost partitions: %s", accounting);
  dkv_disconnect(session);
}

void case_start_store_blocking_and_checked(const Env *env) {
  DkvSession *session = connect_all(env);
  DkvResults *r = NULL;
  char *err = NULL;
  int32_t rc;
  int posts;
  if (session == NULL) {
    return;
  }
  /* Every node already runs and the store is Active: a safe re-run that changes nothing. */
  rc = start_store_one(session, "OrdersStore", NULL, 0, &r, &err);
  CHECK(rc == DKV_OK && err == NULL, "start_store -> %d: %s", rc, show(err));
  check_start_rows(env, r, "already running");
  dkv_free_results(r);
  dkv_free_string(err);
  CHECK(env_requests(env, -1, "PUT", NULL, NULL) == 0, "a start of a running Active store changed its state");
  posts = env_requests(env, -1, "POST", NULL, NULL);
  /* A start has no forced form. */
  r = NULL;
  err = NULL;
  rc = start_store_one(session, "OrdersStore", "orders-1", DKV_STOP_FORCE, &r, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && r == NULL && str_has(err, "DKV_STOP_FORCE"), "FORCE -> %d: %s", rc,
        show(err));
  dkv_free_string(err);
  err = NULL;
  {
    DkvOperation *op = NULL;
    rc = start_begin_one(session, "OrdersStore", NULL, DKV_STOP_FORCE, &op, &err);
    CHECK(rc == DKV_ERR_INVALID_ARGUMENT && op == NULL && str_has(err, "DKV_STOP_FORCE"), "begin FORCE -> %d: %s",
          rc, show(err));
    dkv_free_string(err);
    err = NULL;
    rc = start_begin_one(session, "OrdersStore", NULL, 0, NULL, &err);
    CHECK(rc == DKV_ERR_INVALID_ARGUMENT && str_has(err, "out_op"), "NULL out_op -> %d: %s", rc, show(err));
    dkv_free_string(err);
    err = NULL;
    rc = dkv_start_store(session, NULL, &r, &err);
    CHECK(rc == DKV_ERR_INVALID_ARGUMENT && str_has(err, "options"), "NULL options -> %d: %s", rc, show(err));
    dkv_free_string(err);
  }
  CHECK(env_requests(env, -1, "POST", NULL, NULL) == posts, "a refused start sent a request");
  dkv_disconnect(session);
}
