/* Internals shared by the validate_*.c files: the checking context, the
 * diagnostics it collects and the JSON pointer of the value being checked.
 * Not a public interface: callers use engine/validate.h. */
#ifndef SD_ENGINE_VALIDATE_IMPL_H
#define SD_ENGINE_VALIDATE_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "engine/alloc.h"

struct sd_err;
struct sd_validate_opts;
struct vd_scope;

/* AWS returns at most 100 diagnostics and sets `truncated` past that
 * (ValidateStateMachineDefinitionMaxResult in the API model). */
#define VD_MAX_DIAGNOSTICS 100
/* Machines inside states inside machines, and Choice rules inside rules:
 * recursion is bounded so that a hostile definition cannot exhaust the stack
 * (AWS answers TOO_DEEPLY_NESTED). Payload templates get a larger budget. */
#define VD_MAX_NESTING 64
#define VD_MAX_TEMPLATE_DEPTH 512

enum vd_ql { VD_JSONPATH, VD_JSONATA };
enum vd_kind { VD_ROOT, VD_BRANCH, VD_PROCESSOR, VD_ITERATOR }; /* what a (sub-)machine is */
enum vd_severity { VD_ERROR, VD_WARNING };

/* Diagnostic codes: AWS's (ValidateStateMachineDefinitionDiagnostic), plus
 * stepd's own warnings, which never make a definition invalid. */
#define VD_SCHEMA "SCHEMA_VALIDATION_FAILED"
#define VD_BAD_JSON "INVALID_JSON_DESCRIPTION"
#define VD_MISSING_TARGET "MISSING_TRANSITION_TARGET"
#define VD_MISSING_END "MISSING_END_STATE"
#define VD_DUP_NAME "DUPLICATE_STATE_NAME"
#define VD_BAD_NAME "INVALID_STATE_NAME"
#define VD_TOO_DEEP "TOO_DEEPLY_NESTED"
#define VD_NO_DOLLAR "NO_DOLLAR"
#define VD_NO_PATH "NO_PATH"
#define VD_PASS_STATIC "PASS_RESULT_IS_STATIC"
#define VD_NOT_SERVED "RESOURCE_NOT_SERVED"   /* stepd: AWS knows it, no connector serves it */
#define VD_RESOURCE_HINT "RESOURCE_HINT"      /* stepd: the Resource form AWS accepts */
#define VD_DUP_FIELD "DUPLICATE_FIELD"        /* stepd: a repeated key; the last one wins */
#define VD_NO_END_PATH "NO_PATH_TO_END_STATE" /* stepd: a state that can never finish */
#define VD_ERROR_NAME "UNKNOWN_ERROR_NAME"    /* stepd: "States.X" that no error carries */
#define VD_BAD_LABEL "INVALID_LABEL_NAME"
#define VD_DUP_LABEL "DUPLICATE_LABEL_NAME"

struct vd_ctx {
  const struct sd_validate_opts *opts; /* borrowed */
  bool express;                        /* --type EXPRESS */
  enum vd_ql top_ql;                   /* the machine's QueryLanguage; nested states inherit it */
  json_t *diags;                       /* array of diagnostics; owned */
  size_t nerrors;
  bool truncated;
  struct sd_buf ptr;          /* JSON pointer of the value being checked ("" = root) */
  json_t *names;              /* state name -> pointer of its first definition; owned */
  json_t *labels;             /* Map Label -> pointer of its first use; owned */
  struct vd_scope **scopes;   /* one per (sub-)machine, in walk order; owned */
  size_t nscopes, capscopes;
  int nest;                   /* current machine / rule nesting */
};

