/* Shared by the intrinsic tests: compile an expression and evaluate it on a
 * JSON text, as a payload template would. */
#ifndef SD_TESTS_INTRINSIC_HELPERS_H
#define SD_TESTS_INTRINSIC_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct sd_err;

/* Compiles `expr` and evaluates it on `input` (JSON text) with limits on.
 * Returns a new reference, or NULL with err set (compile or eval error). */
json_t *intr_run(const char *expr, const char *input, struct sd_err *err);

/* Same with a context object (JSON text or NULL), a limits switch and an
 * rng state (NULL: process-wide). */
json_t *intr_run_env(const char *expr, const char *input, const char *ctx, bool limits, uint64_t *rng,
                     struct sd_err *err);

/* Runs a call expected to fail at evaluation and returns its cause (owned
 * by a static buffer, "" on success); the name must be States.Runtime. */
const char *intr_fail(const char *expr, const char *input);

/* Compiles a call expected to be rejected; returns the cause ("" when it
 * compiled); the name must be InvalidDefinition. */
const char *intr_reject(const char *expr);

#endif
