/* Static checks of a definition, with diagnostics shaped like AWS's
 * ValidateStateMachineDefinition. The same code answers `stepd validate`,
 * `stepd run` (which refuses an invalid definition), CreateStateMachine and
 * ValidateStateMachineDefinition. Not for: compiling (asl.h), which trusts a
 * validated definition but still never crashes on a bad one. */
#ifndef SD_ENGINE_VALIDATE_H
#define SD_ENGINE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct sd_err;

/* Answers whether some connector of this build serves `resource` (a Task's
 * Resource ARN). A resource AWS knows but none serves is a WARNING. */
typedef bool (*sd_validate_served_fn)(const char *resource, void *data);

struct sd_validate_opts {
  const char *type;             /* "STANDARD" (default when NULL) or "EXPRESS" */
  sd_validate_served_fn served; /* NULL: every known resource counts as served */
  void *served_data;
  /* The definition already compiled with sd_asl_compile, so every path,
   * template and intrinsic in it is known to parse: skip compiling them a
   * second and third time (`stepd run` compiles first; a 1,000-state
   * definition saved 20M instructions). */
  bool compiled;
};

/* Parses definition text. On a syntax error returns NULL with err
 * (InvalidDefinition) whose cause says what is wrong ("... at line 3, column
 * 7") and whose `where` is "line:column". Duplicate keys: a state name that
 * appears twice in one "States" object fails (AWS's DUPLICATE_STATE_NAME,
 * `where` = the JSON pointer); any other repeated key keeps its last value,
 * as AWS's parser does. A text that is not a JSON object fails too. Returns
 * a new reference. */
json_t *sd_validate_parse(const char *text, size_t len, struct sd_err *err);

/* Checks `def` (borrowed). Returns a new object
 *   {"result": "OK"|"FAIL", "truncated": false,
 *    "diagnostics": [{"severity": "ERROR"|"WARNING",
 *     "code": "SCHEMA_VALIDATION_FAILED"|..., "message": "...",
 *     "location": "/States/X/Next"}]}
 * "FAIL" when any diagnostic is an ERROR. At most 100 diagnostics are kept
 * ("truncated": true past that). WARNINGs include stepd's own codes
 * (RESOURCE_HINT, RESOURCE_NOT_SERVED, ...); the API's default severity
 * filter (ERROR) hides them. See docs/validation.md. */
json_t *sd_validate(json_t *def, const struct sd_validate_opts *opts);

/* Parses and checks definition text in one go, as ValidateStateMachineDefinition
 * and `stepd validate` do: a syntax error becomes an INVALID_JSON_DESCRIPTION
 * diagnostic located "line:column", a text that is not an object "Definition
 * must be a valid JSON object", and duplicate keys are reported. Same result
 * shape as sd_validate; new reference. */
json_t *sd_validate_text(const char *text, size_t len, const struct sd_validate_opts *opts);

/* The message CreateStateMachine puts in its InvalidDefinition error for a
 * result of sd_validate (borrowed): its ERRORs joined as AWS joins them,
 *   Invalid State Machine Definition: 'CODE: message at /location, CODE: ...'
 * ("at null" for a diagnostic without location). New string, caller frees;
 * NULL when the result has no ERROR. */
char *sd_validate_message(json_t *result);

#endif
