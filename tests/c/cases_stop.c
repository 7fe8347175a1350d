/* Cases against the reference manager (demo layout: OrdersStore = orders-1/2/3 on hosts 1/2/3). */
#include "cases.h"
#include "check.h"
#include "control.h"
#include "stop_args.h"

#include "clustron_dkv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Long enough for any healthy step under valgrind, short enough that a hung thread ends soon after its case. */
#define CASE_TIMEOUT_SEC 20
#define HUNG_TIMEOUT_SEC 5

static const char *const ORDERS[ENV_HOSTS] = {"orders-1", "orders-2", "orders-3"};
static const char *const STOP_PATH[ENV_HOSTS] = {"/admin/v1/stores/OrdersStore/instances/orders-1/stop",
                                                 "/admin/v1/stores/OrdersStore/instances/orders-2/stop",
                                                 "/admin/v1/stores/OrdersStore/instances/orders-3/stop"};

static DkvSession *connect_hosts(const Env *env, size_t count) {
  DkvSession *session = NULL;
  char *err = NULL;
  int32_t rc = dkv_connect(env->all, count, env->port, CASE_TIMEOUT_SEC, &session, &err);
  CHECK(rc == DKV_OK && session != NULL, "connect -> %d: %s", rc, show(err));
  dkv_free_string(err);
  return session;
}

static const DkvResult *row_for(const DkvResults *results, const char *instance) {
  size_t i;
  if (results == NULL) {
    return NULL;
  }
  for (i = 0; i < results->len; i++) {
    if (str_eq(results->items[i].instance, instance)) {
      return &results->items[i];
    }
  }
  return NULL;
}

/* A row with every column the reference's table shows, routed through the manager on the node's own host. */
static void check_row(const Env *env, const DkvResults *results, int host, const char *store, int32_t kind,
                      const char *label) {
  const char *instance = ORDERS[host];
  const DkvResult *row = row_for(results, instance);
  char action[64];
  CHECK(row != NULL, "no row for %s", instance);
  if (row == NULL) {
    return;
  }
  snprintf(action, sizeof action, "StopInstance:%s", instance);
  CHECK(row->kind == kind && str_eq(row->result, label), "%s: kind %d result '%s' (message '%s'), want %d %s",
        instance, row->kind, show(row->result), show(row->message), kind, label);
  CHECK(str_eq(row->manager, env->display[host]), "%s: manager '%s', want '%s'", instance, show(row->manager),
        env->display[host]);
  CHECK(str_eq(row->action, action), "%s: action '%s'", instance, show(row->action));
  CHECK(str_eq(row->store, store), "%s: store '%s'", instance, show(row->store));
  CHECK(row->message != NULL && row->message[0] != '\0', "%s: empty message", instance);
}

static char *copy_of(const char *s) {
  size_t size = strlen(s == NULL ? "" : s) + 1;
  char *c = malloc(size);
  if (c != NULL) {
    memcpy(c, s == NULL ? "" : s, size);
  }
  return c;
}

/* Node status as a manager reports it now, through the public discovery call. */
static char *node_status(const Env *env, const char *instance) {
  DkvStoreInfo *info = NULL;
  char *copy = NULL;
  size_t i;
  int32_t rc = dkv_get_store(NULL, env->all, 1, 0, "OrdersStore", CASE_TIMEOUT_SEC, &info, NULL);
  if (rc != DKV_OK || info == NULL) {
    return NULL;
  }
  for (i = 0; i < info->len && copy == NULL; i++) {
    if (str_eq(info->instances[i].name, instance) && info->instances[i].status != NULL) {
      copy = copy_of(info->instances[i].status);
    }
  }
  dkv_free_store_info(info);
  return copy;
}

static void expect_status(const Env *env, const char *instance, const char *want) {
  char *status = node_status(env, instance);
  CHECK(str_eq(status, want), "%s is '%s' on the manager, want '%s'", instance, show(status), want);
  free(status);
}

void case_get_store(const Env *env) {
  DkvSession *session = connect_hosts(env, ENV_HOSTS);
  DkvStoreInfo *info = NULL;
  char *err = NULL;
  size_t i;
  int32_t rc;
  if (session == NULL) {
    return;
  }
  rc = dkv_get_store(session, NULL, 0, 0, "OrdersStore", 0, &info, &err);
  CHECK(rc == DKV_OK && info != NULL, "get_store -> %d: %s", rc, show(err));
  dkv_free_string(err);
  if (info != NULL) {
    CHECK(str_eq(info->name, "OrdersStore"), "name '%s'", show(info->name));
    CHECK(str_eq(info->manager, env->display[0]), "answered by '%s', want the first manager '%s'",
          show(info->manager), env->display[0]);
    CHECK(info->len == 3, "%lu instances, want 3", (unsigned long)info->len);
    for (i = 0; i < info->len && i < 3; i++) {
      const DkvInstanceInfo *node = &info->instances[i];
      CHECK(str_eq(node->name, ORDERS[i]), "instance %lu is '%s'", (unsigned long)i, show(node->name));
      CHECK(str_eq(node->server, env->hosts[i]), "%s on server '%s'", show(node->name), show(node->server));
      CHECK(str_eq(node->status, "Running"), "%s is '%s'", show(node->name), show(node->status));
      CHECK(node->clustron_port == 7811 && node->client_port == 7861, "%s ports %d/%d", show(node->name),
            node->clustron_port, node->client_port);
    }
    /* Get-DkvStore's extra fields: the safety answer gives the state and the safety. */
    CHECK(str_eq(info->state, "Active"), "state '%s', want Active", show(info->state));
    CHECK(info->safe == 1 && info->migrations_pending == 0, "safe %d, %lld migrations pending", info->safe,
          (long long)info->migrations_pending);
    dkv_free_store_info(info);
  }
  /* A Passive store reads Passive (and is made Active again for the cases after this one). */
  info = NULL;
  CHECK(http_call(env->hosts[0], env->port, "PUT", "/admin/v1/stores/OrdersStore/state", "{\"state\":\"Passive\"}",
                  NULL, 0) == 200,
        "PUT state Passive");
  rc = dkv_get_store(session, NULL, 0, 0, "OrdersStore", 0, &info, NULL);
  CHECK(rc == DKV_OK && info != NULL && str_eq(info->state, "Passive"), "get_store after Passive -> %d, state '%s'",
        rc, info != NULL ? show(info->state) : "(no info)");
  dkv_free_store_info(info);
  CHECK(http_call(env->hosts[0], env->port, "PUT", "/admin/v1/stores/OrdersStore/state", "{\"state\":\"Active\"}",
                  NULL, 0) == 200,
        "PUT state Active");
  /* Explicit managers override the session's: discovery now asks the second manager first. */
  info = NULL;
  rc = dkv_get_store(session, &env->all[1], 1, 0, "CartStore", 0, &info, NULL);
  CHECK(rc == DKV_OK && info != NULL, "get_store CartStore -> %d", rc);
  if (info != NULL) {
    CHECK(str_eq(info->manager, env->display[1]), "answered by '%s', want '%s'", show(info->manager),
          env->display[1]);
    CHECK(info->len == 2 && str_eq(info->instances[0].name, "cart-1") && str_eq(info->instances[1].name, "cart-2"),
          "CartStore has %lu instances", (unsigned long)info->len);
    dkv_free_store_info(info);
  }
  dkv_disconnect(session);
}

