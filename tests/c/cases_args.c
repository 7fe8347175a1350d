/* Cases that exercise argument checking: every one of them must fail (or succeed) before any request is sent. */
#include "cases.h"
#include "check.h"
#include "stop_args.h"

#include "clustron_dkv.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char NO_MANAGERS[] = "No managers connected. Use Connect-DkvManager or specify -Managers.";

/* A value no library would write: tells "out_error left alone" apart from "set to NULL". */
static char sentinel_byte;
#define SENTINEL (&sentinel_byte)

void case_version(const Env *env) {
  const char *v = dkv_version();
  (void)env;
  CHECK(v != NULL && v[0] != '\0', "version is %s", show(v));
  CHECK(v != NULL && isdigit((unsigned char)v[0]) && strchr(v, '.') != NULL, "version '%s' is not x.y.z", show(v));
  CHECK(dkv_version() == v, "dkv_version returned a different pointer the second time (must be static)");
}

static void expect_normalized(const char *address, int32_t default_port, const char *expected) {
  char *out = SENTINEL;
  char *err = SENTINEL;
  int32_t rc = dkv_normalize_manager(address, default_port, &out, &err);
  CHECK(rc == DKV_OK, "normalize('%s', %d) -> %d: %s", address, default_port, rc, err == SENTINEL ? "?" : show(err));
  CHECK(str_eq(out, expected), "normalize('%s', %d) gave '%s', want '%s'", address, default_port,
        out == SENTINEL ? "(untouched)" : show(out), expected);
  CHECK(err == NULL, "out_error was not cleared on success");
  if (out != SENTINEL) {
    dkv_free_string(out);
  }
  if (err != SENTINEL) {
    dkv_free_string(err);
  }
}

/* The message must name the address: an operator with ten managers needs to know which one is wrong. */
static void expect_rejected(const char *address, int32_t default_port, const char *named) {
  char *out = SENTINEL;
  char *err = NULL;
  int32_t rc = dkv_normalize_manager(address, default_port, &out, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT, "normalize('%s', %d) -> %d, want INVALID_ARGUMENT", address, default_port,
        rc);
  CHECK(out == NULL, "out_normalized must be NULL after an error");
  CHECK(str_has(err, named), "message '%s' does not name '%s'", show(err), named);
  if (out != SENTINEL) {
    dkv_free_string(out);
  }
  dkv_free_string(err);
}

void case_normalize(const Env *env) {
  (void)env;
  expect_normalized("[::1]", 0, "http://[::1]:7801");
  expect_normalized("::1", 0, "http://[::1]:7801");
  expect_normalized("[::1]:7900", 0, "http://[::1]:7900");
  expect_normalized("10.0.0.11", 0, "http://10.0.0.11:7801");
  expect_normalized("10.0.0.11", -5, "http://10.0.0.11:7801");
  expect_normalized("10.0.0.11", 7900, "http://10.0.0.11:7900");
  expect_normalized("10.0.0.11:7901", 7900, "http://10.0.0.11:7901");
#ifdef DKV_HARNESS_NO_TLS
  /* A build without TLS (the Windows DLL) must refuse https by name rather than fail at connect time. */
  expect_rejected("https://mgr-a.corp", 0, "https://mgr-a.corp");
#else
  expect_normalized("https://mgr-a.corp", 0, "https://mgr-a.corp:7801");
#endif
  expect_normalized("http://mgr-a.corp:8080", 0, "http://mgr-a.corp:8080");

  expect_rejected("10.0.0.11/admin", 0, "10.0.0.11/admin");
  expect_rejected("10.0.0.11:0", 0, "10.0.0.11:0");
  expect_rejected("10.0.0.11:65536", 0, "10.0.0.11:65536");
  expect_rejected("admin@10.0.0.11", 0, "admin@10.0.0.11");
  expect_rejected("10.0.0.11?x=1", 0, "10.0.0.11?x=1");
  expect_rejected("ftp://10.0.0.11", 0, "ftp://10.0.0.11");
  expect_rejected("::1:7801x", 0, "::1:7801x");
  expect_rejected("10.0.0.11", 70000, "70000");
  {
    char *out = SENTINEL;
    char *err = NULL;
    int32_t rc = dkv_normalize_manager("   ", 0, &out, &err);
    CHECK(rc == DKV_ERR_INVALID_ARGUMENT, "blank address -> %d", rc);
    CHECK(out == NULL && err != NULL && err[0] != '\0', "blank address: out %p, message '%s'", (void *)out,
          show(err));
    dkv_free_string(err);
  }
}

