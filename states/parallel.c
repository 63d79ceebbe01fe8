/* Parallel: runs each branch as a child frame of the same execution on the
 * same loop; the state's result is the array of branch outputs in branch
 * order. The first failing branch fails the state and stops the others. */
#include "states/states.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"

struct parallel {
  struct sd_machine **branches; /* owned */
  size_t n;
};

struct par_rt {
  json_t *results; /* owned: array of n, filled as branches end */
  size_t remaining;
  struct sd_frame **children; /* borrowed until each reports; NULL once it did */
};

static int parallel_compile(struct sd_state *st, struct sd_compile *cc, struct sd_err *err) {
  struct parallel *p = sd_xcalloc(1, sizeof *p);
  st->priv = p;
  json_t *br = json_object_get(st->def, "Branches");
  if (!json_is_array(br) || json_array_size(br) == 0)
    return sd_err_set(err, SD_E_INVALID_DEFINITION, "Branches must be a non-empty array");
  p->n = json_array_size(br);
  p->branches = sd_xcalloc(p->n, sizeof *p->branches);
  for (size_t i = 0; i < p->n; i++) {
    char *ptr = sd_asprintf("%s/Branches/%zu", st->ptr, i);
    p->branches[i] = sd_asl_compile_sub(cc, json_array_get(br, i), ptr, st->qlang, err);
    free(ptr);
    if (p->branches[i] == NULL)
      return -1;
  }
  return 0;
}

static void parallel_free(struct sd_state *st) {
  struct parallel *p = st->priv;
  for (size_t i = 0; i < p->n; i++)
    if (p->branches[i])
      sd_asl_free_sub(p->branches[i]);
  free(p->branches);
  free(p);
}

static void rt_free(struct sd_frame *f) {
  struct par_rt *rt = f->rt;
  if (rt == NULL)
    return;
  const struct parallel *p = f->st->priv;
  for (size_t i = 0; i < p->n; i++)
    if (rt->children[i] != NULL)
      sd_frame_child_cancel(rt->children[i]);
  free(rt->children);
  json_decref(rt->results);
  free(rt);
  f->rt = NULL;
}

static struct par_rt *rt_new(struct sd_frame *f) {
  const struct parallel *p = f->st->priv;
  struct par_rt *rt = sd_xcalloc(1, sizeof *rt);
  rt->results = json_array();
  for (size_t i = 0; i < p->n; i++)
    json_array_append_new(rt->results, json_null());
  rt->remaining = p->n;
  rt->children = sd_xcalloc(p->n, sizeof *rt->children);
  f->rt = rt;
  return rt;
}

static enum sd_step parallel_enter(struct sd_frame *f, struct sd_err *err) {
  const struct parallel *p = f->st->priv;
  json_t *in = sd_flow_input(f, err);
  if (in == NULL)
    return SD_STEP_FAIL;
  sd_frame_event(f, "ParallelStateStarted", NULL, NULL);
  struct par_rt *rt = rt_new(f);
  for (size_t i = 0; i < p->n; i++)
    rt->children[i] = sd_frame_spawn(f, p->branches[i], json_incref(in), NULL, (int)i);
  json_decref(in);
  return SD_STEP_WAIT;
}

/* All branches ended: the state's result. */
static enum sd_step parallel_succeed(struct sd_frame *f, struct sd_err *err) {
  struct par_rt *rt = f->rt;
  json_t *results = json_incref(rt->results);
  rt_free(f);
  sd_frame_event(f, "ParallelStateSucceeded", NULL, NULL);
  f->output = sd_flow_output(f, results, err);
  return f->output ? SD_STEP_NEXT : SD_STEP_FAIL;
}

static enum sd_step parallel_resume(struct sd_frame *f, struct sd_wake *w, struct sd_err *err) {
  struct par_rt *rt = f->rt;
  if (w->kind != SD_WAKE_CHILD_DONE || rt == NULL)
    return SD_STEP_WAIT;
  rt->children[w->child_index] = NULL;
  if (w->err.name != NULL) {
    sd_err_move(err, &w->err);
    rt_free(f); /* stops the other branches */
    return SD_STEP_FAIL;
  }
  json_array_set(rt->results, (size_t)w->child_index, w->result);
  if (--rt->remaining > 0)
    return SD_STEP_WAIT;
  return parallel_succeed(f, err);
}

/* After a restart: the branches' recorded ends, then the branches in
 * flight taken back, and those that had not started started again on the
 * state's effective input. A recorded failure fails the state as it
 * would have when its end was delivered. */
static enum sd_step parallel_restore(struct sd_frame *f, json_t *ended, const int *live, size_t nlive,
                                     struct sd_err *err) {
  const struct parallel *p = f->st->priv;
  struct par_rt *rt = rt_new(f);
  size_t i;
  json_t *e;
  json_array_foreach(ended, i, e) {
    json_int_t idx = json_integer_value(json_array_get(e, 0));
    const char *name = json_string_value(json_array_get(e, 2));
    if (idx < 0 || (size_t)idx >= p->n) {
      rt_free(f);
      sd_err_set(err, SD_E_RUNTIME,
                 "The execution could not be resumed after a restart: its Parallel branches changed.");
      return SD_STEP_FAIL;
    }
    if (json_array_size(e) >= 4 && name != NULL) {
      sd_err_set_raw(err, name, json_string_value(json_array_get(e, 3)));
      rt_free(f);
      return SD_STEP_FAIL;
    }
    json_array_set(rt->results, (size_t)idx, json_array_get(e, 1));
    rt->remaining--;
  }
  bool *ended_or_live = sd_xcalloc(p->n, sizeof *ended_or_live);
  json_array_foreach(ended, i, e) ended_or_live[json_integer_value(json_array_get(e, 0))] = true;
  for (i = 0; i < nlive; i++) {
    size_t idx = (size_t)live[i];
    if (idx >= p->n)
      continue;
    ended_or_live[idx] = true;
    rt->children[idx] = sd_frame_restore_child(f, p->branches[idx], NULL, (int)idx, err);
    if (rt->children[idx] == NULL) {
      free(ended_or_live);
      rt_free(f);
      return SD_STEP_FAIL;
    }
  }
  json_t *in = NULL; /* new; the branches' input, made once if needed */
  for (i = 0; i < p->n && rt->remaining > 0; i++) {
    if (ended_or_live[i])
      continue;
    if (in == NULL && (in = sd_flow_input(f, err)) == NULL) {
      free(ended_or_live);
      rt_free(f);
      return SD_STEP_FAIL;
    }
    rt->children[i] = sd_frame_spawn(f, p->branches[i], json_incref(in), NULL, (int)i);
  }
  json_decref(in);
  free(ended_or_live);
  return rt->remaining > 0 ? SD_STEP_WAIT : parallel_succeed(f, err);
}

static void parallel_cancel(struct sd_frame *f) {
  rt_free(f);
}

const struct sd_state_ops sd_state_parallel = {
  .type = "Parallel",
  .events = "Parallel",
  .has_exited = true,
  .has_io = true,
  .failed_event = "ParallelStateFailed",
  .compile = parallel_compile,
  .enter = parallel_enter,
  .resume = parallel_resume,
  .cancel = parallel_cancel,
  .free = parallel_free,
  .restore = parallel_restore,
};