void case_stop_one_node_forced(const Env *env) {
  DkvSession *session = connect_hosts(env, ENV_HOSTS);
  DkvResults *results = NULL;
  char *err = NULL;
  int32_t rc;
  if (session == NULL) {
    return;
  }
  rc = stop_store_one(session, NULL, 0, 0, "OrdersStore", "orders-2", DKV_STOP_FORCE, 0, 0, &results, &err);
  CHECK(rc == DKV_OK && results != NULL, "stop_store -> %d: %s", rc, show(err));
  dkv_free_string(err);
  if (results != NULL) {
    CHECK(results->len == 1, "%lu rows, want 1", (unsigned long)results->len);
    check_row(env, results, 1, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
    if (results->len == 1) {
      CHECK(str_eq(results->items[0].message, "Stopped"), "message '%s'", show(results->items[0].message));
      CHECK(results->items[0].http_status == 200, "http_status %d", results->items[0].http_status);
      CHECK(results->items[0].duration_ms < (uint64_t)CASE_TIMEOUT_SEC * 1000u, "duration %lu ms",
            (unsigned long)results->items[0].duration_ms);
    }
    dkv_free_results(results);
  }
  expect_status(env, "orders-2", "Stopped");
  expect_status(env, "orders-1", "Running");
  expect_status(env, "orders-3", "Running");
  CHECK(env_requests(env, 1, "POST", STOP_PATH[1], "force=true") == 1,
        "the manager of orders-2 did not get exactly one POST ...?force=true");
  CHECK(env_requests(env, -1, "POST", NULL, NULL) == 1, "%d POSTs, want only the one stop",
        env_requests(env, -1, "POST", NULL, NULL));

  /* Stopping a stopped node again is safe: the manager's 409 is SUCCESS. */
  results = NULL;
  rc = stop_store_one(session, NULL, 0, 0, "OrdersStore", "orders-2", DKV_STOP_FORCE, 0, 0, &results, NULL);
  CHECK(rc == DKV_OK && results != NULL && results->len == 1, "second stop -> %d", rc);
  if (results != NULL && results->len == 1) {
    CHECK(results->items[0].kind == DKV_RESULT_SUCCESS && results->items[0].http_status == 409,
          "second stop: kind %d, http %d, message '%s'", results->items[0].kind, results->items[0].http_status,
          show(results->items[0].message));
  }
  dkv_free_results(results);
  dkv_disconnect(session);
}

/* What a poller remembers between snapshots, to check that they only ever move forward. */
typedef struct Watch {
  const Env *env;
  char *log[512];
  size_t log_count;
  uint64_t log_since;
  int node_state[ENV_HOSTS];
  char *rows[ENV_HOSTS * 2];
  size_t row_count;
  int saw_unfinished;
  int saw_passive_line;
} Watch;

static void watch_free(Watch *w) {
  size_t i;
  for (i = 0; i < w->log_count; i++) {
    free(w->log[i]);
  }
  for (i = 0; i < w->row_count; i++) {
    free(w->rows[i]);
  }
}

static int is_phase(const char *phase) {
  return str_eq(phase, "Discovering") || str_eq(phase, "Checking safety") || str_eq(phase, "Making store passive") ||
         str_eq(phase, "Stopping") || str_eq(phase, "Done");
}

static int order_index(const char *instance) {
  int i;
  for (i = 0; i < ENV_HOSTS; i++) {
    if (str_eq(instance, ORDERS[i])) {
      return i;
    }
  }
  return -1;
}

static void watch_progress(Watch *w, const DkvProgress *p) {
  size_t i;
  CHECK(p->log_first == w->log_since, "asked for log lines from %lu, got from %lu", (unsigned long)w->log_since,
        (unsigned long)p->log_first);
  CHECK(is_phase(p->phase), "unknown phase '%s'", show(p->phase));
  CHECK(p->done <= p->total && p->failed <= p->done, "done %lu of %lu, failed %lu", (unsigned long)p->done,
        (unsigned long)p->total, (unsigned long)p->failed);
  CHECK(p->nodes_len == 0 || (p->nodes_len == 3 && p->total == 3), "%lu nodes, total %lu",
        (unsigned long)p->nodes_len, (unsigned long)p->total);
  for (i = 0; i < p->log_len; i++) {
    CHECK(p->log[i] != NULL, "log line %lu is NULL", (unsigned long)(p->log_first + i));
    if (w->log_count < sizeof w->log / sizeof w->log[0]) {
      w->log[w->log_count++] = copy_of(p->log[i]);
    }
    if (str_has(p->log[i], "Passive")) {
      w->saw_passive_line = 1;
    }
  }
  w->log_since = p->log_first + p->log_len;
  for (i = 0; i < p->nodes_len; i++) {
    const DkvNodeProgress *n = &p->nodes[i];
    int k = order_index(n->instance);
    CHECK(k >= 0, "unexpected node '%s'", show(n->instance));
    if (k < 0) {
      continue;
    }
    CHECK(str_eq(n->manager, w->env->display[k]), "%s via '%s'", ORDERS[k], show(n->manager));
    CHECK(n->state >= w->node_state[k], "%s went back from state %d to %d", ORDERS[k], w->node_state[k], n->state);
    CHECK(n->state == DKV_NODE_DONE ? (n->kind >= DKV_RESULT_SUCCESS && n->kind <= DKV_RESULT_CANCELLED)
                                    : n->kind == -1,
          "%s: state %d with kind %d", ORDERS[k], n->state, n->kind);
    CHECK(n->message != NULL, "%s: NULL message", ORDERS[k]);
    w->node_state[k] = n->state;
  }
  if (!p->finished) {
    w->saw_unfinished = 1;
  }
}

/* Rows are append-only: every poll must start with the rows the previous poll returned. */
static void watch_rows(Watch *w, const DkvResults *r) {
  size_t i;
  CHECK(r->len >= w->row_count, "rows shrank from %lu to %lu", (unsigned long)w->row_count, (unsigned long)r->len);
  for (i = 0; i < r->len && i < sizeof w->rows / sizeof w->rows[0]; i++) {
    if (i < w->row_count) {
      CHECK(str_eq(w->rows[i], r->items[i].instance), "row %lu changed from %s to %s", (unsigned long)i,
            show(w->rows[i]), show(r->items[i].instance));
    } else {
      w->rows[w->row_count++] = copy_of(r->items[i].instance);
    }
  }
}

void case_whole_store_graceful_with_progress(const Env *env) {
  DkvSession *session = connect_hosts(env, ENV_HOSTS);
  DkvOperation *op = NULL;
  Watch w;
  uint64_t give_up;
  int32_t rc;
  int finished = 0;
  memset(&w, 0, sizeof w);
  w.env = env;
  if (session == NULL) {
    return;
  }
  rc = stop_begin_one(session, NULL, 0, 0, "OrdersStore", NULL, 0, CASE_TIMEOUT_SEC, 0, &op, NULL);
  CHECK(rc == DKV_OK && op != NULL, "stop_begin -> %d", rc);
  if (op == NULL) {
    dkv_disconnect(session);
    return;
  }
  give_up = now_ms() + (CASE_TIMEOUT_SEC + 5) * 1000u;
  while (!finished && now_ms() < give_up) {
    DkvProgress *p = NULL;
    DkvResults *r = NULL;
    int done_before = dkv_op_wait(op, 50) == 1;
    rc = dkv_op_progress(op, w.log_since, &p, NULL);
    CHECK(rc == DKV_OK && p != NULL, "progress -> %d", rc);
    if (p != NULL) {
      watch_progress(&w, p);
      CHECK(!done_before || p->finished, "wait said finished, the snapshot says not");
      finished = p->finished;
      dkv_free_progress(p);
    }
    rc = dkv_op_results(op, &r, NULL);
    CHECK(rc == DKV_OK && r != NULL, "results while running -> %d", rc);
    if (r != NULL) {
      watch_rows(&w, r);
      dkv_free_results(r);
    }
  }
  CHECK(finished, "not finished after %d s", CASE_TIMEOUT_SEC + 5);
  CHECK(w.saw_unfinished, "never saw the stop running (every snapshot was already finished)");
  CHECK(w.log_count > 0, "no log lines");
  CHECK(w.saw_passive_line, "no log line says the store was made Passive");
  CHECK(w.row_count == 3, "streamed %lu rows, want 3", (unsigned long)w.row_count);
  {
    /* The whole log again from line 0 must be exactly what the incremental polls collected. */
    DkvProgress *p = NULL;
    size_t i;
    rc = dkv_op_progress(op, 0, &p, NULL);
    CHECK(rc == DKV_OK && p != NULL, "final progress -> %d", rc);
    if (p != NULL) {
      CHECK(p->finished == 1 && str_eq(p->phase, "Done"), "finished %d phase '%s'", p->finished, show(p->phase));
      CHECK(p->total == 3 && p->done == 3 && p->failed == 0, "total %lu done %lu failed %lu",
            (unsigned long)p->total, (unsigned long)p->done, (unsigned long)p->failed);
      CHECK(p->log_first == 0 && p->log_len == w.log_count, "full log has %lu lines, polls collected %lu",
            (unsigned long)p->log_len, (unsigned long)w.log_count);
      for (i = 0; i < p->log_len && i < w.log_count; i++) {
        CHECK(str_eq(p->log[i], w.log[i]), "log line %lu differs: '%s' vs '%s'", (unsigned long)i, show(p->log[i]),
              show(w.log[i]));
      }
      for (i = 0; i < p->nodes_len; i++) {
        CHECK(p->nodes[i].state == DKV_NODE_DONE && p->nodes[i].kind == DKV_RESULT_SUCCESS, "%s: state %d kind %d",
              show(p->nodes[i].instance), p->nodes[i].state, p->nodes[i].kind);
      }
      dkv_free_progress(p);
    }
  }
  {
    DkvResults *r = NULL;
    int i;
    rc = dkv_op_results(op, &r, NULL);
    CHECK(rc == DKV_OK && r != NULL && r->len == 3, "final results -> %d", rc);
    for (i = 0; r != NULL && i < ENV_HOSTS; i++) {
      check_row(env, r, i, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
      CHECK(row_for(r, ORDERS[i]) == NULL || str_eq(row_for(r, ORDERS[i])->message, "Stopped"), "%s: message '%s'",
            ORDERS[i], show(row_for(r, ORDERS[i]) == NULL ? NULL : row_for(r, ORDERS[i])->message));
    }
    dkv_free_results(r);
  }
  dkv_op_free(op);
  dkv_disconnect(session);
  expect_status(env, "orders-1", "Stopped");
  expect_status(env, "orders-2", "Stopped");
  expect_status(env, "orders-3", "Stopped");
  {
    /* Lossless: the store went Passive first, each node got one graceful (unforced) stop, nothing was lost. */
    static char accounting[16384];
    int i;
    CHECK(env_requests(env, 0, "PUT", "/admin/v1/stores/OrdersStore/state", NULL) == 1,
          "the discovering manager was not asked once to make the store Passive");
    for (i = 0; i < ENV_HOSTS; i++) {
      CHECK(env_requests(env, i, "POST", STOP_PATH[i], "") == 1, "%s: not exactly one graceful stop", ORDERS[i]);
    }
    CHECK(env_requests(env, -1, "POST", NULL, "force=true") == 0, "a graceful stop sent force=true");
    CHECK(env_get(env, "/_control/accounting/OrdersStore", accounting, sizeof accounting) == 200 &&
              (str_has(accounting, "\"lost\":0,") || str_has(accounting, "\"lost\":0}")),
          "partitions were lost: %s", accounting);
  }
  watch_free(&w);
}

/* Polls until `instance` is being worked on (or the operation ends); 1 when it got there. */
static int wait_until_running(DkvOperation *op, const char *instance, unsigned limit_ms) {
  uint64_t give_up = now_ms() + limit_ms;
  while (now_ms() < give_up) {
    DkvProgress *p = NULL;
    size_t i;
    int running = 0, finished = 0;
    if (dkv_op_progress(op, (uint64_t)-1, &p, NULL) != DKV_OK || p == NULL) {
      return 0;
    }
    for (i = 0; i < p->nodes_len; i++) {
      if (str_eq(p->nodes[i].instance, instance) && p->nodes[i].state == DKV_NODE_RUNNING) {
        running = 1;
      }
    }
    finished = p->finished;
    dkv_free_progress(p);
    if (running || finished) {
      return running;
    }
    dkv_op_wait(op, 50);
  }
  return 0;
}

void case_cancel_long_graceful_stop(const Env *env) {
  DkvOperation *op = NULL;
  DkvResults *r = NULL;
  uint64_t started;
  int32_t rc;
  /* orders-3's manager takes the stop request and never answers: the stop cannot end on its own. */
  CHECK(env_fault(env, 2, "hang") == 200, "could not set the hang fault");
  rc = stop_begin_one(NULL, env->all, ENV_HOSTS, 0, "OrdersStore", NULL, 0, HUNG_TIMEOUT_SEC, 0, &op, NULL);
  CHECK(rc == DKV_OK && op != NULL, "stop_begin -> %d", rc);
  if (op == NULL) {
    return;
  }
  CHECK(wait_until_running(op, "orders-3", HUNG_TIMEOUT_SEC * 1000u), "orders-3 never started");
  sleep_ms(150);
  CHECK(dkv_op_wait(op, 0) == 0, "the hung stop finished before it was cancelled");
  started = now_ms();
  dkv_op_cancel(op);
  CHECK(dkv_op_wait(op, 1000) == 1, "not finished 1 s after cancel");
  CHECK(now_ms() - started < 1000u, "cancel took %lu ms", (unsigned long)(now_ms() - started));
  CHECK(env_requests(env, 2, "POST", STOP_PATH[2], "") == 1, "the hung stop of orders-3 was never sent");
  dkv_op_cancel(op); /* idempotent */
  rc = dkv_op_results(op, &r, NULL);
  CHECK(rc == DKV_OK && r != NULL && r->len == 3, "results -> %d, %lu rows", rc,
        (unsigned long)(r == NULL ? 0 : r->len));
  if (r != NULL) {
    check_row(env, r, 0, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
    check_row(env, r, 1, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
    check_row(env, r, 2, "OrdersStore", DKV_RESULT_CANCELLED, "CANCELLED");
    dkv_free_results(r);
  }
  {
    DkvProgress *p = NULL;
    rc = dkv_op_progress(op, 0, &p, NULL);
    CHECK(rc == DKV_OK && p != NULL && p->finished == 1 && str_eq(p->phase, "Done") && p->done == 3,
          "after cancel: finished %d phase '%s' done %lu", p == NULL ? -1 : p->finished,
          show(p == NULL ? NULL : p->phase), (unsigned long)(p == NULL ? 0 : p->done));
    dkv_free_progress(p);
  }
  dkv_op_free(op);
}

/* Issue 23: a single-node stop of orders-2 whose safety check (GET .../safety) goes to a manager that takes it and
   never answers, or that drips its answer a byte a second: dkv_op_cancel ends the wait at once, the row says the stop
   was not sent, and nothing more reaches any manager. */
static void cancel_during_a_silent_safety_check(const Env *env, const char *fault) {
  static const char *const SAFETY = "/admin/v1/stores/OrdersStore/safety";
  DkvOperation *op = NULL;
  DkvResults *r = NULL;
  uint64_t started;
  int before;
  int32_t rc;
  CHECK(env_fault(env, 1, fault) == 200, "could not set the %s fault", fault);
  rc = stop_begin_one(NULL, env->all, ENV_HOSTS, 0, "OrdersStore", "orders-2", 0, CASE_TIMEOUT_SEC, 0, &op, NULL);
  CHECK(rc == DKV_OK && op != NULL, "stop_begin -> %d", rc);
  if (op == NULL) {
    return;
  }
  started = now_ms();
  while (env_requests(env, 1, "GET", SAFETY, NULL) < 1 && now_ms() - started < 10000u) {
    sleep_ms(20);
  }
  CHECK(env_requests(env, 1, "GET", SAFETY, NULL) == 1, "%s: the safety check never reached orders-2's manager", fault);
  sleep_ms(300);
  CHECK(dkv_op_wait(op, 0) == 0, "%s: the stop finished before it was cancelled", fault);
  started = now_ms();
  dkv_op_cancel(op);
  CHECK(dkv_op_wait(op, 1000) == 1, "%s: not finished 1 s after cancel", fault);
  CHECK(now_ms() - started < 1000u, "%s: cancel took %lu ms", fault, (unsigned long)(now_ms() - started));
  rc = dkv_op_results(op, &r, NULL);
  CHECK(rc == DKV_OK && r != NULL && r->len == 1, "%s: results -> %d, %lu rows", fault, rc,
        (unsigned long)(r == NULL ? 0 : r->len));
  if (r != NULL && r->len == 1) {
    check_row(env, r, 1, "OrdersStore", DKV_RESULT_CANCELLED, "CANCELLED");
    CHECK(str_eq(r->items[0].message, "cancelled before the stop was sent"), "%s: message '%s'", fault,
          show(r->items[0].message));
  }
  dkv_free_results(r);
  dkv_op_free(op);
  /* Nothing after the cancel: the log is as it was, 1.5 s later (longer than any pause between polls). */
  before = env_requests(env, -1, NULL, NULL, NULL);
  sleep_ms(1500);
  CHECK(env_requests(env, -1, NULL, NULL, NULL) == before, "%s: a request was sent after the cancel", fault);
  CHECK(env_requests(env, 1, "POST", STOP_PATH[1], "") == 0, "%s: the stop of orders-2 was sent", fault);
}

void case_cancel_during_a_silent_safety_check(const Env *env) {
  cancel_during_a_silent_safety_check(env, "hang");
}

void case_cancel_during_a_dripping_safety_answer(const Env *env) {
  cancel_during_a_silent_safety_check(env, "drip");
}

void case_cancel_during_discovery(const Env *env) {
  DkvOperation *op = NULL;
  DkvResults *r = (DkvResults *)NULL;
  char *err = NULL;
  uint64_t started;
  int32_t rc;
  CHECK(env_fault(env, 0, "hang") == 200, "could not set the hang fault");
  rc = stop_begin_one(NULL, env->all, 1, 0, "OrdersStore", NULL, 0, HUNG_TIMEOUT_SEC, 0, &op, NULL);
  CHECK(rc == DKV_OK && op != NULL, "stop_begin -> %d", rc);
  if (op == NULL) {
    return;
  }
  sleep_ms(150);
  started = now_ms();
  dkv_op_cancel(op);
  CHECK(dkv_op_wait(op, 1000) == 1, "not finished 1 s after cancel");
  CHECK(now_ms() - started < 1000u, "cancel took %lu ms", (unsigned long)(now_ms() - started));
  rc = dkv_op_results(op, &r, &err);
  CHECK(rc == DKV_ERR_CANCELLED, "results -> %d, want CANCELLED", rc);
  CHECK(r == NULL, "rows returned with an error");
  CHECK(str_has(err, "OrdersStore"), "message '%s'", show(err));
  dkv_free_string(err);
  dkv_op_free(op);
}

void case_op_free_while_running(const Env *env) {
  DkvOperation *op = NULL;
  uint64_t started;
  int32_t rc;
  CHECK(env_fault(env, 0, "hang") == 200, "could not set the hang fault");
  rc = stop_begin_one(NULL, env->all, 1, 0, "OrdersStore", NULL, 0, HUNG_TIMEOUT_SEC, 0, &op, NULL);
  CHECK(rc == DKV_OK && op != NULL, "stop_begin -> %d", rc);
  if (op == NULL) {
    return;
  }
  sleep_ms(100);
  started = now_ms();
  dkv_op_free(op); /* must not wait for the hung request */
  CHECK(now_ms() - started < 1000u, "op_free of a running stop took %lu ms", (unsigned long)(now_ms() - started));
}

void case_disconnect_while_running(const Env *env) {
  DkvSession *session = connect_hosts(env, ENV_HOSTS);
  DkvOperation *op = NULL;
  DkvResults *r = NULL;
  int32_t rc;
  int i;
  if (session == NULL) {
    return;
  }
  rc = stop_begin_one(session, NULL, 0, 0, "OrdersStore", NULL, DKV_STOP_FORCE, 0, 0, &op, NULL);
  dkv_disconnect(session);
  CHECK(rc == DKV_OK && op != NULL, "stop_begin -> %d", rc);
  if (op == NULL) {
    return;
  }
  CHECK(dkv_op_wait(op, -1) == 1, "wait(-1) did not report finished");
  rc = dkv_op_results(op, &r, NULL);
  CHECK(rc == DKV_OK && r != NULL && r->len == 3, "results -> %d", rc);
  for (i = 0; r != NULL && i < ENV_HOSTS; i++) {
    check_row(env, r, i, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
  }
  dkv_free_results(r);
  dkv_op_free(op);
}

void case_unknown_store(const Env *env) {
  DkvSession *session = connect_hosts(env, ENV_HOSTS);
  DkvResults *results = NULL;
  DkvStoreInfo *info = NULL;
  DkvOperation *op = NULL;
  char *err = NULL;
  int32_t rc;
  if (session == NULL) {
    return;
  }
  rc = stop_store_one(session, NULL, 0, 0, "NoSuchStore", NULL, DKV_STOP_FORCE, 0, 0, &results, &err);
  CHECK(rc == DKV_ERR_STORE_NOT_FOUND, "stop_store -> %d (%s)", rc, show(err));
  CHECK(results == NULL, "rows returned with an error");
  CHECK(str_has(err, "NoSuchStore"), "message '%s' does not name the store", show(err));
  dkv_free_string(err);

  err = NULL;
  rc = dkv_get_store(session, NULL, 0, 0, "NoSuchStore", 0, &info, &err);
  CHECK(rc == DKV_ERR_STORE_NOT_FOUND && info == NULL && str_has(err, "NoSuchStore"), "get_store -> %d '%s'", rc,
        show(err));
  dkv_free_string(err);

  /* The asynchronous path reports discovery errors from dkv_op_results. */
  rc = stop_begin_one(session, NULL, 0, 0, "NoSuchStore", NULL, 0, 0, 0, &op, NULL);
  CHECK(rc == DKV_OK && op != NULL, "stop_begin -> %d", rc);
  if (op != NULL) {
    DkvProgress *p = NULL;
    CHECK(dkv_op_wait(op, -1) == 1, "not finished");
    err = NULL;
    rc = dkv_op_results(op, &results, &err);
    CHECK(rc == DKV_ERR_STORE_NOT_FOUND && results == NULL && str_has(err, "NoSuchStore"), "results -> %d '%s'",
          rc, show(err));
    dkv_free_string(err);
    rc = dkv_op_progress(op, 0, &p, NULL);
    CHECK(rc == DKV_OK && p != NULL && p->finished == 1 && p->total == 0, "progress of a failed discovery");
    dkv_free_progress(p);
    dkv_op_free(op);
  }
  dkv_disconnect(session);
}

void case_unknown_instance(const Env *env) {
  DkvSession *session = connect_hosts(env, ENV_HOSTS);
  DkvResults *results = NULL;
  DkvOperation *op = NULL;
  char *err = NULL;
  int32_t rc;
  if (session == NULL) {
    return;
  }
  rc = stop_store_one(session, NULL, 0, 0, "OrdersStore", "orders-9", DKV_STOP_FORCE, 0, 0, &results, &err);
  CHECK(rc == DKV_ERR_INSTANCE_NOT_FOUND, "stop_store -> %d (%s)", rc, show(err));
  CHECK(results == NULL, "rows returned with an error");
  CHECK(str_has(err, "orders-9") && str_has(err, "orders-1, orders-2, orders-3"),
        "message '%s' must name the instance and list the nodes", show(err));
  dkv_free_string(err);

  rc = stop_begin_one(session, NULL, 0, 0, "OrdersStore", "orders-9", 0, 0, 0, &op, NULL);
  CHECK(rc == DKV_OK && op != NULL, "stop_begin -> %d", rc);
  if (op != NULL) {
    dkv_op_wait(op, -1);
    err = NULL;
    rc = dkv_op_results(op, &results, &err);
    CHECK(rc == DKV_ERR_INSTANCE_NOT_FOUND && str_has(err, "orders-1, orders-2, orders-3"), "results -> %d '%s'",
          rc, show(err));
    dkv_free_string(err);
    dkv_free_results(results);
    dkv_op_free(op);
  }
  dkv_disconnect(session);
  expect_status(env, "orders-1", "Running");
  expect_status(env, "orders-2", "Running");
  expect_status(env, "orders-3", "Running");
  CHECK(env_requests(env, -1, "POST", NULL, NULL) == 0, "a stop was sent for an unknown instance");
}

void case_unreachable_managers(const Env *env) {
  DkvResults *results = NULL;
  DkvStoreInfo *info = NULL;
  const char *first_and_third[2];
  char *err = NULL;
  int32_t rc;
  CHECK(env_fault(env, 0, "reset") == 200 && env_fault(env, 1, "500") == 200, "could not set the faults");
  rc = stop_store_one(NULL, env->all, 2, 0, "OrdersStore", NULL, DKV_STOP_FORCE, CASE_TIMEOUT_SEC, 0, &results,
                      &err);
  CHECK(rc == DKV_ERR_UNREACHABLE, "stop_store -> %d (%s)", rc, show(err));
  CHECK(results == NULL, "rows returned with an error");
  CHECK(str_has(err, env->display[0]) && str_has(err, env->display[1]), "message '%s' must give each manager",
        show(err));
  dkv_free_string(err);

  /* Discovery fails over, in order, to the first manager that answers. */
  first_and_third[0] = env->all[0];
  first_and_third[1] = env->all[2];
  rc = dkv_get_store(NULL, first_and_third, 2, 0, "OrdersStore", CASE_TIMEOUT_SEC, &info, NULL);
  CHECK(rc == DKV_OK && info != NULL && str_eq(info->manager, env->display[2]), "failover get_store -> %d via %s",
        rc, show(info == NULL ? NULL : info->manager));
  dkv_free_store_info(info);
}

void case_node_timeout_is_bounded(const Env *env) {
  DkvSession *session = connect_hosts(env, ENV_HOSTS);
  DkvResults *results = NULL;
  uint64_t started, took;
  int32_t rc;
  if (session == NULL) {
    return;
  }
  CHECK(env_fault(env, 1, "hang") == 200, "could not set the hang fault");
  started = now_ms();
  rc = stop_store_one(session, NULL, 0, 0, "OrdersStore", "orders-2", DKV_STOP_FORCE, 1, 0, &results, NULL);
  took = now_ms() - started;
  CHECK(took <= 2000u, "a 1 s stop returned after %lu ms (bound: TimeoutSec + 1 s)", (unsigned long)took);
  CHECK(rc == DKV_OK && results != NULL && results->len == 1, "stop_store -> %d", rc);
  if (results != NULL && results->len == 1) {
    check_row(env, results, 1, "OrdersStore", DKV_RESULT_TIMEOUT, "TIMEOUT");
    CHECK(str_starts(results->items[0].message, "timed out after 1 s"), "message '%s'",
          show(results->items[0].message));
  }
  dkv_free_results(results);
  dkv_disconnect(session);
}

void case_fail_fast(const Env *env) {
  DkvSession *session = connect_hosts(env, ENV_HOSTS);
  DkvResults *r = NULL;
  int32_t rc;
  if (session == NULL) {
    return;
  }
  CHECK(env_fault(env, 1, "500") == 200, "could not set the 500 fault");
  rc = stop_store_one(session, NULL, 0, 0, "OrdersStore", NULL, DKV_STOP_FORCE | DKV_STOP_FAIL_FAST, 0, 0, &r, NULL);
  CHECK(rc == DKV_OK && r != NULL && r->len == 3, "stop_store -> %d", rc);
  if (r != NULL) {
    const DkvResult *failed = row_for(r, "orders-2");
    check_row(env, r, 0, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
    check_row(env, r, 1, "OrdersStore", DKV_RESULT_FAILED, "FAILED");
    check_row(env, r, 2, "OrdersStore", DKV_RESULT_CANCELLED, "CANCELLED");
    CHECK(failed != NULL && failed->http_status == 500, "orders-2 http_status %d",
          failed == NULL ? -1 : failed->http_status);
    dkv_free_results(r);
  }
  expect_status(env, "orders-3", "Running");
  CHECK(env_requests(env, 2, "POST", STOP_PATH[2], NULL) == 0, "-FailFast still sent a stop for orders-3");

  /* Without -FailFast the remaining node is still stopped. */
  CHECK(env_reset(env) == 200 && env_fault(env, 1, "500") == 200, "could not reset and set the fault");
  r = NULL;
  rc = stop_store_one(session, NULL, 0, 0, "OrdersStore", NULL, DKV_STOP_FORCE, 0, 0, &r, NULL);
  CHECK(rc == DKV_OK && r != NULL && r->len == 3, "stop_store -> %d", rc);
  if (r != NULL) {
    check_row(env, r, 1, "OrdersStore", DKV_RESULT_FAILED, "FAILED");
    check_row(env, r, 2, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
    dkv_free_results(r);
  }
  dkv_disconnect(session);
}

void case_parallel(const Env *env) {
  DkvSession *session = connect_hosts(env, ENV_HOSTS);
  DkvOperation *op = NULL;
  DkvResults *r = NULL;
  int32_t rc;
  int i;
  if (session == NULL) {
    return;
  }
  rc = stop_store_one(session, NULL, 0, 0, "OrdersStore", NULL, DKV_STOP_FORCE | DKV_STOP_PARALLEL, 0, 0, &r, NULL);
  CHECK(rc == DKV_OK && r != NULL && r->len == 3, "parallel stop -> %d", rc);
  for (i = 0; r != NULL && i < ENV_HOSTS; i++) {
    check_row(env, r, i, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
  }
  dkv_free_results(r);

  CHECK(env_reset(env) == 200 && env_fault(env, 1, "500") == 200, "could not reset and set the fault");
  rc = stop_begin_one(session, NULL, 0, 0, "OrdersStore", NULL, DKV_STOP_FORCE | DKV_STOP_PARALLEL, 0, 1, &op,
                      NULL);
  CHECK(rc == DKV_OK && op != NULL, "parallel begin (throttle 1) -> %d", rc);
  if (op != NULL) {
    DkvProgress *p = NULL;
    CHECK(dkv_op_wait(op, -1) == 1, "not finished");
    rc = dkv_op_progress(op, 0, &p, NULL);
    CHECK(rc == DKV_OK && p != NULL && p->total == 3 && p->done == 3 && p->failed == 1,
          "progress: total %lu done %lu failed %lu", (unsigned long)(p == NULL ? 0 : p->total),
          (unsigned long)(p == NULL ? 0 : p->done), (unsigned long)(p == NULL ? 0 : p->failed));
    dkv_free_progress(p);
    r = NULL;
    rc = dkv_op_results(op, &r, NULL);
    CHECK(rc == DKV_OK && r != NULL && r->len == 3, "results -> %d", rc);
    if (r != NULL) {
      check_row(env, r, 0, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
      check_row(env, r, 1, "OrdersStore", DKV_RESULT_FAILED, "FAILED");
      check_row(env, r, 2, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
      dkv_free_results(r);
    }
    dkv_op_free(op);
  }
  dkv_disconnect(session);
}

void case_unrouted_node_is_skipped(const Env *env) {
  DkvSession *session = connect_hosts(env, 2);
  DkvResults *r = NULL;
  int32_t rc;
  if (session == NULL) {
    return;
  }
  rc = stop_store_one(session, NULL, 0, 0, "OrdersStore", NULL, DKV_STOP_FORCE, 0, 0, &r, NULL);
  CHECK(rc == DKV_OK && r != NULL && r->len == 3, "stop_store -> %d", rc);
  if (r != NULL) {
    const DkvResult *skipped = row_for(r, "orders-3");
    check_row(env, r, 0, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
    check_row(env, r, 1, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
    CHECK(skipped != NULL && skipped->kind == DKV_RESULT_SKIPPED && str_eq(skipped->result, "SKIPPED"),
          "orders-3 kind %d", skipped == NULL ? -1 : skipped->kind);
    CHECK(skipped != NULL && str_has(skipped->message, env->hosts[2]) && skipped->http_status == 0,
          "orders-3 message '%s' must name its server", show(skipped == NULL ? NULL : skipped->message));
    dkv_free_results(r);
  }
  dkv_disconnect(session);
  expect_status(env, "orders-3", "Running");
  CHECK(env_requests(env, 2, NULL, NULL, NULL) == 0, "the untargeted manager was sent a request");
}

void case_get_store_begin_and_cancel(const Env *env) {
  DkvSession *session = connect_hosts(env, ENV_HOSTS);
  DkvOperation *op = NULL;
  DkvStoreInfo *info = NULL;
  char *err = NULL;
  int32_t rc;
  uint64_t cancelled_at;
  if (session == NULL) {
    return;
  }
  rc = dkv_get_store_begin(session, NULL, 0, 0, "OrdersStore", 0, &op, &err);
  CHECK(rc == DKV_OK && op != NULL, "get_store_begin -> %d: %s", rc, show(err));
  if (op != NULL) {
    rc = dkv_op_store_info(op, &info, NULL);
    CHECK(rc == DKV_OK || rc == DKV_ERR_INVALID_ARGUMENT, "store_info while running -> %d", rc);
    dkv_free_store_info(info);
    info = NULL;
    CHECK(dkv_op_wait(op, 10000) == 1, "discovery did not finish");
    rc = dkv_op_store_info(op, &info, &err);
    CHECK(rc == DKV_OK && info != NULL && info->len == 3, "store_info -> %d: %s", rc, show(err));
    CHECK(info != NULL && str_eq(info->name, "OrdersStore"), "name '%s'", info == NULL ? "" : show(info->name));
    dkv_free_store_info(info);
    info = NULL;
    dkv_op_free(op);
    op = NULL;
  }
  CHECK(env_requests(env, -1, "POST", NULL, NULL) == 0, "discovery alone sent a stop");

  /* A hanging first manager: cancel ends the wait at once and the answer is the cancellation. */
  CHECK(env_fault(env, 0, "hang") == 200, "could not fault manager 0");
  rc = dkv_get_store_begin(session, NULL, 0, 0, "OrdersStore", 0, &op, &err);
  CHECK(rc == DKV_OK && op != NULL, "get_store_begin -> %d", rc);
  if (op != NULL) {
    CHECK(dkv_op_wait(op, 200) == 0, "discovery finished although the manager hangs");
    cancelled_at = now_ms();
    dkv_op_cancel(op);
    CHECK(dkv_op_wait(op, 1000) == 1, "cancel did not end discovery");
    CHECK(now_ms() - cancelled_at < 1000, "cancel took %lu ms", (unsigned long)(now_ms() - cancelled_at));
    rc = dkv_op_store_info(op, &info, &err);
    CHECK(rc == DKV_ERR_CANCELLED && info == NULL, "store_info after cancel -> %d", rc);
    dkv_free_string(err);
    err = NULL;
    dkv_op_free(op);
  }
  dkv_op_store_info(NULL, &info, &err);
  dkv_free_string(err);
  dkv_disconnect(session);
}

/* Plans an OrdersStore stop through the first `count` managers; NULL (with the status in *rc) on an error. */
static DkvPlan *plan_through(const Env *env, size_t count, const char *const *instances, size_t instance_count,
                             DkvStatus *rc, char **err) {
  DkvStopOptions options = stop_options("OrdersStore");
  DkvOperation *op = NULL;
  DkvPlan *plan = NULL;
  options.managers = env->all;
  options.manager_count = count;
  options.timeout_sec = CASE_TIMEOUT_SEC;
  options.instances = instances;
  options.instance_count = instance_count;
  *rc = dkv_plan_begin(NULL, &options, &op, err);
  if (*rc != DKV_OK) {
    return NULL;
  }
  CHECK(dkv_op_wait(op, -1) == 1, "the plan did not finish");
  *rc = dkv_op_plan(op, &plan, err);
  dkv_op_free(op);
  return plan;
}

void case_plan_routes_and_skips_as_the_stop(const Env *env) {
  DkvStatus rc;
  char *err = NULL;
  DkvPlan *plan = plan_through(env, ENV_HOSTS, NULL, 0, &rc, &err);
  size_t i;
  CHECK(rc == DKV_OK && plan != NULL, "plan -> %d: %s", rc, show(err));
  dkv_free_string(err);
  err = NULL;
  if (plan != NULL) {
    CHECK(str_eq(plan->store, "OrdersStore") && plan->whole_store == 1 && plan->len == 3, "store %s, whole %d, %lu",
          show(plan->store), plan->whole_store, (unsigned long)plan->len);
    for (i = 0; i < plan->len && i < ENV_HOSTS; i++) {
      const DkvPlannedNode *n = &plan->nodes[i];
      CHECK(str_eq(n->instance, ORDERS[i]) && str_eq(n->server, env->hosts[i]) && str_eq(n->manager, env->display[i]) &&
                n->skipped == 0 && n->skip_reason == NULL,
            "node %lu: %s on %s via %s", (unsigned long)i, show(n->instance), show(n->server), show(n->manager));
    }
    dkv_free_plan(plan);
  }
  /* Two managers: orders-3 is skipped with the text its SKIPPED row carries; not a whole-store stop. */
  plan = plan_through(env, 2, NULL, 0, &rc, &err);
  CHECK(rc == DKV_OK && plan != NULL && plan->len == 3, "plan (2 managers) -> %d: %s", rc, show(err));
  dkv_free_string(err);
  if (plan != NULL && plan->len == 3) {
    DkvResults *r = NULL;
    const DkvPlannedNode *n = &plan->nodes[2];
    CHECK(plan->whole_store == 0, "a plan with a skipped node is not whole-store");
    CHECK(n->skipped == 1 && str_starts(n->skip_reason, "server ") && str_has(n->skip_reason, env->hosts[2]),
          "orders-3: skipped %d, '%s'", n->skipped, show(n->skip_reason));
    rc = stop_store_one(NULL, env->all, 2, 0, "OrdersStore", NULL, DKV_STOP_FORCE, CASE_TIMEOUT_SEC, 0, &r, NULL);
    if (rc == DKV_OK && r != NULL) {
      const DkvResult *row = row_for(r, "orders-3");
      /* The row is the plan's reason in the stop's words: "not stopped: " + reason. */
      CHECK(row != NULL && row->kind == DKV_RESULT_SKIPPED && str_starts(row->message, "not stopped: ") &&
                str_eq(row->message + strlen("not stopped: "), n->skip_reason) && str_eq(row->manager, n->manager),
            "the stop's SKIPPED row '%s' is not 'not stopped: ' + the plan's '%s'",
            show(row == NULL ? NULL : row->message), show(n->skip_reason));
    } else {
      CHECK(0, "stop -> %d", rc);
    }
    dkv_free_results(r);
  }
  dkv_free_plan(plan);
  CHECK(env_requests(env, -1, "POST", STOP_PATH[2], NULL) == 0, "a skipped node was sent a stop");
}

void case_instance_list_is_one_operation(const Env *env) {
  const char *two[2];
  const char *listed[3];
  DkvStopOptions options = stop_options("OrdersStore");
  DkvResults *r = NULL;
  DkvPlan *plan;
  DkvStatus rc;
  char *err = NULL;
  two[0] = "orders-3";
  two[1] = "orders-1";
  /* The plan of a list: the store's order, each node once, never whole-store. */
  listed[0] = "orders-3";
  listed[1] = "ORDERS-1";
  listed[2] = "orders-3";
  plan = plan_through(env, ENV_HOSTS, listed, 3, &rc, &err);
  CHECK(rc == DKV_OK && plan != NULL && plan->len == 2 && str_eq(plan->nodes[0].instance, "orders-1") &&
            str_eq(plan->nodes[1].instance, "orders-3") && plan->whole_store == 0,
        "plan of a list -> %d: %s", rc, show(err));
  dkv_free_string(err);
  err = NULL;
  dkv_free_plan(plan);
  listed[2] = "orders-9";
  plan = plan_through(env, ENV_HOSTS, listed, 3, &rc, &err);
  CHECK(rc == DKV_ERR_INSTANCE_NOT_FOUND && plan == NULL && str_has(err, "'orders-9'"), "unknown name -> %d: %s", rc,
        show(err));
  dkv_free_string(err);
  err = NULL;

  if (env_reset(env) != 200) {
    CHECK(0, "reset");
    return;
  }
  options.managers = env->all;
  options.manager_count = ENV_HOSTS;
  options.flags = DKV_STOP_FORCE;
  options.timeout_sec = CASE_TIMEOUT_SEC;
  options.instances = two;
  options.instance_count = 2;
  rc = dkv_stop_store(NULL, &options, &r, &err);
  CHECK(rc == DKV_OK && r != NULL && r->len == 2, "stop of a list -> %d: %s", rc, show(err));
  dkv_free_string(err);
  if (r != NULL) {
    check_row(env, r, 0, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
    check_row(env, r, 2, "OrdersStore", DKV_RESULT_SUCCESS, "SUCCESS");
    dkv_free_results(r);
  }
  /* Counted before expect_status, which reads the store through the same path. */
  CHECK(env_requests(env, -1, "GET", "/admin/v1/stores/OrdersStore", NULL) == 1,
        "%d discoveries for one stop of a list, want 1", env_requests(env, -1, "GET", "/admin/v1/stores/OrdersStore", NULL));
  expect_status(env, "orders-2", "Running");
}

void case_stop_options_are_checked(const Env *env) {
  const char *none[1];
  DkvStopOptions options = stop_options("OrdersStore");
  DkvOperation *op = NULL;
  DkvStatus rc;
  char *err = NULL;
  none[0] = NULL;
  options.managers = env->all;
  options.manager_count = 1;

  options.struct_size = 8;
  rc = dkv_stop_begin(NULL, &options, &op, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && str_has(err, "sizeof(DkvStopOptions)"), "small size -> %d: %s", rc, show(err));
  dkv_free_string(err);
  err = NULL;
  options.struct_size = (uint32_t)sizeof options + 8;
  rc = dkv_plan_begin(NULL, &options, &op, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && str_has(err, "newer clustron_dkv.h"), "large size -> %d: %s", rc, show(err));
  dkv_free_string(err);
  err = NULL;
  options.struct_size = (uint32_t)sizeof options;

  options.instances = none; /* an empty list is never "every node" */
  rc = dkv_stop_begin(NULL, &options, &op, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && str_has(err, "empty list"), "empty list -> %d: %s", rc, show(err));
  dkv_free_string(err);
  err = NULL;
  options.instance_count = 1; /* { NULL } */
  rc = dkv_stop_begin(NULL, &options, &op, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && str_eq(err, "options->instances[0] is NULL."), "NULL name -> %d: %s", rc,
        show(err));
  dkv_free_string(err);
  err = NULL;
  options.instances = NULL;
  options.instance_count = 0;
  options.flags = 0x100u;
  rc = dkv_stop_begin(NULL, &options, &op, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && str_has(err, "DKV_STOP_"), "flag -> %d: %s", rc, show(err));
  dkv_free_string(err);
  err = NULL;
  rc = dkv_stop_begin(NULL, NULL, &op, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && op == NULL, "NULL options -> %d", rc);
  dkv_free_string(err);
  CHECK(str_eq(dkv_no_managers_message(), "No managers connected. Use Connect-DkvManager or specify -Managers."),
        "dkv_no_managers_message '%s'", show(dkv_no_managers_message()));
  CHECK(DKV_DEFAULT_PORT == 7801 && DKV_DEFAULT_TIMEOUT_SEC == 30 && DKV_MAX_TIMEOUT_SEC == 86400 &&
            DKV_DEFAULT_THROTTLE == 32 && DKV_STOP_KNOWN_FLAGS == 7,
        "header constants");
  dkv_free_plan(NULL);
}
