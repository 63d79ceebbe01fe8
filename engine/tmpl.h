/* Payload templates: Parameters, ResultSelector, ItemSelector (and the legacy
 * Map Parameters). A template is JSON whose keys ending in ".$" hold a path
 * or an intrinsic call; it is compiled once into a tree mirroring the JSON.
 * Not for: JSONata's Arguments/Output (a later query language). */
#ifndef SD_ENGINE_TMPL_H
#define SD_ENGINE_TMPL_H

#include <jansson.h>

#include "engine/eval.h"

struct sd_err;
struct sd_tmpl;

/* Compiles `def` (borrowed; any JSON value). `where` is the JSON pointer of
 * the template in the definition, used in error messages. Returns NULL with
 * err (InvalidDefinition, where set) on a bad path or intrinsic. */
struct sd_tmpl *sd_tmpl_compile(json_t *def, const char *where, struct sd_err *err);
void sd_tmpl_free(struct sd_tmpl *t);

/* Evaluates on `input` (borrowed). Returns a new reference or NULL with err:
 * a path that finds nothing gives States.Runtime with AWS's cause
 *   "The JSONPath '$.x' specified for the field 'value.$' could not be found
 *    in the input '<input as compact JSON>'"
 * and the caller prefixes the state context. Intrinsic errors pass through. */
json_t *sd_tmpl_eval(const struct sd_tmpl *t, json_t *input, const struct sd_eval_env *env,
                     struct sd_err *err);
/* The same, building a root object in `spare` (stolen; may be NULL), an
 * empty object nothing else holds, instead of a new one: a state's old
 * input, cleared, saves the allocation of an object and its table. */
json_t *sd_tmpl_eval_into(const struct sd_tmpl *t, json_t *input, const struct sd_eval_env *env,
                          json_t *spare, struct sd_err *err);

#endif
