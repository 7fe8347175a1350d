/* The store list (dkv_list_stores, dkv_list_stores_begin + dkv_op_store_list, dkv_free_store_list) against the
   reference manager (demo layout: OrdersStore and CartStore, known to every manager). */
#include "cases.h"
#include "check.h"

#include "clustron_dkv.h"

#include <stdio.h>

#define LIST_TIMEOUT_SEC 10

static int lists(const DkvStoreList *list, const char *name) {
  size_t i;
  int found = 0;
  for (i = 0; list != NULL && i < list->len; i++) {
    found += str_eq(list->names[i], name);
  }
  return found;
}

void case_list_stores(const Env *env) {
  DkvStoreList *list = NULL;
  DkvOperation *op = NULL;
  char *err = NULL;
  int32_t rc;
  uint64_t started;

  rc = dkv_list_stores(NULL, env->all, ENV_HOSTS, env->port, LIST_TIMEOUT_SEC, &list, &err);
  CHECK(rc == DKV_OK && list != NULL, "list -> %d: %s", rc, show(err));
  CHECK(list != NULL && list->len == 2 && lists(list, "OrdersStore") == 1 && lists(list, "CartStore") == 1,
        "every store once: %lu names", (unsigned long)(list == NULL ? 0 : list->len));
  CHECK(list != NULL && list->unanswered == NULL, "unanswered '%s'", show(list == NULL ? NULL : list->unanswered));
  CHECK(env_requests(env, -1, "GET", "/admin/v1/stores", NULL) >= ENV_HOSTS, "one GET per manager");
  dkv_free_store_list(list);
  dkv_free_string(err);
  list = NULL;
  err = NULL;

  /* One manager down: the others' names, and the missing one named. */
  CHECK(env_fault(env, 1, "reset") == 200, "could not set the reset fault");
  rc = dkv_list_stores(NULL, env->all, ENV_HOSTS, env->port, LIST_TIMEOUT_SEC, &list, &err);
  CHECK(rc == DKV_OK && list != NULL && list->len == 2, "list with one manager down -> %d: %s", rc, show(err));
  CHECK(list != NULL && str_starts(list->unanswered, env->display[1]), "unanswered '%s', want it to start with %s",
        show(list == NULL ? NULL : list->unanswered), env->display[1]);
  dkv_free_store_list(list);
  dkv_free_string(err);
  list = NULL;
  err = NULL;

  /* Every manager failing: an error with each one's reason, nothing to free. */
  CHECK(env_fault(env, 0, "500") == 200 && env_fault(env, 2, "500") == 200, "could not set the 500 faults");
  rc = dkv_list_stores(NULL, env->all, ENV_HOSTS, env->port, LIST_TIMEOUT_SEC, &list, &err);
  CHECK(rc == DKV_ERR_UNREACHABLE && list == NULL && str_has(err, "No manager could list the stores"),
        "all failing -> %d: %s", rc, show(err));
  dkv_free_string(err);
  err = NULL;

  /* The background form, cancelled while every manager hangs: over within a second. */
  CHECK(env_fault(env, 0, "hang") == 200 && env_fault(env, 1, "hang") == 200 && env_fault(env, 2, "hang") == 200,
        "could not set the hang faults");
  rc = dkv_list_stores_begin(NULL, env->all, ENV_HOSTS, env->port, LIST_TIMEOUT_SEC, &op, &err);
  CHECK(rc == DKV_OK && op != NULL, "list_begin -> %d: %s", rc, show(err));
  dkv_free_string(err);
  err = NULL;
  if (op != NULL) {
    rc = dkv_op_store_list(op, &list, &err);
    CHECK(rc == DKV_ERR_INVALID_ARGUMENT && list == NULL, "a running list -> %d", rc);
    dkv_free_string(err);
    err = NULL;
    sleep_ms(200);
    started = now_ms();
    dkv_op_cancel(op);
    CHECK(dkv_op_wait(op, 1000) == 1, "the cancelled list did not finish within 1 s");
    CHECK(now_ms() - started < 1000, "cancel took %lu ms", (unsigned long)(now_ms() - started));
    rc = dkv_op_store_list(op, &list, &err);
    CHECK(rc == DKV_ERR_CANCELLED && list == NULL && str_eq(err, "Cancelled while listing the stores."),
          "cancelled list -> %d: %s", rc, show(err));
    dkv_free_string(err);
    err = NULL;
    dkv_op_free(op);
  }

  /* Arguments: a NULL out pointer is an argument error; NULL frees are no-ops. */
  rc = dkv_list_stores(NULL, env->all, ENV_HOSTS, env->port, LIST_TIMEOUT_SEC, NULL, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && str_has(err, "out_list"), "NULL out_list -> %d: %s", rc, show(err));
  dkv_free_string(err);
  err = NULL;
  rc = dkv_list_stores(NULL, NULL, 0, 0, 0, &list, &err);
  CHECK(rc == DKV_ERR_NO_MANAGERS && list == NULL, "no managers -> %d", rc);
  dkv_free_string(err);
  dkv_free_store_list(NULL);
  env_reset(env);
}
