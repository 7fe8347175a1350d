/* A small C caller of the Clustron DKV C ABI: connect to the managers given on the command line, stop
   OrdersStore (or the store in DKV_STORE) while printing progress, then print the rows as the module's table does.
   DKV_INSTANCES="orders-1 orders-3" stops only those nodes, as one operation under one deadline.

     cc -I include examples/c/stop_orders.c -L target/release -lclustron_dkv -o stop_orders
     LD_LIBRARY_PATH=target/release ./stop_orders 127.0.0.11:7801 127.0.0.12:7801 127.0.0.13:7801

   Exit status: 0 when every node stopped, 1 when a row is not SUCCESS, 2 on an error before any node. */
#include "clustron_dkv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LISTED 64

static int fail(const char *what, int32_t status, char *message) {
  fprintf(stderr, "%s failed (status %d): %s\n", what, (int)status, message != NULL ? message : "");
  dkv_free_string(message);
  return 2;
}

int main(int argc, char **argv) {
  const char *store = getenv("DKV_STORE") != NULL ? getenv("DKV_STORE") : "OrdersStore";
  DkvSession *session = NULL;
  DkvOperation *op = NULL;
  DkvResults *rows = NULL;
  DkvStopOptions options;
  const char *listed[MAX_LISTED];
  char names[1024];
  size_t listed_count = 0;
  char *error = NULL;
  uint64_t log_next = 0;
  int32_t status;
  int finished = 0;
  int exit_code = 0;
  size_t i;

  if (argc < 2) {
    fprintf(stderr, "usage: %s MANAGER [MANAGER...]\n", argv[0]);
    return 2;
  }
  printf("clustron_dkv %s\n", dkv_version());
  status = dkv_connect((const char *const *)(argv + 1), (size_t)(argc - 1), 0, 30, &session, &error);
  if (status != DKV_OK) {
    return fail("dkv_connect", status, error);
  }
  /* Zero the options and set struct_size: fields added in later versions then keep their defaults. */
  memset(&options, 0, sizeof options);
  options.struct_size = (uint32_t)sizeof options;
  options.store = store;
  options.flags = DKV_STOP_PARALLEL;
  if (getenv("DKV_INSTANCES") != NULL && strlen(getenv("DKV_INSTANCES")) < sizeof names) {
    char *name;
    strcpy(names, getenv("DKV_INSTANCES"));
    for (name = strtok(names, " ,"); name != NULL && listed_count < MAX_LISTED; name = strtok(NULL, " ,")) {
      listed[listed_count++] = name;
    }
    /* NULL/0 means every node; a list, even of every node, never makes the store passive first. */
    options.instances = listed_count > 0 ? listed : NULL;
    options.instance_count = listed_count;
  }
  status = dkv_stop_begin(session, &options, &op, &error);
  if (status != DKV_OK) {
    dkv_disconnect(session);
    return fail("dkv_stop_begin", status, error);
  }

  /* Poll: the library never calls back into the caller, so progress is read, not pushed. */
  while (!finished) {
    DkvProgress *progress = NULL;
    finished = dkv_op_wait(op, 100) == 1;
    if (dkv_op_progress(op, log_next, &progress, NULL) == DKV_OK) {
      for (i = 0; i < progress->log_len; i++) {
        printf("  %s\n", progress->log[i]);
      }
      log_next = progress->log_first + progress->log_len;
      printf("[%s] %llu of %llu nodes done\n", progress->phase, (unsigned long long)progress->done,
             (unsigned long long)progress->total);
      dkv_free_progress(progress);
    }
  }

  status = dkv_op_results(op, &rows, &error);
  dkv_op_free(op);
  dkv_disconnect(session);
  if (status != DKV_OK) {
    return fail("stopping the store", status, error);
  }
  printf("\n%-22s %-28s %-9s %s\n", "Manager", "Action", "Result", "Message");
  printf("%-22s %-28s %-9s %s\n", "-------", "------", "------", "-------");
  for (i = 0; i < rows->len; i++) {
    const DkvResult *row = &rows->items[i];
    printf("%-22s %-28s %-9s %s\n", row->manager, row->action, row->result, row->message);
    if (row->kind != DKV_RESULT_SUCCESS) {
      exit_code = 1;
    }
  }
  dkv_free_results(rows);
  return exit_code;
}
