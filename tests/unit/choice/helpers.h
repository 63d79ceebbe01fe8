/* Shared by the Choice tests: compile and evaluate one rule from JSON text. */
#ifndef SD_TESTS_CHOICE_HELPERS_H
#define SD_TESTS_CHOICE_HELPERS_H

#include <stdbool.h>

#include <jansson.h>

#include "engine/err.h"

/* What evaluating a rule gave. */
enum outcome { COMPILE_ERROR = -2, RUNTIME_ERROR = -1, NO_MATCH = 0, MATCH = 1 };

/* Compiles `rule` as a top-level Choice Rule at /States/C/Choices/0 and
 * evaluates it on `input` with `ctx` as the context object (NULL: none).
 * On an error, err holds it (the caller clears it). */
enum outcome rule_run(const char *rule, const char *input, const char *ctx, struct sd_err *err);

/* rule_run without the error details. */
enum outcome rule_eval(const char *rule, const char *input);

#endif