void case_connect_and_session(const Env *env) {
  const char *managers[3];
  DkvSession *session = NULL;
  char *err = SENTINEL;
  size_t i;
  int32_t rc;
  /* Three spellings of the same kind of address: bare host (session port), host:port, explicit scheme. */
  managers[0] = env->hosts[0];
  managers[1] = env->with_port[1];
  managers[2] = env->url[2];
  rc = dkv_connect(managers, 3, env->port, 10, &session, &err);
  CHECK(rc == DKV_OK && session != NULL, "connect -> %d: %s", rc, err == SENTINEL ? "?" : show(err));
  CHECK(err == NULL, "out_error not cleared on success");
  if (session == NULL) {
    return;
  }
  CHECK(dkv_session_manager_count(session) == 3, "manager count %lu",
        (unsigned long)dkv_session_manager_count(session));
  for (i = 0; i < 3; i++) {
    char *address = NULL;
    rc = dkv_session_manager(session, i, &address, NULL);
    CHECK(rc == DKV_OK && str_eq(address, env->url[i]), "manager %lu is '%s', want '%s'", (unsigned long)i,
          show(address), env->url[i]);
    dkv_free_string(address);
  }
  {
    char *address = SENTINEL;
    err = NULL;
    rc = dkv_session_manager(session, 3, &address, &err);
    CHECK(rc == DKV_ERR_INVALID_ARGUMENT, "index 3 of 3 -> %d", rc);
    CHECK(address == NULL, "out_address must be NULL after an error");
    CHECK(str_has(err, "3"), "message '%s' does not mention the index", show(err));
    dkv_free_string(err);
  }
  dkv_disconnect(session);

  /* Port and timeout defaults: <= 0 means 7801 / 30 s, not an error. */
  session = NULL;
  managers[0] = "10.0.0.11";
  rc = dkv_connect(managers, 1, 0, 0, &session, NULL);
  CHECK(rc == DKV_OK, "connect with default port and timeout -> %d", rc);
  if (session != NULL) {
    char *address = NULL;
    rc = dkv_session_manager(session, 0, &address, NULL);
    CHECK(rc == DKV_OK && str_eq(address, "http://10.0.0.11:7801"), "default port gave '%s'", show(address));
    dkv_free_string(address);
    dkv_disconnect(session);
  }
}

static void expect_connect_rejected(const char *const *managers, size_t count, int32_t port, int32_t timeout,
                                    const char *named) {
  DkvSession *session = (DkvSession *)(void *)SENTINEL;
  char *err = NULL;
  int32_t rc = dkv_connect(managers, count, port, timeout, &session, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT, "connect -> %d, want INVALID_ARGUMENT (%s)", rc, show(err));
  CHECK(session == NULL, "out_session must be NULL after an error");
  CHECK(named == NULL ? (err != NULL && err[0] != '\0') : str_has(err, named), "message '%s' does not name '%s'",
        show(err), show(named));
  if (rc == DKV_OK && session != NULL && session != (DkvSession *)(void *)SENTINEL) {
    dkv_disconnect(session);
  }
  dkv_free_string(err);
}

void case_connect_rejects_bad_addresses(const Env *env) {
  const char *bad_host[2];
  const char *bad_port[2];
  const char *twice[2];
  const char *fine[1];
  bad_host[0] = env->hosts[0];
  bad_host[1] = "mgr a.corp";
  expect_connect_rejected(bad_host, 2, env->port, 10, "mgr a.corp");
  bad_port[0] = "10.0.0.11:99999";
  bad_port[1] = env->hosts[0];
  expect_connect_rejected(bad_port, 2, env->port, 10, "10.0.0.11:99999");
  twice[0] = "10.0.0.11";
  twice[1] = "10.0.0.11:7801";
  expect_connect_rejected(twice, 2, 0, 0, "10.0.0.11");
  fine[0] = "10.0.0.11";
  expect_connect_rejected(fine, 0, 0, 0, NULL);
  expect_connect_rejected(fine, 1, 70000, 0, "70000");
  expect_connect_rejected(fine, 1, 0, 1000000, NULL);
  {
    /* Without out_error the status still tells what happened. */
    DkvSession *session = NULL;
    int32_t rc = dkv_connect(bad_host, 2, env->port, 10, &session, NULL);
    CHECK(rc == DKV_ERR_INVALID_ARGUMENT && session == NULL, "connect without out_error -> %d", rc);
  }
}

