#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *current_case = "(none)";
static int failures_in_case;

void check_begin_case(const char *name) {
  current_case = name;
  failures_in_case = 0;
}

int check_case_failures(void) { return failures_in_case; }

void check_that(int ok, const char *expr, const char *file, int line, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  if (ok) {
    va_end(args);
    return;
  }
  failures_in_case++;
  fprintf(stderr, "  FAIL [%s] %s:%d: %s\n    ", current_case, file, line, expr);
  /* clang-analyzer misreads the x86-64 array-typed va_list here; args was started above. */
  vfprintf(stderr, fmt, args); /* NOLINT(clang-analyzer-valist.Uninitialized) */
  va_end(args);
  fputc('\n', stderr);
}

int str_eq(const char *a, const char *b) { return a != NULL && b != NULL && strcmp(a, b) == 0; }

int str_has(const char *haystack, const char *needle) {
  return haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL;
}

int str_starts(const char *text, const char *prefix) {
  return text != NULL && prefix != NULL && strncmp(text, prefix, strlen(prefix)) == 0;
}

const char *show(const char *s) { return s == NULL ? "(null)" : s; }

uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sleep_ms(unsigned ms) {
  struct timespec ts;
  ts.tv_sec = (time_t)(ms / 1000u);
  ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
  while (nanosleep(&ts, &ts) != 0) {
  }
}
