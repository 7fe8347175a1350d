#ifndef DKV_HARNESS_CASES_H
#define DKV_HARNESS_CASES_H

#include "env.h"

typedef void (*CaseFn)(const Env *env);

typedef struct Case {
  const char *name;
  CaseFn run;
} Case;

/* Argument handling, no network (cases_args.c). */
void case_version(const Env *env);
void case_normalize(const Env *env);
void case_connect_and_session(const Env *env);
void case_connect_rejects_bad_addresses(const Env *env);
void case_no_managers(const Env *env);
void case_null_pointers(const Env *env);
void case_free_functions_accept_null(const Env *env);
void case_bad_names_and_flags(const Env *env);
void case_connect_ex_options(const Env *env);
void case_strings_in(const Env *env);

/* Against the reference manager (cases_stop.c). */
void case_get_store(const Env *env);
void case_stop_one_node_forced(const Env *env);
void case_whole_store_graceful_with_progress(const Env *env);
void case_cancel_long_graceful_stop(const Env *env);
void case_cancel_during_discovery(const Env *env);
void case_cancel_during_a_silent_safety_check(const Env *env);
void case_cancel_during_a_dripping_safety_answer(const Env *env);
void case_op_free_while_running(const Env *env);
void case_disconnect_while_running(const Env *env);
void case_unknown_store(const Env *env);
void case_unknown_instance(const Env *env);
void case_unreachable_managers(const Env *env);
void case_node_timeout_is_bounded(const Env *env);
void case_fail_fast(const Env *env);
void case_parallel(const Env *env);
void case_unrouted_node_is_skipped(const Env *env);
void case_get_store_begin_and_cancel(const Env *env);
void case_plan_routes_and_skips_as_the_stop(const Env *env);
void case_instance_list_is_one_operation(const Env *env);
void case_stop_options_are_checked(const Env *env);

/* Starts (cases_start.c). */
void case_start_whole_store_after_passive_stop(const Env *env);
void case_start_store_blocking_and_checked(const Env *env);

/* Rolling restarts (cases_restart.c). */
void case_restart_rolls_one_node_at_a_time(const Env *env);
void case_restart_cancel_brings_the_node_back(const Env *env);
void case_restart_store_blocking_and_checked(const Env *env);

/* The store list (cases_list.c). */
void case_list_stores(const Env *env);

/* The reason and the audit trail of a change (cases_change.c). */
void case_reason_and_audit_log(const Env *env);

/* The leak-check loop (cycles.c): 0 when every cycle behaved. */
int run_cycles(const Env *env, long cycles);

#endif