void case_no_managers(const Env *env) {
  const char *unused[1];
  int32_t rc;
  char *err = NULL;
  (void)env;
  unused[0] = "never-read";
  {
    DkvResults *results = (DkvResults *)(void *)SENTINEL;
    rc = stop_store_one(NULL, NULL, 0, 0, "OrdersStore", NULL, 0, 0, 0, &results, &err);
    CHECK(rc == DKV_ERR_NO_MANAGERS, "stop_store -> %d", rc);
    CHECK(str_eq(err, NO_MANAGERS), "stop_store message '%s'", show(err));
    CHECK(results == NULL, "out_results must be NULL after an error");
    dkv_free_string(err);
  }
  {
    /* A non-NULL array with a count of 0 names no managers either. */
    DkvResults *results = NULL;
    err = NULL;
    rc = stop_store_one(NULL, unused, 0, 0, "OrdersStore", "orders-1", DKV_STOP_FORCE, 0, 0, &results, &err);
    CHECK(rc == DKV_ERR_NO_MANAGERS && str_eq(err, NO_MANAGERS), "stop_store (empty list) -> %d '%s'", rc,
          show(err));
    dkv_free_string(err);
  }
  {
    DkvOperation *op = (DkvOperation *)(void *)SENTINEL;
    err = NULL;
    rc = stop_begin_one(NULL, NULL, 0, 0, "OrdersStore", NULL, 0, 0, 0, &op, &err);
    CHECK(rc == DKV_ERR_NO_MANAGERS && str_eq(err, NO_MANAGERS), "stop_begin -> %d '%s'", rc, show(err));
    CHECK(op == NULL, "out_op must be NULL after an error");
    dkv_free_string(err);
  }
  {
    DkvStoreInfo *info = (DkvStoreInfo *)(void *)SENTINEL;
    err = NULL;
    rc = dkv_get_store(NULL, NULL, 0, 0, "OrdersStore", 0, &info, &err);
    CHECK(rc == DKV_ERR_NO_MANAGERS && str_eq(err, NO_MANAGERS), "get_store -> %d '%s'", rc, show(err));
    CHECK(info == NULL, "out_info must be NULL after an error");
    dkv_free_string(err);
  }
}

