/* Fail: fails its frame with Error and Cause, literal or read with
 * ErrorPath / CausePath (a Reference Path or an intrinsic function). */
#include "states/states.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/intrinsic.h"
#include "engine/path.h"

struct expr {
  char *literal;                  /* owned or NULL */
  struct sd_path *path;           /* owned or NULL */
  struct sd_intrinsic *intrinsic; /* owned or NULL */
  const char *field;              /* "ErrorPath" / "CausePath" */
};

struct fail {
  struct expr error;
  struct expr cause;
};

static int compile_expr(json_t *def, const char *lit, const char *pathf, struct expr *e, struct sd_err *err) {
  json_t *l = json_object_get(def, lit), *p = json_object_get(def, pathf);
  e->field = pathf;
  if (json_is_string(l))
    e->literal = sd_xstrdup(json_string_value(l));
  if (p == NULL)
    return 0;
  if (!json_is_string(p))
    return sd_err_set(err, SD_E_INVALID_DEFINITION, "%s must be a string", pathf);
  const char *text = json_string_value(p);
  if (sd_intrinsic_is_call(text)) {
    e->intrinsic = sd_intrinsic_compile(text, err);
    return e->intrinsic ? 0 : -1;
  }
  e->path = sd_path_compile(text, SD_PATH_REF, err);
  return e->path ? 0 : -1;
}

static void free_expr(struct expr *e) {
  free(e->literal);
  sd_path_free(e->path);
  sd_intrinsic_free(e->intrinsic);
}

static void fail_free(struct sd_state *st) {
  struct fail *fl = st->priv;
  free_expr(&fl->error);
  free_expr(&fl->cause);
  free(fl);
}

static int fail_compile(struct sd_state *st, struct sd_compile *cc, struct sd_err *err) {
  struct fail *fl = sd_xcalloc(1, sizeof *fl);
  st->priv = fl;
  if (compile_expr(st->def, "Error", "ErrorPath", &fl->error, err) != 0 ||
      compile_expr(st->def, "Cause", "CausePath", &fl->cause, err) != 0)
    return -1;
  return 0;
}

/* Evaluates one of the two fields: a new string, NULL when absent, or -1. */
static int eval_expr(struct sd_frame *f, const struct expr *e, char **out, struct sd_err *err) {
  *out = NULL;
  if (e->literal != NULL) {
    *out = sd_xstrdup(e->literal);
    return 0;
  }
  json_t *v = NULL;
  if (e->intrinsic != NULL) {
    v = sd_intrinsic_eval(e->intrinsic, f->input, sd_frame_env(f), err);
  } else if (e->path != NULL) {
    v = sd_path_get(e->path, f->input, sd_frame_env(f), err);
    if (v == NULL) {
      char *in = json_dumps(f->input, JSON_COMPACT | JSON_ENCODE_ANY);
      sd_err_set(err, SD_E_RUNTIME,
                 "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'",
                 sd_path_text(e->path), e->field, in ? in : "");
      free(in);
    }
  } else {
    return 0;
  }
  if (v == NULL) {
    sd_frame_err_in_state(f, err);
    return -1;
  }
  *out = json_is_string(v) ? sd_xstrdup(json_string_value(v)) : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(v);
  return 0;
}

static enum sd_step fail_enter(struct sd_frame *f, struct sd_err *err) {
  const struct fail *fl = f->st->priv;
  char *error, *cause;
  if (eval_expr(f, &fl->error, &error, err) != 0)
    return SD_STEP_FAIL;
  if (eval_expr(f, &fl->cause, &cause, err) != 0) {
    free(error);
    return SD_STEP_FAIL;
  }
  /* An empty name marks "no Error given": ExecutionFailed then has none. */
  sd_err_set_raw(err, error ? error : "", cause);
  free(error);
  free(cause);
  return SD_STEP_FAIL;
}

const struct sd_state_ops sd_state_fail = {
  .type = "Fail",
  .events = "Fail",
  .has_exited = false,
  .has_io = false,
  .compile = fail_compile,
  .enter = fail_enter,
  .free = fail_free,
};
