/* Internals shared by the validate_*.c files: the checking context, the
 * diagnostics it collects and the JSON pointer of the value being checked.
 * Not a public interface: callers use engine/validate.h. */
#ifndef SD_ENGINE_VALIDATE_IMPL_H
#define SD_ENGINE_VALIDATE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "engine/alloc.h"

struct sd_err;
struct sd_validate_opts;
struct sd_vd_scope;
struct sd_vd_name;

/* AWS returns at most 100 diagnostics and sets `truncated` past that
 * (ValidateStateMachineDefinitionMaxResult in the API model). */
#define SD_VD_MAX_DIAGNOSTICS 100
/* Machines inside states inside machines, and Choice rules inside rules:
 * recursion is bounded so that a hostile definition cannot exhaust the stack
 * (AWS answers TOO_DEEPLY_NESTED). Payload templates get a larger budget. */
#define SD_VD_MAX_NESTING        64
#define SD_VD_MAX_TEMPLATE_DEPTH 512

enum sd_vd_ql { SD_VD_JSONPATH, SD_VD_JSONATA };
enum sd_vd_kind { SD_VD_ROOT, SD_VD_BRANCH, SD_VD_PROCESSOR, SD_VD_ITERATOR }; /* what a (sub-)machine is */
enum sd_vd_severity { SD_VD_ERROR, SD_VD_WARNING };

/* Diagnostic codes: AWS's (ValidateStateMachineDefinitionDiagnostic), plus
 * stepd's own warnings, which never make a definition invalid. */
#define SD_VD_SCHEMA         "SCHEMA_VALIDATION_FAILED"
#define SD_VD_BAD_JSON       "INVALID_JSON_DESCRIPTION"
#define SD_VD_MISSING_TARGET "MISSING_TRANSITION_TARGET"
#define SD_VD_MISSING_END    "MISSING_END_STATE"
#define SD_VD_DUP_NAME       "DUPLICATE_STATE_NAME"
#define SD_VD_BAD_NAME       "INVALID_STATE_NAME"
#define SD_VD_TOO_DEEP       "TOO_DEEPLY_NESTED"
#define SD_VD_NO_DOLLAR      "NO_DOLLAR"
#define SD_VD_NO_PATH        "NO_PATH"
#define SD_VD_PASS_STATIC    "PASS_RESULT_IS_STATIC"
#define SD_VD_NOT_SERVED     "RESOURCE_NOT_SERVED"  /* stepd: AWS knows it, no connector serves it */
#define SD_VD_RESOURCE_HINT  "RESOURCE_HINT"        /* stepd: the Resource form AWS accepts */
#define SD_VD_DUP_FIELD      "DUPLICATE_FIELD"      /* stepd: a repeated key; the last one wins */
#define SD_VD_NO_END_PATH    "NO_PATH_TO_END_STATE" /* stepd: a state that can never finish */
#define SD_VD_ERROR_NAME     "UNKNOWN_ERROR_NAME"   /* stepd: "States.X" that no error carries */
#define SD_VD_BAD_LABEL      "INVALID_LABEL_NAME"
#define SD_VD_DUP_LABEL      "DUPLICATE_LABEL_NAME"

struct sd_vd_ctx {
  const struct sd_validate_opts *opts; /* borrowed */
  bool express;                        /* --type EXPRESS */
  enum sd_vd_ql top_ql;                /* the machine's QueryLanguage; nested states inherit it */
  json_t *diags;                       /* array of diagnostics; owned */
  size_t nerrors;
  bool truncated;
  struct sd_buf ptr; /* JSON pointer of the value being checked ("" = root) */
  size_t state_len;  /* ptr.len at the state being checked ("/States/X") */
  /* Every state name seen so far, nested machines included, with its
   * machine and position: open addressing (validate_graph.c). */
  struct sd_vd_name *names;    /* in the order met; owned, the names borrowed */
  uint32_t *name_slots;        /* index in names + 1, 0 = empty; owned */
  size_t names_cap, nnames;    /* names_cap: slots, 0 or a power of two */
  json_t *labels;              /* Map Label -> pointer of its first use; owned */
  struct sd_vd_scope **scopes; /* one per (sub-)machine, in walk order; owned */
  size_t nscopes, capscopes;
  int nest; /* current machine / rule nesting */
};

/* json_object_foreach without the two json_object_key_to_iter calls it
 * makes per key: walking every key of a definition is most of what
 * validation does. `it` names the iterator (for json_object_iter_key_len);
 * it is scoped to the loop, as `key` and `v` are not. */
#define SD_VD_FOREACH(obj, it, key, v)                                                                       \
  for (void *it = json_object_iter(obj);                                                                     \
       it != NULL && ((key) = json_object_iter_key(it), (v) = json_object_iter_value(it), true);             \
       it = json_object_iter_next((obj), it))
/* The same over the keys alone. */
#define SD_VD_FOREACH_KEY(obj, it, key)                                                                      \
  for (void *it = json_object_iter(obj); it != NULL && ((key) = json_object_iter_key(it), true);             \
       it = json_object_iter_next((obj), it))

/* Whether a template key ends with ".$" (its value is evaluated). n: the
 * key's length, which Jansson keeps (json_object_iter_key_len): a strlen
 * per key cost more than the test. */
static inline bool sd_vd_key_is_dynamic(const char *key, size_t n) {
  return n >= 2 && key[n - 2] == '.' && key[n - 1] == '$';
}