/* Every required pointer, one at a time: a NULL must come back as INVALID_ARGUMENT with a message. */
#define EXPECT_INVALID(call)                                                                                   \
  do {                                                                                                         \
    char *err_ = NULL;                                                                                         \
    int32_t rc_ = (call);                                                                                      \
    CHECK(rc_ == DKV_ERR_INVALID_ARGUMENT, "%s -> %d (%s)", #call, rc_, show(err_));                           \
    CHECK(err_ != NULL && err_[0] != '\0', "%s gave no message", #call);                                       \
    dkv_free_string(err_);                                                                                     \
  } while (0)

void case_null_pointers(const Env *env) {
  const char *managers[ENV_HOSTS];
  const char *with_null[2];
  DkvSession *session = NULL;
  DkvOperation *op = NULL;
  DkvResults *results = NULL;
  DkvStoreInfo *info = NULL;
  DkvProgress *progress = NULL;
  char *text = NULL;
  size_t i;
  for (i = 0; i < ENV_HOSTS; i++) {
    managers[i] = env->all[i];
  }
  with_null[0] = env->all[0];
  with_null[1] = NULL;

  EXPECT_INVALID(dkv_normalize_manager(NULL, 0, &text, &err_));
  EXPECT_INVALID(dkv_normalize_manager("10.0.0.11", 0, NULL, &err_));

  EXPECT_INVALID(dkv_connect(NULL, 2, 0, 0, &session, &err_));
  EXPECT_INVALID(dkv_connect(with_null, 2, 0, 0, &session, &err_));
  EXPECT_INVALID(dkv_connect(managers, ENV_HOSTS, 0, 0, NULL, &err_));
  CHECK(session == NULL, "a failed connect wrote a session");

  CHECK(dkv_session_manager_count(NULL) == 0, "count of NULL session is not 0");
  EXPECT_INVALID(dkv_session_manager(NULL, 0, &text, &err_));

  if (dkv_connect(managers, ENV_HOSTS, 0, 10, &session, NULL) != DKV_OK || session == NULL) {
    CHECK(0, "connect for the NULL checks failed");
    return;
  }
  EXPECT_INVALID(dkv_session_manager(session, 0, NULL, &err_));

  EXPECT_INVALID(dkv_get_store(session, NULL, 0, 0, NULL, 0, &info, &err_));
  EXPECT_INVALID(dkv_get_store(session, NULL, 0, 0, "OrdersStore", 0, NULL, &err_));
  EXPECT_INVALID(dkv_get_store(session, NULL, 3, 0, "OrdersStore", 0, &info, &err_));
  EXPECT_INVALID(dkv_get_store(NULL, with_null, 2, 0, "OrdersStore", 0, &info, &err_));
  CHECK(info == NULL, "a failed get_store wrote a store info");

  EXPECT_INVALID(stop_begin_one(session, NULL, 0, 0, NULL, NULL, 0, 0, 0, &op, &err_));
  EXPECT_INVALID(stop_begin_one(session, NULL, 0, 0, "OrdersStore", NULL, 0, 0, 0, NULL, &err_));
  EXPECT_INVALID(stop_begin_one(session, NULL, 2, 0, "OrdersStore", NULL, 0, 0, 0, &op, &err_));
  EXPECT_INVALID(stop_begin_one(NULL, with_null, 2, 0, "OrdersStore", NULL, 0, 0, 0, &op, &err_));
  CHECK(op == NULL, "a failed stop_begin wrote an operation");

  EXPECT_INVALID(stop_store_one(session, NULL, 0, 0, NULL, "orders-1", DKV_STOP_FORCE, 0, 0, &results, &err_));
  EXPECT_INVALID(stop_store_one(session, NULL, 0, 0, "OrdersStore", "orders-1", DKV_STOP_FORCE, 0, 0, NULL, &err_));
  EXPECT_INVALID(stop_store_one(NULL, with_null, 2, 0, "OrdersStore", NULL, 0, 0, 0, &results, &err_));
  CHECK(results == NULL, "a failed stop_store wrote results");

  CHECK(dkv_op_wait(NULL, 0) == -1, "wait(NULL, 0) is not -1");
  CHECK(dkv_op_wait(NULL, -1) == -1, "wait(NULL, -1) is not -1 (it must not block)");
  EXPECT_INVALID(dkv_op_progress(NULL, 0, &progress, &err_));
  EXPECT_INVALID(dkv_op_results(NULL, &results, &err_));
  CHECK(progress == NULL && results == NULL, "a failed progress/results call wrote its out pointer");

  /* A real operation, with NULL out pointers: the call fails, the operation is unaffected. */
  if (stop_begin_one(session, NULL, 0, 0, "NoSuchStoreForNullChecks", NULL, 0, 0, 0, &op, NULL) == DKV_OK) {
    EXPECT_INVALID(dkv_op_progress(op, 0, NULL, &err_));
    EXPECT_INVALID(dkv_op_results(op, NULL, &err_));
    CHECK(dkv_op_wait(op, -1) == 1, "operation did not finish");
    dkv_op_free(op);
  } else {
    CHECK(0, "stop_begin for the out-pointer checks failed");
  }
  dkv_disconnect(session);
}

void case_free_functions_accept_null(const Env *env) {
  (void)env;
  /* Each of these would crash on a dereference; reaching the CHECK is the assertion. */
  dkv_free_string(NULL);
  dkv_disconnect(NULL);
  dkv_free_store_info(NULL);
  dkv_free_progress(NULL);
  dkv_free_results(NULL);
  dkv_op_cancel(NULL);
  dkv_op_free(NULL);
  CHECK(1, "unreachable");
}

void case_bad_names_and_flags(const Env *env) {
  const char *managers[1];
  DkvResults *results = NULL;
  DkvOperation *op = NULL;
  static const char bad_utf8[] = {'O', 'r', 'd', (char)0xC3, (char)0x28, 0};
  managers[0] = env->all[0];
  EXPECT_INVALID(stop_store_one(NULL, managers, 1, 0, "OrdersStore", "orders-1", 0x80u, 0, 0, &results, &err_));
  EXPECT_INVALID(stop_begin_one(NULL, managers, 1, 0, "OrdersStore", NULL, 0xFFFFFFFFu, 0, 0, &op, &err_));
  EXPECT_INVALID(stop_store_one(NULL, managers, 1, 0, bad_utf8, NULL, 0, 0, 0, &results, &err_));
  EXPECT_INVALID(stop_store_one(NULL, managers, 1, 0, "OrdersStore", bad_utf8, 0, 0, 0, &results, &err_));
  EXPECT_INVALID(stop_store_one(NULL, managers, 1, 0, "..", NULL, 0, 0, 0, &results, &err_));
  EXPECT_INVALID(stop_store_one(NULL, managers, 1, 0, "OrdersStore", ".", 0, 0, 0, &results, &err_));
  EXPECT_INVALID(stop_store_one(NULL, managers, 1, 0, "", NULL, 0, 0, 0, &results, &err_));
  EXPECT_INVALID(stop_store_one(NULL, managers, 1, 70000, "OrdersStore", NULL, 0, 0, 0, &results, &err_));
  CHECK(results == NULL && op == NULL, "a rejected call wrote its out pointer");
  {
    char *text = NULL;
    EXPECT_INVALID(dkv_normalize_manager(bad_utf8, 0, &text, &err_));
    CHECK(text == NULL, "normalize of bad UTF-8 wrote a result");
  }
}

void case_connect_ex_options(const Env *env) {
  const char *managers[1];
  DkvSession *session = NULL;
  DkvConnectOptions options;
  DkvStoreInfo *info = NULL;
  char *err = NULL;
  int32_t rc;
  managers[0] = env->with_port[0];

  /* NULL options: exactly dkv_connect. */
  rc = dkv_connect_ex(managers, 1, env->port, 10, NULL, &session, &err);
  CHECK(rc == DKV_OK && session != NULL, "connect_ex(NULL options) -> %d: %s", rc, show(err));
  dkv_free_string(err);
  err = NULL;
  dkv_disconnect(session);
  session = NULL;

  /* A struct_size the library does not know is refused, not read past. */
  memset(&options, 0, sizeof options);
  rc = dkv_connect_ex(managers, 1, env->port, 10, &options, &session, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && session == NULL, "struct_size 0 -> %d", rc);
  CHECK(str_has(err, "struct_size"), "message '%s'", show(err));
  dkv_free_string(err);
  err = NULL;

  /* A caller built against a newer header (a bigger struct) is refused too: its extra fields cannot be honoured. */
  {
    struct {
      DkvConnectOptions known;
      uint64_t newer_field;
    } newer;
    memset(&newer, 0, sizeof newer);
    newer.known.struct_size = (uint32_t)sizeof newer;
    rc = dkv_connect_ex(managers, 1, env->port, 10, &newer.known, &session, &err);
    CHECK(rc == DKV_ERR_INVALID_ARGUMENT && session == NULL, "struct_size %u -> %d", (unsigned)sizeof newer, rc);
    CHECK(str_has(err, "newer clustron_dkv.h"), "message '%s'", show(err));
    dkv_free_string(err);
    err = NULL;
  }

  /* A bearer token: the session works and the token never shows up in a message. */
  options.struct_size = (uint32_t)sizeof options;
  options.bearer_token = "tok-c-harness-secret";
  rc = dkv_connect_ex(managers, 1, env->port, 10, &options, &session, &err);
  CHECK(rc == DKV_OK && session != NULL, "connect_ex(token) -> %d: %s", rc, show(err));
  if (session != NULL) {
    rc = dkv_get_store(session, NULL, 0, 0, "NoSuchStore", 0, &info, &err);
    CHECK(rc == DKV_ERR_STORE_NOT_FOUND, "get_store with a token -> %d", rc);
    CHECK(err != NULL && !str_has(err, "tok-c-harness-secret"), "the token leaked: '%s'", show(err));
    dkv_free_string(err);
    err = NULL;
    rc = dkv_get_store(session, NULL, 0, 0, "OrdersStore", 0, &info, &err);
    CHECK(rc == DKV_OK && info != NULL && info->len == 3, "get_store with a token -> %d: %s", rc, show(err));
    dkv_free_store_info(info);
    dkv_free_string(err);
    err = NULL;
    dkv_disconnect(session);
    session = NULL;
  }

  /* Token and user at once is ambiguous: refused. */
  options.user = "admin";
  rc = dkv_connect_ex(managers, 1, env->port, 10, &options, &session, &err);
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT && session == NULL, "token + user -> %d", rc);
  dkv_free_string(err);
}

/* Strings in: C reads every string argument up to its first NUL, as UTF-8 (the header says so). Bytes that are not
   UTF-8 (an unpaired UTF-16 surrogate encoded as ED A0 80 included) are refused naming the argument and the byte,
   with nothing sent; a NUL cannot be passed inside a string at all: the string ends there. */
static void expect_refused_string(int32_t rc, char *err, const char *what, const char *named) {
  CHECK(rc == DKV_ERR_INVALID_ARGUMENT, "%s -> %d (%s), want INVALID_ARGUMENT", what, rc, show(err));
  CHECK(str_has(err, named), "%s: message '%s' does not say '%s'", what, show(err), named);
  dkv_free_string(err);
}

void case_strings_in(const Env *env) {
  static const char surrogate_store[] = {'O', 'r', 'd', 'e', 'r', 's', (char)0xED, (char)0xA0, (char)0x80, 0};
  static const char surrogate_node[] = {'o', 'r', 'd', 'e', 'r', 's', '-', '1', (char)0xED, (char)0xA0, (char)0x80, 0};
  static const char bad_address[] = {'1', '2', '7', '.', '0', '.', '0', '.', '1', '1', (char)0xFF, 0};
  static const char bad_password[] = {'p', 'a', (char)0xC3, 0};
  static const char cut[] = "OrdersStore\0Test";
  const char *managers[1];
  DkvResults *results = NULL;
  DkvSession *session = NULL;
  DkvStoreInfo *info = NULL;
  DkvConnectOptions options;
  char *text = NULL;
  char *err = NULL;
  int32_t rc;
  managers[0] = env->all[0];

  rc = stop_store_one(NULL, managers, 1, 0, surrogate_store, NULL, DKV_STOP_FORCE, 5, 0, &results, &err);
  expect_refused_string(rc, err, "forced stop of a store name with a surrogate",
                        "options->store is not valid UTF-8 at byte 7 (0xED)");
  err = NULL;
  rc = stop_store_one(NULL, managers, 1, 0, "OrdersStore", surrogate_node, DKV_STOP_FORCE, 5, 0, &results, &err);
  expect_refused_string(rc, err, "forced stop of a node name with a surrogate",
                        "options->instances[0] is not valid UTF-8 at byte 9 (0xED)");
  err = NULL;
  CHECK(results == NULL, "a refused stop wrote its results");
  rc = dkv_normalize_manager(bad_address, 0, &text, &err);
  expect_refused_string(rc, err, "an address with a byte 0xFF", "address is not valid UTF-8 at byte 11 (0xFF)");
  err = NULL;
  CHECK(text == NULL, "normalize of bad UTF-8 wrote a result");

  memset(&options, 0, sizeof options);
  options.struct_size = (uint32_t)sizeof options;
  options.user = "admin";
  options.password = bad_password;
  rc = dkv_connect_ex(managers, 1, 0, 10, &options, &session, &err);
  expect_refused_string(rc, err, "a password cut inside a character", "password is not valid UTF-8 at byte 3 (0xC3)");
  err = NULL;
  memset(&options, 0, sizeof options);
  options.struct_size = (uint32_t)sizeof options;
  options.bearer_token = surrogate_node;
  rc = dkv_connect_ex(managers, 1, 0, 10, &options, &session, &err);
  expect_refused_string(rc, err, "a token with a surrogate", "bearer_token is not valid UTF-8 at byte 9 (0xED)");
  err = NULL;
  CHECK(session == NULL, "a refused connect made a session");
  CHECK(env_requests(env, -1, NULL, NULL, NULL) == 0, "a refused string sent %d request(s)",
        env_requests(env, -1, NULL, NULL, NULL));

  /* Why a caller holding counted text must refuse a NUL itself: "OrdersStore\0Test" is OrdersStore here. */
  rc = dkv_get_store(NULL, managers, 1, 0, cut, 10, &info, &err);
  CHECK(rc == DKV_OK && info != NULL, "get_store(\"OrdersStore\\0Test\") -> %d (%s)", rc, show(err));
  CHECK(info != NULL && str_eq(info->name, "OrdersStore"), "the NUL did not end the name: %s",
        info != NULL ? show(info->name) : "(no info)");
  dkv_free_store_info(info);
  dkv_free_string(err);
}