/* Diagnostics. `loc` NULL means none (AWS omits location for some). */
void vd_diag(struct vd_ctx *c, enum vd_severity sev, const char *code, const char *loc, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* SCHEMA_VALIDATION_FAILED at the current pointer / at current + "/field". */
void vd_err(struct vd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vd_err_at(struct vd_ctx *c, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void vd_warn_at(struct vd_ctx *c, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The JSON pointer being built. push returns a mark for pop. */
size_t vd_push(struct vd_ctx *c, const char *segment);
size_t vd_push_index(struct vd_ctx *c, size_t i);
void vd_pop(struct vd_ctx *c, size_t mark);
const char *vd_loc(struct vd_ctx *c); /* "/" for the root */
/* Appends `segment` to b escaped as RFC 6901 wants ("~" -> "~0", "/" -> "~1"). */
void vd_ptr_append(struct sd_buf *b, const char *segment);

/* validate.c: a (sub-)machine at the current pointer. */
void vd_machine(struct vd_ctx *c, json_t *m, enum vd_kind kind);

/* validate_state.c: one state at the current pointer, inside `scope`. */
void vd_state(struct vd_ctx *c, struct vd_scope *scope, size_t index, const char *name, json_t *st);

/* "The QueryLanguage is set to 'X', but field 'F' is only supported for the
 * 'Y' QueryLanguage", at the current pointer. */
void vd_wrong_lang(struct vd_ctx *c, const char *key, enum vd_ql ql);
/* Refuses the keys of `obj` not listed (NULL-terminated lists; NULL = none):
 * unknown ones as not supported, the other language's as wrong_lang. */
void vd_fields(struct vd_ctx *c, json_t *obj, const char *const *both, const char *const *path_only,
               const char *const *ata_only, enum vd_ql ql);

/* "Fields 'a' and 'b' are mutually exclusive" when `st` holds both. */
void vd_exclusive(struct vd_ctx *c, json_t *st, const char *a, const char *b);

/* validate_map.c: the fields of Parallel and Map states, and their machines. */
void vd_parallel(struct vd_ctx *c, json_t *st, enum vd_ql ql);
void vd_map(struct vd_ctx *c, json_t *st, enum vd_ql ql);

/* validate_choice.c: Choices and Default of a Choice state. */
void vd_choice(struct vd_ctx *c, struct vd_scope *scope, size_t index, json_t *st, enum vd_ql ql);

/* validate_resource.c: a Task's Resource (string, at current + "/Resource"). */
void vd_resource(struct vd_ctx *c, const char *res);
/* ItemReader / ResultWriter resources of a Distributed Map. */
void vd_io_resource(struct vd_ctx *c, const char *field, const char *res, bool writer);

/* validate_expr.c: values of fields, reported at current + "/field". */
#define VD_PATH_REF 0x1   /* a Reference Path (single node) */
#define VD_PATH_VARS 0x2  /* a "$var" variable reference is accepted */
#define VD_PATH_NULL 0x4  /* JSON null is accepted (discard) */
#define VD_PATH_INTRINSIC 0x8 /* an intrinsic function call is accepted */
bool vd_is_jsonata(const char *s);
void vd_path(struct vd_ctx *c, const char *field, json_t *v, unsigned flags);
void vd_template(struct vd_ctx *c, const char *field, json_t *v);
bool vd_int(struct vd_ctx *c, const char *field, json_t *v, long long min, long long max, bool jsonata);
bool vd_number(struct vd_ctx *c, const char *field, json_t *v, double min, double max, bool jsonata);
bool vd_string(struct vd_ctx *c, const char *field, json_t *v);
bool vd_bool(struct vd_ctx *c, const char *field, json_t *v);
bool vd_object(struct vd_ctx *c, const char *field, json_t *v);
void vd_enum(struct vd_ctx *c, const char *field, json_t *v, const char *const *values);
void vd_timestamp(struct vd_ctx *c, const char *field, json_t *v);

/* validate_graph.c: transitions of one (sub-)machine, checked after the
 * schema pass (AWS reports them only for a definition that is otherwise
 * well-formed). */
struct vd_scope *vd_scope_new(struct vd_ctx *c, json_t *states, const char *start);
void vd_scope_terminal(struct vd_scope *s, size_t index);
/* A transition from state `index` to `target`, written at the current
 * pointer + "/field" (field may be NULL: the current pointer itself). */
void vd_scope_edge(struct vd_ctx *c, struct vd_scope *s, size_t index, const char *target, const char *field);
void vd_graph_check(struct vd_ctx *c);
void vd_scopes_free(struct vd_ctx *c);

/* validate_json.c: parses text (any JSON value) with AWS-style syntax errors
 * (cause "... at line L, column C", where "L:C"); new reference or NULL. */
json_t *vd_parse(const char *text, size_t len, struct sd_err *err);
/* Duplicate keys of definition text, as diagnostics. */
void vd_scan_duplicates(struct vd_ctx *c, const char *text, size_t len);

#endif
