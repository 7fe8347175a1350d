/* https from the Windows DLL (SChannel, the Windows certificate store) against the reference manager serving
   https (tests/windows/run.sh starts it with a certificate from tests/support/make-test-pki.sh):
     https.exe --trusted PORT --rogue PORT [--host 127.0.0.11] [--other-host 127.0.0.14]
   --trusted: a manager whose certificate (IP and DNS names in its SANs) comes from a CA imported into the Wine
   prefix's ROOT store (tests/windows/trust-ca.sh); --rogue: the same names, from a CA nobody trusts; --other-host
   serves the trusted certificate on an address it does not name.
   Each check prints "ok   ..." or "FAIL ...: detail"; last line "https: N passed, N failed"; exit 1 on failure. */
#include "clustron_dkv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static void expect(int ok, const char *what, const char *detail) {
  if (ok) {
    passed++;
    printf("ok   %s\n", what);
  } else {
    failed++;
    printf("FAIL %s: %s\n", what, detail == NULL ? "(null)" : detail);
  }
  fflush(stdout);
}

static int mentions(const char *text, const char *needle) { return text != NULL && strstr(text, needle) != NULL; }

/* Discovers OrdersStore through one https manager; returns the status, *out_error set on failure. */
static int32_t discover(const char *manager, int skip, char **out_error, char **out_manager) {
  const char *managers[1] = {manager};
  DkvConnectOptions options;
  DkvSession *session = NULL;
  DkvStoreInfo *info = NULL;
  int32_t rc;
  memset(&options, 0, sizeof options);
  options.struct_size = (uint32_t)sizeof options;
  options.skip_certificate_check = skip;
  *out_error = NULL;
  *out_manager = NULL;
  rc = dkv_connect_ex(managers, 1, 0, 15, &options, &session, out_error);
  if (rc != DKV_OK) return rc;
  rc = dkv_get_store(session, NULL, 0, 0, "OrdersStore", 0, &info, out_error);
  if (rc == DKV_OK && info != NULL && info->len > 0 && info->manager != NULL) {
    size_t n = strlen(info->manager) + 1;
    *out_manager = (char *)malloc(n);
    if (*out_manager != NULL) memcpy(*out_manager, info->manager, n);
  }
  dkv_free_store_info(info);
  dkv_disconnect(session);
  return rc;
}

static void accepted(const char *what, const char *host, const char *port, int skip) {
  char manager[256], label[512];
  char *err = NULL, *answered = NULL;
  int32_t rc;
  snprintf(manager, sizeof manager, "https://%s:%s", host, port);
  snprintf(label, sizeof label, "%s (%s%s)", what, manager, skip ? ", skip_certificate_check" : "");
  rc = discover(manager, skip, &err, &answered);
  expect(rc == DKV_OK && answered != NULL, label, err);
  free(answered);
  dkv_free_string(err);
}

static void rejected(const char *what, const char *host, const char *port) {
  char manager[256], label[512];
  char *err = NULL, *answered = NULL;
  int32_t rc;
  snprintf(manager, sizeof manager, "https://%s:%s", host, port);
  snprintf(label, sizeof label, "%s (%s): refused, the reason and -SkipCertificateCheck named", what, manager);
  rc = discover(manager, 0, &err, &answered);
  expect(rc != DKV_OK && mentions(err, "certificate was rejected") && mentions(err, "-SkipCertificateCheck"), label,
         rc == DKV_OK ? "accepted" : err);
  if (err != NULL) printf("     message: %s\n", err); /* what an operator reads, kept in the log */
  free(answered);
  dkv_free_string(err);
}

int main(int argc, char **argv) {
  const char *trusted = NULL, *rogue = NULL, *host = "127.0.0.11", *other = "127.0.0.14";
  int i;
  for (i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--trusted") == 0) trusted = argv[i + 1];
    else if (strcmp(argv[i], "--rogue") == 0) rogue = argv[i + 1];
    else if (strcmp(argv[i], "--host") == 0) host = argv[i + 1];
    else if (strcmp(argv[i], "--other-host") == 0) other = argv[i + 1];
  }
  if (trusted == NULL || rogue == NULL) {
    fprintf(stderr, "usage: https --trusted PORT --rogue PORT [--host IP] [--other-host IP]\n");
    return 2;
  }
  accepted("a certificate for the IP address, from a trusted CA, is accepted", host, trusted, 0);
  accepted("a certificate for the name, from a trusted CA, is accepted", "localhost", trusted, 0);
  rejected("a certificate from an untrusted CA, by IP", host, rogue);
  rejected("a certificate from an untrusted CA, by name", "localhost", rogue);
  rejected("a trusted certificate that does not name the address", other, trusted);
  accepted("-SkipCertificateCheck accepts the untrusted CA", host, rogue, 1);
  printf("https: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
