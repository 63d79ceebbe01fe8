/* Intrinsic functions (States.Format, States.Array, ... all 18), parsed once
 * into a small tree of calls whose arguments are literals, paths or nested
 * calls. Argument checks and their messages follow AWS. Not for: JSONata. */
#ifndef SD_ENGINE_INTRINSIC_H
#define SD_ENGINE_INTRINSIC_H

#include <stdbool.h>

#include <jansson.h>

#include "engine/eval.h"

struct sd_err;
struct sd_intrinsic;

/* True when `text` looks like an intrinsic call (starts with "States."). */
bool sd_intrinsic_is_call(const char *text);

/* Parses a call such as "States.Format('{} {}', $.a, States.UUID())".
 * Unknown functions, wrong argument counts known statically and syntax errors
 * fail with err->name "InvalidDefinition" and a cause with the position. */
struct sd_intrinsic *sd_intrinsic_compile(const char *text, struct sd_err *err);
void sd_intrinsic_free(struct sd_intrinsic *f);
const char *sd_intrinsic_text(const struct sd_intrinsic *f); /* borrowed */

/* Evaluates on `input` (borrowed); paths inside read input or env->ctx.
 * Returns a new reference, or NULL with err set: States.IntrinsicFailure
 * (or States.Runtime where AWS uses it) with AWS's cause. */
json_t *sd_intrinsic_eval(const struct sd_intrinsic *f, json_t *input, const struct sd_eval_env *env,
                          struct sd_err *err);

#endif
