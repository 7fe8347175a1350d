/* Rolling restarts through the operation API (dkv_restart_begin, dkv_restart_store) against the reference manager
   (demo layout: OrdersStore = orders-1/2/3 on hosts 1/2/3). */
#include "cases.h"
#include "check.h"
#include "stop_args.h"

#include "clustron_dkv.h"

#include <stdio.h>
#include <string.h>

#define RESTART_TIMEOUT_SEC 30

static const char *const NODES[ENV_HOSTS] = {"orders-1", "orders-2", "orders-3"};
static const char *const STOP[ENV_HOSTS] = {"/admin/v1/stores/OrdersStore/instances/orders-1/stop",
                                            "/admin/v1/stores/OrdersStore/instances/orders-2/stop",
                                            "/admin/v1/stores/OrdersStore/instances/orders-3/stop"};
static const char *const START[ENV_HOSTS] = {"/admin/v1/stores/OrdersStore/instances/orders-1/start",
                                             "/admin/v1/stores/OrdersStore/instances/orders-2/start",
                                             "/admin/v1/stores/OrdersStore/instances/orders-3/start"};

static DkvSession *connect_all(const Env *env) {
  DkvSession *session = NULL;
  char *err = NULL;
  int32_t rc = dkv_connect(env->all, ENV_HOSTS, env->port, RESTART_TIMEOUT_SEC, &session, &err);
  CHECK(rc == DKV_OK && session != NULL, "connect -> %d: %s", rc, show(err));
  dkv_free_string(err);
  return session;
}

static const DkvResult *find_row(const DkvResults *r, const char *instance) {
  size_t k;
  for (k = 0; r != NULL && k < r->len; k++) {
    if (str_eq(r->items[k].instance, instance)) {
      return &r->items[k];
    }
  }
  return NULL;
}

/* Every row a SUCCESS restart of its node, through its own manager, with its downtime. */
static void check_restart_rows(const Env *env, const DkvResults *r) {
  int i;
  CHECK(r != NULL && r->len == ENV_HOSTS, "%lu rows, want %d", (unsigned long)(r == NULL ? 0 : r->len), ENV_HOSTS);
  for (i = 0; i < ENV_HOSTS; i++) {
    const DkvResult *row = find_row(r, NODES[i]);
    char action[64];
    CHECK(row != NULL, "no row for %s", NODES[i]);
    if (row == NULL) {
      continue;
    }
    snprintf(action, sizeof action, "RestartInstance:%s", NODES[i]);
    CHECK(str_eq(row->action, action), "%s: action '%s'", NODES[i], show(row->action));
    CHECK(row->kind == DKV_RESULT_SUCCESS && str_eq(row->result, "SUCCESS") && str_starts(row->message, "Running; down "),
          "%s: %s '%s'", NODES[i], show(row->result), show(row->message));
    CHECK(row->down_ms > 0 && (uint64_t)row->down_ms <= row->duration_ms, "%s: down_ms %lld, duration_ms %llu",
          NODES[i], (long long)row->down_ms, (unsigned long long)row->duration_ms);
    CHECK(str_eq(row->manager, env->display[i]), "%s: manager '%s'", NODES[i], show(row->manager));
  }
}

void case_restart_rolls_one_node_at_a_time(const Env *env) {
  DkvSession *session = connect_all(env);
  DkvOperation *op = NULL;
  DkvResults *r = NULL;
  static char accounting[32768];
  int saw_phase = 0;
  int32_t rc;
  int i;
  uint64_t give_up;
  if (session == NULL) {
    return;
  }
  rc = restart_begin_one(session, "OrdersStore", NULL, 0, 10, &op, NULL);
  CHECK(rc == DKV_OK && op != NULL, "restart_begin -> %d", rc);
  if (op != NULL) {
    give_up = now_ms() + (RESTART_TIMEOUT_SEC + 15) * 1000u;
    while (dkv_op_wait(op, 5) == 0 && now_ms() < give_up) {
      DkvProgress *p = NULL;
      if (dkv_op_progress(op, 0, &p, NULL) == DKV_OK && p != NULL) {
        saw_phase |= str_starts(p->phase, "Restarting orders-") && str_has(p->phase, " of 3): ");
        dkv_free_progress(p);
      }
    }
    CHECK(dkv_op_wait(op, 0) == 1, "the restart did not finish");
    CHECK(saw_phase, "no progress phase 'Restarting orders-N (N of 3): ...'");
    rc = dkv_op_results(op, &r, NULL);
    CHECK(rc == DKV_OK, "results -> %d", rc);
    check_restart_rows(env, r);
    dkv_free_results(r);
    dkv_op_free(op);
  }
  for (i = 0; i < ENV_HOSTS; i++) {
    CHECK(env_requests(env, i, "POST", STOP[i], "") == 1, "%s: want one graceful stop", NODES[i]);
    /* The start sent first as a check that the node can be started again (409 AlreadyRunning), then the start. */
    CHECK(env_requests(env, i, "POST", START[i], "") == 2, "%s: want two starts", NODES[i]);
  }
  CHECK(env_get(env, "/_control/accounting/OrdersStore", accounting, sizeof accounting) == 200 &&
            str_has(accounting, "\"maxDown\":1,") && str_has(accounting, "\"lost\":0,"),
        "two nodes down at once, or data lost: %s", accounting);
  dkv_disconnect(session);
}

