/* Expectations of the C harness: a case fails when any CHECK in it fails; failures print where and why. */
#ifndef DKV_HARNESS_CHECK_H
#define DKV_HARNESS_CHECK_H

#include <stddef.h>
#include <stdint.h>

void check_begin_case(const char *name);
/* Failed CHECKs since the current case began. */
int check_case_failures(void);
void check_that(int ok, const char *expr, const char *file, int line, const char *fmt, ...);

/* The arguments after the condition are a printf format and its values, shown only on failure. */
#define CHECK(cond, ...) check_that((cond) ? 1 : 0, #cond, __FILE__, __LINE__, __VA_ARGS__)

/* NULL-safe string helpers so a missing string fails a CHECK instead of crashing the harness. */
int str_eq(const char *a, const char *b);
int str_has(const char *haystack, const char *needle);
int str_starts(const char *text, const char *prefix);
const char *show(const char *s);

uint64_t now_ms(void);
void sleep_ms(unsigned ms);

#endif
