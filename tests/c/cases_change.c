/* The reason and the audit trail of a change at the C ABI (DkvStopOptions.reason, audit_log, audit_command,
   audit_parameters) against the reference manager (demo layout: orders-1 on the first host). */
#include "cases.h"
#include "check.h"
#include "stop_args.h"

#include "clustron_dkv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHANGE_TIMEOUT_SEC 10

/* The audit log's text into buf (empty when missing); returns its number of lines. */
static int read_log(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  size_t n = 0;
  int lines = 0;
  size_t i;
  buf[0] = '\0';
  if (f == NULL) {
    return 0;
  }
  n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
  for (i = 0; i < n; i++) {
    lines += buf[i] == '\n';
  }
  return lines;
}

void case_reason_and_audit_log(const Env *env) {
  static char text[65536];
  char path[512];
  char missing[512];
  const char *tmp = getenv("TMPDIR");
  const char *one[1] = {"orders-1"};
  DkvStopOptions options = stop_options("OrdersStore");
  DkvResults *r = NULL;
  char *err = NULL;
  int32_t rc;

  /* The temporary folder (TEMP under Wine), so the path does not depend on the working directory. */
  if (tmp == NULL || tmp[0] == '\0') {
    tmp = getenv("TEMP");
  }
  if (tmp == NULL || tmp[0] == '\0') {
    tmp = "/tmp";
  }
  snprintf(path, sizeof path, "%s/dkv-c-audit-%lu.jsonl", tmp, (unsigned long)now_ms());
  snprintf(missing, sizeof missing, "%s/dkv-c-no-such-folder-%lu/audit.jsonl", tmp, (unsigned long)now_ms());
  remove(path);
  options.managers = env->all;
  options.manager_count = ENV_HOSTS;
  options.port = env->port;
  options.timeout_sec = CHANGE_TIMEOUT_SEC;
  options.flags = DKV_STOP_FORCE;
  options.instances = one;
  options.instance_count = 1;
  options.reason = "CHG-7: patch";
  options.audit_log = path;
  options.audit_command = "my-tool stop";
  options.audit_parameters = "{\"node\":\"orders-1\",\"password\":\"hunter2\"}";
  rc = dkv_stop_store(NULL, &options, &r, &err);
  CHECK(rc == DKV_OK && r != NULL && r->len == 1 && r->items[0].kind == DKV_RESULT_SUCCESS, "stop -> %d: %s", rc,
        show(err));
  dkv_free_results(r);
  dkv_free_string(err);
  r = NULL;
  err = NULL;
  CHECK(read_log(path, text, sizeof text) == 2, "want 2 audit lines, got: %s", text);
  CHECK(str_has(text, "\"event\":\"begin\"") && str_has(text, "\"event\":\"end\""), "events: %s", text);
  CHECK(str_has(text, "\"command\":\"my-tool stop\"") && str_has(text, "\"reason\":\"CHG-7: patch\""), "%s", text);
  CHECK(str_has(text, "\"requestSent\":true") && str_has(text, "\"outcome\":\"succeeded\""), "%s", text);
  CHECK(!str_has(text, "hunter2"), "a password reached the audit log");

  /* A caller built against the first DkvStopOptions (64 bytes, no reason, no audit fields) still works and
     nothing is appended (the fields after its size are not read, whatever they hold). */
  CHECK(env_reset(env) == 200, "could not reset the reference manager");
  options.struct_size = 64;
  rc = dkv_stop_store(NULL, &options, &r, &err);
  CHECK(rc == DKV_OK && r != NULL && r->len == 1, "first-version options -> %d: %s", rc, show(err));
  dkv_free_results(r);
  dkv_free_string(err);
  r = NULL;
  err = NULL;
  CHECK(read_log(path, text, sizeof text) == 2, "a first-version caller was audited: %s", text);

  /* An audit log that cannot be written: refused, nothing sent. */
  CHECK(env_reset(env) == 200, "could not reset the reference manager");
  options.struct_size = (uint32_t)sizeof options;
  options.audit_log = missing;
  rc = dkv_stop_store(NULL, &options, &r, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && r == NULL && str_has(err, "nothing was sent"), "-> %d: %s", rc, show(err));
  CHECK(env_requests(env, -1, "POST", NULL, NULL) == 0, "a stop was sent");
  dkv_free_string(err);
  remove(path);
}