/* Diagnostics. `loc` NULL means none (AWS omits location for some). */
void sd_vd_diag(struct sd_vd_ctx *c, enum sd_vd_severity sev, const char *code, const char *loc,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* SCHEMA_VALIDATION_FAILED at the current pointer / at current + "/field". */
void sd_vd_err(struct sd_vd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sd_vd_err_at(struct sd_vd_ctx *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sd_vd_warn_at(struct sd_vd_ctx *c, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The JSON pointer being built. push returns a mark for pop. */
size_t sd_vd_push(struct sd_vd_ctx *c, const char *segment);
size_t sd_vd_push_index(struct sd_vd_ctx *c, size_t i);
void sd_vd_pop(struct sd_vd_ctx *c, size_t mark);
const char *sd_vd_loc(struct sd_vd_ctx *c); /* "/" for the root */
/* Appends `segment` to b escaped as RFC 6901 wants ("~" -> "~0", "/" -> "~1"). */
void sd_vd_ptr_append(struct sd_buf *b, const char *segment);

/* validate.c: a (sub-)machine at the current pointer. */
void sd_vd_machine(struct sd_vd_ctx *c, json_t *m, enum sd_vd_kind kind);

/* validate_state.c: one state at the current pointer, inside `scope`. */
void sd_vd_state(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, json_t *st);

/* "The QueryLanguage is set to 'X', but field 'F' is only supported for the
 * 'Y' QueryLanguage", at the current pointer. */
void sd_vd_wrong_lang(struct sd_vd_ctx *c, const char *key, enum sd_vd_ql ql);
/* Refuses the keys of `obj` not listed (NULL-terminated lists; NULL = none):
 * unknown ones as not supported, the other language's as wrong_lang. */
void sd_vd_fields(struct sd_vd_ctx *c, json_t *obj, const char *const *both, const char *const *path_only,
                  const char *const *ata_only, enum sd_vd_ql ql);

/* "Fields 'a' and 'b' are mutually exclusive" when `st` holds both. */
void sd_vd_exclusive(struct sd_vd_ctx *c, json_t *st, const char *a, const char *b);

/* validate_map.c: the fields of Parallel and Map states, and their machines. */
void sd_vd_parallel(struct sd_vd_ctx *c, json_t *st, enum sd_vd_ql ql);
void sd_vd_map(struct sd_vd_ctx *c, json_t *st, enum sd_vd_ql ql);

/* validate_choice.c: Choices and Default of a Choice state. */
void sd_vd_choice(struct sd_vd_ctx *c, struct sd_vd_scope *scope, size_t index, json_t *st, enum sd_vd_ql ql);

/* validate_resource.c: a Task's Resource (string, at current + "/Resource"). */
void sd_vd_resource(struct sd_vd_ctx *c, const char *res);
/* ItemReader / ResultWriter resources of a Distributed Map. */
void sd_vd_io_resource(struct sd_vd_ctx *c, const char *field, const char *res, bool writer);

/* validate_expr.c: values of fields, reported at current + "/field". */
#define SD_VD_PATH_REF       0x1 /* a Reference Path (single node) */
#define SD_VD_PATH_VARS      0x2 /* a "$var" variable reference is accepted */
#define SD_VD_PATH_NULL      0x4 /* JSON null is accepted (discard) */
#define SD_VD_PATH_INTRINSIC 0x8 /* an intrinsic function call is accepted */
bool sd_vd_is_jsonata(const char *s);
void sd_vd_path(struct sd_vd_ctx *c, const char *field, json_t *v, unsigned flags);
void sd_vd_template(struct sd_vd_ctx *c, const char *field, json_t *v);
bool sd_vd_int(struct sd_vd_ctx *c, const char *field, json_t *v, long long min, long long max, bool jsonata);
bool sd_vd_number(struct sd_vd_ctx *c, const char *field, json_t *v, double min, double max, bool jsonata);
bool sd_vd_string(struct sd_vd_ctx *c, const char *field, json_t *v);
bool sd_vd_bool(struct sd_vd_ctx *c, const char *field, json_t *v);
bool sd_vd_object(struct sd_vd_ctx *c, const char *field, json_t *v);
void sd_vd_enum(struct sd_vd_ctx *c, const char *field, json_t *v, const char *const *values);
void sd_vd_timestamp(struct sd_vd_ctx *c, const char *field, json_t *v);

/* validate_graph.c: transitions of one (sub-)machine, checked after the
 * schema pass (AWS reports them only for a definition that is otherwise
 * well-formed). */
/* A machine of n states. `start`, every state's name and every edge's
 * `target` are borrowed: they must outlive the scope (the definition being
 * validated does). */
struct sd_vd_scope *sd_vd_scope_new(struct sd_vd_ctx *c, size_t n, const char *start);
/* Names state `index` of the scope; false when another state of the
 * definition, in any machine, has that name already. */
bool sd_vd_scope_add(struct sd_vd_ctx *c, struct sd_vd_scope *s, size_t index, const char *name);
void sd_vd_scope_terminal(struct sd_vd_scope *s, size_t index);
/* A transition from state `index` to `target`, written at the current
 * pointer + "/field" (field may be NULL: the current pointer itself), at or
 * below the state's own pointer. `field` must be a static string. */
void sd_vd_scope_edge(struct sd_vd_ctx *c, struct sd_vd_scope *s, size_t index, const char *target,
                      const char *field);
void sd_vd_graph_check(struct sd_vd_ctx *c);
void sd_vd_scopes_free(struct sd_vd_ctx *c);

/* validate_json.c: parses text (any JSON value) with AWS-style syntax errors
 * (cause "... at line L, column C", where "L:C"); new reference or NULL.
 * *dups tells whether the text has duplicate keys (then scan it). */
json_t *sd_vd_parse(const char *text, size_t len, bool *dups, struct sd_err *err);
/* Duplicate keys of definition text, as diagnostics. */
void sd_vd_scan_duplicates(struct sd_vd_ctx *c, const char *text, size_t len);

#endif
