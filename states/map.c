/* Map (inline): runs the ItemProcessor once per item of ItemsPath as child
 * frames of the same execution, at most MaxConcurrency at a time (0 = all),
 * collecting the outputs in item order. Failures beyond the tolerated count
 * or percentage fail the state. */
#include "states/states.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/path.h"
#include "engine/tmpl.h"

struct map {
  struct sd_machine *proc;    /* ItemProcessor / Iterator; owned */
  struct sd_path *items_path; /* owned; NULL = "$" */
  struct sd_tmpl *selector;   /* ItemSelector / Parameters; owned or NULL */
  long max_conc;              /* 0 = unbounded */
  struct sd_path *max_conc_path;
  long tol_count; /* -1 = not set */
  struct sd_path *tol_count_path;
  double tol_pct; /* -1 = not set */
  struct sd_path *tol_pct_path;
};

struct map_rt {
  json_t *items;   /* owned */
  json_t *in;      /* the effective input, for ItemSelector; owned */
  json_t *results; /* owned */
  size_t n, next, running, finished, failed;
  size_t max_conc;
  long tol_count;
  double tol_pct;
  struct sd_frame **children; /* borrowed while running; NULL once reported */
  bool *handled;              /* restored: iterations ended or running before `next`'s holes; owned or NULL */
};

static int path_field(json_t *def, const char *name, struct sd_path **out, struct sd_err *err) {
  json_t *v = json_object_get(def, name);
  if (v == NULL)
    return 0;
  if (!json_is_string(v))
    return sd_err_set(err, SD_E_INVALID_DEFINITION, "%s must be a string", name);
  *out = sd_path_compile(json_string_value(v), SD_PATH_REF, err);
  return *out ? 0 : -1;
}

static int map_compile(struct sd_state *st, struct sd_compile *cc, struct sd_err *err) {
  struct map *m = sd_xcalloc(1, sizeof *m);
  st->priv = m;
  m->tol_count = -1;
  m->tol_pct = -1;
  const char *pf = json_object_get(st->def, "ItemProcessor") ? "ItemProcessor" : "Iterator";
  char *ptr = sd_asprintf("%s/%s", st->ptr, pf);
  m->proc = sd_asl_compile_sub(cc, json_object_get(st->def, pf), ptr, st->qlang, err);
  free(ptr);
  if (m->proc == NULL)
    return -1;
  json_t *sel = json_object_get(st->def, "ItemSelector");
  const char *sf = "ItemSelector";
  if (sel == NULL) {
    sel = json_object_get(st->def, "Parameters");
    sf = "Parameters";
  }
  if (sel != NULL) {
    ptr = sd_asprintf("%s/%s", st->ptr, sf);
    m->selector = sd_tmpl_compile(sel, ptr, err);
    free(ptr);
    if (m->selector == NULL)
      return -1;
  }
  json_t *v = json_object_get(st->def, "MaxConcurrency");
  if (json_is_integer(v))
    m->max_conc = (long)json_integer_value(v);
  v = json_object_get(st->def, "ToleratedFailureCount");
  if (json_is_integer(v))
    m->tol_count = (long)json_integer_value(v);
  v = json_object_get(st->def, "ToleratedFailurePercentage");
  if (json_is_number(v))
    m->tol_pct = json_number_value(v);
  if (path_field(st->def, "ItemsPath", &m->items_path, err) != 0 ||
      path_field(st->def, "MaxConcurrencyPath", &m->max_conc_path, err) != 0 ||
      path_field(st->def, "ToleratedFailureCountPath", &m->tol_count_path, err) != 0 ||
      path_field(st->def, "ToleratedFailurePercentagePath", &m->tol_pct_path, err) != 0)
    return -1;
  return 0;
}

static void map_free(struct sd_state *st) {
  struct map *m = st->priv;
  if (m->proc)
    sd_asl_free_sub(m->proc);
  sd_path_free(m->items_path);
  sd_tmpl_free(m->selector);
  sd_path_free(m->max_conc_path);
  sd_path_free(m->tol_count_path);
  sd_path_free(m->tol_pct_path);
  free(m);
}

