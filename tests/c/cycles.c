/* The leak-check loop: every allocating export, over and over (a forced stop each cycle, plus a watched and a
   cancelled graceful stop every 50), so that a per-call leak adds up to something valgrind cannot miss.
   Each cycle resets the manager first so the stops really stop a node. */
#include "cases.h"
#include "check.h"
#include "stop_args.h"

#include "clustron_dkv.h"

#include <stdio.h>

static int one_cycle(const Env *env) {
  DkvSession *session = NULL;
  DkvStoreInfo *info = NULL;
  DkvResults *results = NULL;
  DkvOperation *op = NULL;
  DkvProgress *progress = NULL;
  char *text = NULL;
  char *err = NULL;
  const char *bad[1];
  int ok = 1;
  int32_t rc;

  ok &= env_reset(env) == 200;

  ok &= dkv_normalize_manager("[::1]", 0, &text, NULL) == DKV_OK && str_eq(text, "http://[::1]:7801");
  dkv_free_string(text);
  bad[0] = "10.0.0.11/x";
  ok &= dkv_connect(bad, 1, 0, 0, &session, &err) == DKV_ERR_INVALID_ARGUMENT && err != NULL;
  dkv_free_string(err);
  err = NULL;

  rc = dkv_connect(env->all, ENV_HOSTS, env->port, 20, &session, NULL);
  if (rc != DKV_OK || session == NULL) {
    return 0;
  }
  text = NULL;
  ok &= dkv_session_manager(session, 1, &text, NULL) == DKV_OK && str_eq(text, env->url[1]);
  dkv_free_string(text);

  ok &= dkv_get_store(session, NULL, 0, 0, "OrdersStore", 0, &info, NULL) == DKV_OK && info != NULL &&
        info->len == 3;
  dkv_free_store_info(info);

  rc = stop_store_one(session, NULL, 0, 0, "OrdersStore", "orders-1", DKV_STOP_FORCE, 0, 0, &results, NULL);
  ok &= rc == DKV_OK && results != NULL && results->len == 1 && results->items[0].kind == DKV_RESULT_SUCCESS &&
        results->items[0].http_status == 200;
#ifndef DKV_HARNESS_LEAK_PROBE
  dkv_free_results(results);
#endif /* else: run.sh's self-test of the leak check, a caller that forgets to free, must show as lost */
  results = NULL;

  ok &= stop_store_one(session, NULL, 0, 0, "OrdersStore", "orders-9", DKV_STOP_FORCE, 0, 0, &results, &err) ==
            DKV_ERR_INSTANCE_NOT_FOUND &&
        results == NULL && err != NULL;
  dkv_free_string(err);
  err = NULL;

  rc = stop_begin_one(NULL, env->all, ENV_HOSTS, 0, "OrdersStore", "orders-2", DKV_STOP_FORCE, 20, 0, &op, NULL);
  ok &= rc == DKV_OK && op != NULL;
  if (op != NULL) {
    ok &= dkv_op_wait(op, -1) == 1;
    ok &= dkv_op_progress(op, 0, &progress, NULL) == DKV_OK && progress != NULL && progress->finished == 1 &&
          progress->done == 1;
    dkv_free_progress(progress);
    ok &= dkv_op_results(op, &results, NULL) == DKV_OK && results != NULL && results->len == 1 &&
          results->items[0].kind == DKV_RESULT_SUCCESS;
    dkv_free_results(results);
    dkv_op_free(op);
  }
  dkv_disconnect(session);
  return ok;
}

/* A whole-store graceful stop watched the way a UI would (incremental log, streamed rows), or cancelled after
   its first snapshot: the allocations of log lines, node messages and cancellation that forced stops skip. */
static int graceful_cycle(const Env *env, int cancel) {
  DkvOperation *op = NULL;
  DkvResults *results = NULL;
  uint64_t since = 0, give_up = now_ms() + 30000u;
  int ok = env_reset(env) == 200, finished = 0, rows = 0, planned = 0;
  if (stop_begin_one(NULL, env->all, ENV_HOSTS, 0, "OrdersStore", NULL, 0, 20, 0, &op, NULL) != DKV_OK) {
    return 0;
  }
  while (!finished && now_ms() < give_up) {
    DkvProgress *progress = NULL;
    dkv_op_wait(op, 20);
    ok &= dkv_op_progress(op, since, &progress, NULL) == DKV_OK && progress != NULL;
    if (progress != NULL) {
      since = progress->log_first + progress->log_len;
      finished = progress->finished;
      planned = progress->nodes_len == 3;
      dkv_free_progress(progress);
    }
    ok &= dkv_op_results(op, &results, NULL) == DKV_OK && results != NULL;
    if (results != NULL) {
      rows = (int)results->len;
      dkv_free_results(results);
      results = NULL;
    }
    if (cancel && planned) {
      /* Once the nodes are known, so that the rows (not a discovery error) say CANCELLED. */
      dkv_op_cancel(op);
    }
  }
  ok &= finished && rows == 3 && since > 0;
  dkv_op_free(op);
  return ok;
}

int run_cycles(const Env *env, long cycles) {
  long i, good = 0;
  for (i = 0; i < cycles; i++) {
    if (i % 50 == 10 && !graceful_cycle(env, 0)) {
      fprintf(stderr, "  graceful cycle %ld misbehaved\n", i + 1);
      continue;
    }
    if (i % 50 == 35 && !graceful_cycle(env, 1)) {
      fprintf(stderr, "  cancelled cycle %ld misbehaved\n", i + 1);
      continue;
    }
    if (one_cycle(env)) {
      good++;
    } else {
      fprintf(stderr, "  cycle %ld misbehaved\n", i + 1);
    }
  }
  printf("cycles: %ld of %ld ok\n", good, cycles);
  return good == cycles ? 0 : 1;
}
