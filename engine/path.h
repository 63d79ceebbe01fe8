/* JSONPath and Reference Paths, compiled once.
 *
 * AWS evaluates JSONPath with Jayway JsonPath: `$`, `.name`, `['name']`, `[n]`,
 * `[*]`, `..`, slices `[a:b]`, unions `[a,b]`, filters `[?(@.x > 1)]` and the
 * `length()` function. A Reference Path (InputPath, ResultPath, OutputPath,
 * Choice's Variable and the `...Path` fields) must identify a single node:
 * only `$`, `.name`, `['name']` and `[n]`. A path starting with `$$` reads the
 * context object instead of the input. Not for: intrinsic functions
 * (intrinsic.h) or payload templates (tmpl.h). */
#ifndef SD_ENGINE_PATH_H
#define SD_ENGINE_PATH_H

#include <stdbool.h>

#include <jansson.h>

#include "engine/eval.h"

struct sd_err;
struct sd_path;

/* Flags for sd_path_compile. */
#define SD_PATH_REF 0x1 /* must be a Reference Path */

/* Compiles `text`. On error returns NULL with err->name "InvalidDefinition"
 * and a cause naming the offending character ("... at position N"). */
struct sd_path *sd_path_compile(const char *text, unsigned flags, struct sd_err *err);
/* Drops one reference: a path interned in a span (intern.h) may be shared. */
void sd_path_free(struct sd_path *p);

const char *sd_path_text(const struct sd_path *p); /* as written; borrowed */
bool sd_path_is_context(const struct sd_path *p);  /* starts with "$$" */
bool sd_path_is_root(const struct sd_path *p);     /* exactly "$" (or "$$") */
bool sd_path_is_definite(const struct sd_path *p); /* yields at most one node */
/* Whether p is a reference path of one name ("$.x"); sets the name (not
 * NUL-terminated) and its length. */
bool sd_path_is_member(const struct sd_path *p, const char **name, size_t *len);

/* Evaluates p on `doc` (borrowed), or on env->ctx for a `$$` path.
 * Definite paths return the node; indefinite ones return an array of the
 * matches and never fail (AWS gives [] for `$.a[*]` on a missing `a`, as
 * the conformance corpus shows). A JSON null `doc` fails for every path
 * that reads it ("Unable to apply Path transformation to null or empty
 * input."). Returns a new reference, or NULL with err set to
 * States.Runtime and AWS's cause, e.g.
 *   "Invalid path '$.x' : No results for path: $['x']"
 *   "Invalid path '$.no.such' : Missing property in path $['no']"
 * (callers that report a different message, like payload templates, replace
 * the cause but can rely on the name). */
json_t *sd_path_get(const struct sd_path *p, json_t *doc, const struct sd_eval_env *env, struct sd_err *err);

/* ResultPath: returns a new document that is `input` (borrowed; not modified)
 * with `value` (stolen, also on failure) placed at p, creating missing
 * objects on the way. "$" returns `value` itself. A step that meets a
 * non-object (or an array index out of range) fails with
 * States.ResultPathMatchFailure and AWS's cause. */
json_t *sd_path_put(const struct sd_path *p, json_t *input, json_t *value, struct sd_err *err);

#endif