static void rt_free(struct sd_frame *f) {
  struct map_rt *rt = f->rt;
  if (rt == NULL)
    return;
  for (size_t i = 0; i < rt->n; i++)
    if (rt->children[i] != NULL)
      sd_frame_child_cancel(rt->children[i]);
  free(rt->children);
  free(rt->handled);
  json_decref(rt->items);
  json_decref(rt->in);
  json_decref(rt->results);
  free(rt);
  f->rt = NULL;
}

/* Reads a *Path number field with AWS's messages. */
static int read_number(struct sd_frame *f, struct sd_path *p, json_t *in, const char *field, bool integer,
                       double *out, struct sd_err *err) {
  json_t *v = sd_path_get(p, in, sd_frame_env(f), err);
  if (v == NULL)
    return -1;
  int rc = 0;
  if (integer ? !json_is_integer(v) : !json_is_number(v)) {
    char *text =
        json_is_string(v) ? sd_xstrdup(json_string_value(v)) : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    rc = sd_err_set(err, SD_E_RUNTIME, "The %s field refers to value \"%s\" which is not a valid %s: %s",
                    field, text, integer ? "integer" : "float", sd_path_text(p));
    free(text);
  } else {
    *out = json_number_value(v);
  }
  json_decref(v);
  return rc;
}

