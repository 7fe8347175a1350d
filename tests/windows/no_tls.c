/* What the Windows build does without TLS (it is built with --no-default-features: see docs/windows.md): an https
   manager is refused up front, by name and with the reason, and http addresses are unaffected.
   Last line: "no-tls: N passed, N failed"; exit status 1 on any failure. */
#include "clustron_dkv.h"

#include <stdio.h>
#include <string.h>

static const char HTTPS_MANAGER[] = "https://mgr-a.corp";
static const char NO_TLS[] = "no TLS support";

static int passed, failed;

static void expect(int ok, const char *what, const char *detail) {
  if (ok) {
    passed++;
    printf("ok   %s\n", what);
  } else {
    failed++;
    printf("FAIL %s: %s\n", what, detail == NULL ? "(null)" : detail);
  }
}

static int mentions(const char *text, const char *needle) { return text != NULL && strstr(text, needle) != NULL; }

static void normalize_refuses_https(void) {
  char *out = NULL;
  char *err = NULL;
  int32_t rc = dkv_normalize_manager(HTTPS_MANAGER, 0, &out, &err);
  expect(rc == DKV_ERR_INVALID_ARGUMENT && out == NULL && mentions(err, HTTPS_MANAGER) && mentions(err, NO_TLS),
         "dkv_normalize_manager refuses https, naming the address and the missing TLS support", err);
  dkv_free_string(out);
  dkv_free_string(err);
}

static void connect_refuses_https(void) {
  const char *managers[2] = {"127.0.0.11", HTTPS_MANAGER};
  DkvSession *session = NULL;
  char *err = NULL;
  int32_t rc = dkv_connect(managers, 2, 0, 5, &session, &err);
  expect(rc == DKV_ERR_INVALID_ARGUMENT && session == NULL && mentions(err, HTTPS_MANAGER) && mentions(err, NO_TLS),
         "dkv_connect refuses a manager list with an https address", err);
  dkv_disconnect(session);
  dkv_free_string(err);
}

static void http_is_unaffected(void) {
  char *out = NULL;
  char *err = NULL;
  int32_t rc = dkv_normalize_manager("http://mgr-a.corp", 0, &out, &err);
  expect(rc == DKV_OK && out != NULL && strcmp(out, "http://mgr-a.corp:7801") == 0,
         "dkv_normalize_manager still takes http addresses", err != NULL ? err : out);
  dkv_free_string(out);
  dkv_free_string(err);
}

int main(void) {
  normalize_refuses_https();
  connect_refuses_https();
  http_is_unaffected();
  printf("no-tls: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
