/* C harness for the Clustron DKV C ABI: every export, against the reference manager.
   Usage: harness --port PORT [--hosts H1,H2,H3] [--only CASE] [--cycles N]
   Last line: "c-harness: N passed, N failed"; exit status 1 on any failure. */
#include "cases.h"
#include "check.h"
#include "control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const Case CASES[] = {
    {"version", case_version},
    {"normalize", case_normalize},
    {"connect_and_session", case_connect_and_session},
    {"connect_rejects_bad_addresses", case_connect_rejects_bad_addresses},
    {"no_managers", case_no_managers},
    {"null_pointers", case_null_pointers},
    {"free_functions_accept_null", case_free_functions_accept_null},
    {"bad_names_and_flags", case_bad_names_and_flags},
    {"connect_ex_options", case_connect_ex_options},
    {"strings_in", case_strings_in},
    {"get_store", case_get_store},
    {"stop_one_node_forced", case_stop_one_node_forced},
    {"whole_store_graceful_with_progress", case_whole_store_graceful_with_progress},
    {"cancel_long_graceful_stop", case_cancel_long_graceful_stop},
    {"cancel_during_a_silent_safety_check", case_cancel_during_a_silent_safety_check},
    {"cancel_during_a_dripping_safety_answer", case_cancel_during_a_dripping_safety_answer},
    {"cancel_during_discovery", case_cancel_during_discovery},
    {"op_free_while_running", case_op_free_while_running},
    {"disconnect_while_running", case_disconnect_while_running},
    {"unknown_store", case_unknown_store},
    {"unknown_instance", case_unknown_instance},
    {"unreachable_managers", case_unreachable_managers},
    {"node_timeout_is_bounded", case_node_timeout_is_bounded},
    {"fail_fast", case_fail_fast},
    {"parallel", case_parallel},
    {"unrouted_node_is_skipped", case_unrouted_node_is_skipped},
    {"get_store_begin_and_cancel", case_get_store_begin_and_cancel},
    {"plan_routes_and_skips_as_the_stop", case_plan_routes_and_skips_as_the_stop},
    {"instance_list_is_one_operation", case_instance_list_is_one_operation},
    {"stop_options_are_checked", case_stop_options_are_checked},
    {"start_whole_store_after_passive_stop", case_start_whole_store_after_passive_stop},
    {"start_store_blocking_and_checked", case_start_store_blocking_and_checked},
    {"restart_rolls_one_node_at_a_time", case_restart_rolls_one_node_at_a_time},
    {"restart_cancel_brings_the_node_back", case_restart_cancel_brings_the_node_back},
    {"restart_store_blocking_and_checked", case_restart_store_blocking_and_checked},
    {"list_stores", case_list_stores},
    {"reason_and_audit_log", case_reason_and_audit_log},
};

int env_reset(const Env *env) {
  int status = control_reset(env->hosts[0], env->port);
  if (status == 200 && control_clear_log(env->hosts[0], env->port) != 200) {
    return -1;
  }
  return status;
}

int env_requests(const Env *env, int i, const char *method, const char *path, const char *query) {
  return control_log_count(env->hosts[0], env->port, i < 0 ? NULL : env->hosts[i], method, path, query);
}

int env_get(const Env *env, const char *path, char *buf, size_t cap) {
  return http_call(env->hosts[0], env->port, "GET", path, NULL, buf, cap);
}

int env_fault(const Env *env, int i, const char *fault) {
  return control_fault(env->hosts[0], env->port, env->hosts[i], fault);
}

static char host_list[256];

static int parse_hosts(Env *env, const char *list) {
  char *cursor;
  int n = 0;
  size_t size = strlen(list) + 1;
  if (size > sizeof host_list) {
    return 0;
  }
  memcpy(host_list, list, size);
  cursor = host_list;
  while (n < ENV_HOSTS) {
    char *comma = strchr(cursor, ',');
    env->hosts[n++] = cursor;
    if (comma == NULL) {
      break;
    }
    *comma = '\0';
    cursor = comma + 1;
  }
  return n == ENV_HOSTS && strchr(cursor, ',') == NULL;
}

static void fill_spellings(Env *env) {
  int i;
  for (i = 0; i < ENV_HOSTS; i++) {
    snprintf(env->display[i], sizeof env->display[i], "%s:%d", env->hosts[i], env->port);
    snprintf(env->url[i], sizeof env->url[i], "http://%s:%d", env->hosts[i], env->port);
    snprintf(env->with_port[i], sizeof env->with_port[i], "%s:%d", env->hosts[i], env->port);
    env->all[i] = env->with_port[i];
  }
}

static int usage(void) {
  fprintf(stderr, "usage: harness --port PORT [--hosts H1,H2,H3] [--only CASE] [--cycles N]\n");
  return 2;
}

int main(int argc, char **argv) {
  Env env;
  const char *only = NULL;
  long cycles = -1;
  int i, passed = 0, failed = 0;
  size_t c;
  memset(&env, 0, sizeof env);
  if (!parse_hosts(&env, "127.0.0.11,127.0.0.12,127.0.0.13")) {
    return usage();
  }
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      env.port = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--hosts") == 0 && i + 1 < argc) {
      if (!parse_hosts(&env, argv[++i])) {
        fprintf(stderr, "--hosts needs exactly %d comma-separated IPv4 addresses\n", ENV_HOSTS);
        return usage();
      }
    } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else if (strcmp(argv[i], "--cycles") == 0 && i + 1 < argc) {
      cycles = atol(argv[++i]);
    } else {
      return usage();
    }
  }
  if (env.port <= 0 || env.port > 65535) {
    return usage();
  }
  fill_spellings(&env);
  if (env_reset(&env) != 200) {
    fprintf(stderr, "the reference manager at %s does not answer POST /_control/reset\n", env.display[0]);
    printf("c-harness: 0 passed, 1 failed\n");
    return 1;
  }

  if (cycles >= 0) {
    check_begin_case("cycles");
    failed = run_cycles(&env, cycles);
    printf("c-harness: %d passed, %d failed\n", 1 - failed, failed);
    return failed == 0 ? 0 : 1;
  }

  for (c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
    uint64_t started = now_ms();
    if (only != NULL && strcmp(only, CASES[c].name) != 0) {
      continue;
    }
    check_begin_case(CASES[c].name);
    CHECK(env_reset(&env) == 200, "could not reset the reference manager");
    CASES[c].run(&env);
    if (check_case_failures() == 0) {
      passed++;
      printf("ok   %s (%lu ms)\n", CASES[c].name, (unsigned long)(now_ms() - started));
    } else {
      failed++;
      printf("FAIL %s (%d failed checks)\n", CASES[c].name, check_case_failures());
    }
    fflush(stdout);
  }
  printf("c-harness: %d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