static int read_settings(struct sd_frame *f, const struct map *m, json_t *in, struct map_rt *rt,
                         struct sd_err *err) {
  double v;
  rt->max_conc = m->max_conc > 0 ? (size_t)m->max_conc : 0;
  rt->tol_count = m->tol_count;
  rt->tol_pct = m->tol_pct;
  if (m->max_conc_path) {
    if (read_number(f, m->max_conc_path, in, "MaxConcurrencyPath", true, &v, err) != 0)
      return -1;
    if (v < 0)
      return sd_err_set(err, SD_E_RUNTIME, "MaxConcurrency cannot be negative.");
    rt->max_conc = (size_t)v;
  }
  if (m->tol_count_path) {
    if (read_number(f, m->tol_count_path, in, "ToleratedFailureCountPath", true, &v, err) != 0)
      return -1;
    rt->tol_count = (long)v;
  }
  if (m->tol_pct_path) {
    if (read_number(f, m->tol_pct_path, in, "ToleratedFailurePercentagePath", false, &v, err) != 0)
      return -1;
    rt->tol_pct = v;
  }
  if ((m->tol_count_path || m->tol_count >= 0) && rt->tol_count < 0)
    return sd_err_set(err, SD_E_RUNTIME, "ToleratedFailureCount cannot be negative.");
  if ((m->tol_pct_path || m->tol_pct >= 0) && (rt->tol_pct < 0 || rt->tol_pct > 100))
    return sd_err_set(err, SD_E_RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.");
  return 0;
}

/* Starts iterations while the concurrency cap allows. */
static int launch(struct sd_frame *f, struct sd_err *err) {
  const struct map *m = f->st->priv;
  struct map_rt *rt = f->rt;
  while (rt->next < rt->n && (rt->max_conc == 0 || rt->running < rt->max_conc)) {
    size_t i = rt->next++;
    if (rt->handled != NULL && rt->handled[i])
      continue;
    json_t *value = json_array_get(rt->items, i);
    json_t *item = json_pack("{s:I, s:O}", "Index", (json_int_t)i, "Value", value);
    json_t *input;
    if (m->selector != NULL) {
      json_t *ctx = json_copy(sd_frame_context(f));
      json_object_set_new(ctx, "Map", json_pack("{s:O}", "Item", item));
      struct sd_eval_env env = *sd_frame_env(f);
      env.ctx = ctx;
      input = sd_tmpl_eval(m->selector, rt->in, &env, err);
      json_decref(ctx);
      if (input == NULL) {
        json_decref(item);
        sd_frame_err_in_state(f, err);
        return -1;
      }
    } else {
      input = json_incref(value);
    }
    rt->running++;
    rt->children[i] = sd_frame_spawn(f, m->proc, input, item, (int)i);
  }
  return 0;
}

/* The Map's runtime from the frame's input: effective input, items and
 * settings. Records MapStateStarted unless the frame is being restored.
 * Returns -1 with err (in-state cause set). */
static int map_setup(struct sd_frame *f, struct sd_err *err) {
  const struct map *m = f->st->priv;
  json_t *in = sd_flow_input(f, err);
  if (in == NULL)
    return -1;
  json_t *items = m->items_path ? sd_path_get(m->items_path, in, sd_frame_env(f), err) : json_incref(in);
  if (items == NULL) {
    json_decref(in);
    sd_frame_err_in_state(f, err);
    return -1;
  }
  if (!json_is_array(items)) {
    char *text = json_dumps(items, JSON_COMPACT | JSON_ENCODE_ANY);
    sd_err_set(err, SD_E_RUNTIME, "Map state input must be an array but was: %s", text ? text : "");
    free(text);
    json_decref(items);
    json_decref(in);
    sd_frame_err_in_state(f, err);
    return -1;
  }
  struct map_rt *rt = sd_xcalloc(1, sizeof *rt);
  rt->items = items;
  rt->in = in;
  rt->n = json_array_size(items);
  rt->results = json_array();
  for (size_t i = 0; i < rt->n; i++)
    json_array_append_new(rt->results, json_null());
  rt->children = sd_xcalloc(rt->n ? rt->n : 1, sizeof *rt->children);
  f->rt = rt;
  if (!sd_frame_resuming(f))
    sd_frame_event(f, "MapStateStarted", "mapStateStartedEventDetails",
                   json_pack("{s:I}", "length", (json_int_t)rt->n));
  if (read_settings(f, m, in, rt, err) != 0) {
    rt_free(f);
    sd_frame_err_in_state(f, err);
    return -1;
  }
  return 0;
}

/* All iterations ended: the state's result. */
static enum sd_step map_succeed(struct sd_frame *f, struct sd_err *err) {
  struct map_rt *rt = f->rt;
  json_t *results = json_incref(rt->results);
  rt_free(f);
  sd_frame_event(f, "MapStateSucceeded", NULL, NULL);
  f->output = sd_flow_output(f, results, err);
  return f->output ? SD_STEP_NEXT : SD_STEP_FAIL;
}

static enum sd_step map_enter(struct sd_frame *f, struct sd_err *err) {
  if (map_setup(f, err) != 0)
    return SD_STEP_FAIL;
  struct map_rt *rt = f->rt;
  if (rt->n == 0)
    return map_succeed(f, err);
  if (launch(f, err) != 0) {
    rt_free(f);
    return SD_STEP_FAIL;
  }
  return SD_STEP_WAIT;
}

static bool over_tolerance(const struct map_rt *rt) {
  if (rt->tol_count < 0 && rt->tol_pct < 0)
    return rt->failed > 0;
  if (rt->tol_count >= 0 && (long)rt->failed <= rt->tol_count)
    return false;
  if (rt->tol_pct >= 0 && (double)rt->failed * 100.0 / (double)rt->n <= rt->tol_pct)
    return false;
  return true;
}

/* Records one iteration's end; FAIL (err set) when it breaks the
 * tolerance. */
static enum sd_step map_ended(struct sd_frame *f, size_t index, json_t *result, struct sd_err *ierr,
                              struct sd_err *err) {
  struct map_rt *rt = f->rt;
  rt->finished++;
  if (ierr->name != NULL) {
    rt->failed++;
    if (over_tolerance(rt)) {
      bool tolerance = rt->tol_count >= 0 || rt->tol_pct >= 0;
      if (tolerance)
        sd_err_set(err, SD_E_EXCEED_TOLERATED_FAILURE_THRESHOLD,
                   "The specified tolerated failure threshold was exceeded");
      else
        sd_err_move(err, ierr);
      rt_free(f);
      return SD_STEP_FAIL;
    }
    json_t *eo = json_object();
    json_object_set_new(eo, "Error", json_string(ierr->name));
    json_object_set_new(eo, "Cause", ierr->cause ? json_string(ierr->cause) : json_null());
    json_array_set_new(rt->results, index, eo);
  } else {
    json_array_set(rt->results, index, result);
  }
  return SD_STEP_WAIT;
}

/* Launches what the cap allows, or ends the state once all ended. */
static enum sd_step map_go_on(struct sd_frame *f, struct sd_err *err) {
  struct map_rt *rt = f->rt;
  if (rt->finished < rt->n) {
    if (launch(f, err) != 0) {
      rt_free(f);
      return SD_STEP_FAIL;
    }
    return SD_STEP_WAIT;
  }
  return map_succeed(f, err);
}

static enum sd_step map_resume(struct sd_frame *f, struct sd_wake *w, struct sd_err *err) {
  struct map_rt *rt = f->rt;
  if (w->kind != SD_WAKE_CHILD_DONE || rt == NULL)
    return SD_STEP_WAIT;
  rt->children[w->child_index] = NULL;
  rt->running--;
  if (map_ended(f, (size_t)w->child_index, w->result, &w->err, err) != SD_STEP_WAIT)
    return SD_STEP_FAIL;
  return map_go_on(f, err);
}

/* After a restart or a redrive: the items again from the recorded input,
 * the recorded ends in the order they came, the iterations in flight taken
 * back; every other iteration is launched as the concurrency cap allows
 * (after a crash those had not started; after a redrive the failed ones
 * run again). */
static enum sd_step map_restore(struct sd_frame *f, json_t *ended, const int *live, size_t nlive,
                                struct sd_err *err) {
  if (map_setup(f, err) != 0)
    return SD_STEP_FAIL;
  const struct map *m = f->st->priv;
  struct map_rt *rt = f->rt;
  rt->handled = sd_xcalloc(rt->n ? rt->n : 1, sizeof *rt->handled);
  size_t i;
  json_t *e;
  json_array_foreach(ended, i, e) {
    json_int_t idx = json_integer_value(json_array_get(e, 0));
    if (idx < 0 || (size_t)idx >= rt->n) {
      rt_free(f);
      sd_err_set(err, SD_E_RUNTIME,
                 "The execution could not be resumed after a restart: its Map iterations do not match its "
                 "items.");
      return SD_STEP_FAIL;
    }
    struct sd_err ierr = { 0 };
    const char *name = json_string_value(json_array_get(e, 2));
    if (json_array_size(e) >= 4 && name != NULL)
      sd_err_set_raw(&ierr, name, json_string_value(json_array_get(e, 3)));
    rt->handled[idx] = true;
    enum sd_step step = map_ended(f, (size_t)idx, json_array_get(e, 1), &ierr, err);
    sd_err_clear(&ierr);
    if (step != SD_STEP_WAIT)
      return step;
  }
  for (i = 0; i < nlive; i++) {
    size_t idx = (size_t)live[i];
    if (idx >= rt->n)
      continue;
    json_t *item = json_pack("{s:I, s:O}", "Index", (json_int_t)idx, "Value", json_array_get(rt->items, idx));
    rt->children[idx] = sd_frame_restore_child(f, m->proc, item, (int)idx, err);
    if (rt->children[idx] == NULL) {
      rt_free(f);
      return SD_STEP_FAIL;
    }
    rt->handled[idx] = true;
    rt->running++;
  }
  /* Launching goes on from the first iteration neither ended nor running:
   * after a crash those are the ones not started yet; after a redrive, the
   * failed ones too. */
  while (rt->next < rt->n && rt->handled[rt->next])
    rt->next++;
  return map_go_on(f, err);
}

static void map_cancel(struct sd_frame *f) {
  rt_free(f);
}

const struct sd_state_ops sd_state_map = {
  .type = "Map",
  .events = "Map",
  .has_exited = true,
  .has_io = true,
  .failed_event = "MapStateFailed",
  .compile = map_compile,
  .enter = map_enter,
  .resume = map_resume,
  .cancel = map_cancel,
  .free = map_free,
  .restore = map_restore,
};