void case_restart_cancel_brings_the_node_back(const Env *env) {
  DkvSession *session = connect_all(env);
  DkvOperation *op = NULL;
  DkvResults *r = NULL;
  uint64_t give_up;
  int32_t rc;
  if (session == NULL) {
    return;
  }
  /* Every answer of orders-1's manager takes 300 ms: the cancel comes while its stop is on its way. */
  CHECK(env_fault(env, 0, "latency:300") == 200, "could not set the latency fault");
  rc = restart_begin_one(session, "OrdersStore", NULL, 0, 0, &op, NULL);
  CHECK(rc == DKV_OK && op != NULL, "restart_begin -> %d", rc);
  if (op == NULL) {
    dkv_disconnect(session);
    return;
  }
  give_up = now_ms() + RESTART_TIMEOUT_SEC * 1000u;
  while (env_requests(env, 0, "POST", STOP[0], "") < 1 && now_ms() < give_up) {
    sleep_ms(2);
  }
  CHECK(env_requests(env, 0, "POST", STOP[0], "") == 1, "orders-1's stop was never sent");
  dkv_op_cancel(op);
  CHECK(dkv_op_wait(op, (DKV_RESTART_RECOVERY_GRACE_SEC + 5) * 1000) == 1, "the recovery did not end");
  rc = dkv_op_results(op, &r, NULL);
  CHECK(rc == DKV_OK && r != NULL && r->len == ENV_HOSTS, "results -> %d", rc);
  if (r != NULL) {
    const DkvResult *back = find_row(r, "orders-1");
    int i;
    CHECK(back != NULL && back->kind == DKV_RESULT_CANCELLED && str_has(back->message, "the node was started again"),
          "orders-1: %s '%s'", show(back == NULL ? NULL : back->result), show(back == NULL ? NULL : back->message));
    for (i = 1; i < ENV_HOSTS; i++) {
      const DkvResult *row = find_row(r, NODES[i]);
      CHECK(row != NULL && row->kind == DKV_RESULT_CANCELLED && row->down_ms == -1 &&
                str_eq(row->message, "not restarted: cancelled before its turn"),
            "%s: '%s'", NODES[i], show(row == NULL ? NULL : row->message));
    }
    dkv_free_results(r);
  }
  CHECK(env_requests(env, 0, "POST", START[0], "") >= 2, "orders-1 was not started again");
  CHECK(env_requests(env, 1, "POST", STOP[1], "") == 0 && env_requests(env, 2, "POST", STOP[2], "") == 0,
        "a later node was stopped after the cancel");
  dkv_op_free(op);
  dkv_disconnect(session);
}

void case_restart_store_blocking_and_checked(const Env *env) {
  DkvSession *session = connect_all(env);
  DkvResults *r = NULL;
  DkvOperation *op = NULL;
  char *err = NULL;
  int32_t rc;
  int posts;
  if (session == NULL) {
    return;
  }
  rc = restart_store_one(session, "OrdersStore", "orders-2", DKV_STOP_FAIL_FAST, 0, &r, &err);
  CHECK(rc == DKV_OK && err == NULL && r != NULL && r->len == 1, "restart_store -> %d: %s", rc, show(err));
  if (r != NULL && r->len == 1) {
    CHECK(r->items[0].kind == DKV_RESULT_SUCCESS && r->items[0].down_ms > 0 &&
              str_eq(r->items[0].action, "RestartInstance:orders-2"),
          "orders-2: %s '%s'", show(r->items[0].result), show(r->items[0].message));
  }
  dkv_free_results(r);
  dkv_free_string(err);
  posts = env_requests(env, -1, "POST", NULL, NULL);
  /* Refused before anything is sent: FORCE, PARALLEL, a per-node limit out of range, NULL arguments. */
  r = NULL;
  err = NULL;
  rc = restart_store_one(session, "OrdersStore", NULL, DKV_STOP_FORCE, 0, &r, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && r == NULL && str_has(err, "DKV_STOP_FORCE"), "FORCE -> %d: %s", rc,
        show(err));
  dkv_free_string(err);
  err = NULL;
  rc = restart_begin_one(session, "OrdersStore", NULL, DKV_STOP_PARALLEL, 0, &op, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && op == NULL && str_has(err, "DKV_STOP_PARALLEL"), "PARALLEL -> %d: %s", rc,
        show(err));
  dkv_free_string(err);
  err = NULL;
  rc = restart_begin_one(session, "OrdersStore", NULL, 0, DKV_MAX_TIMEOUT_SEC + 1, &op, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && op == NULL && str_has(err, "node_timeout_sec"), "limit -> %d: %s", rc,
        show(err));
  dkv_free_string(err);
  err = NULL;
  rc = restart_begin_one(session, "OrdersStore", NULL, 0, 0, NULL, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && str_has(err, "out_op"), "NULL out_op -> %d: %s", rc, show(err));
  dkv_free_string(err);
  err = NULL;
  rc = dkv_restart_store(session, NULL, &r, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && str_has(err, "options"), "NULL options -> %d: %s", rc, show(err));
  dkv_free_string(err);
  err = NULL;
  /* A per-node limit on a stop is refused too: a stop has none. */
  {
    DkvStopOptions options = stop_options("OrdersStore");
    options.node_timeout_sec = 5;
    rc = dkv_stop_store(session, &options, &r, &err);
    CHECK(rc == DKV_ERR_INVALID_ARGUMENT && r == NULL && str_has(err, "node_timeout_sec"), "stop limit -> %d: %s",
          rc, show(err));
    dkv_free_string(err);
  }
  CHECK(posts > 0 && env_requests(env, -1, "POST", NULL, NULL) == posts, "a refused call sent a request");
  dkv_disconnect(session);
}
