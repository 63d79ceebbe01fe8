/* TestState: one state run on a stand-alone frame. The state is compiled as
 * a machine would be (a lone state is wrapped into one, its transition
 * targets stubbed), then its data flow is applied step by step so each
 * intermediate value can be shown as AWS's inspectionData. Choice and Fail
 * run their own handlers on the frame; Task, Parallel and Map take the
 * request's mock as their result instead of calling anything. */
#include "engine/teststate.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec_int.h"
#include "engine/path.h"
#include "engine/tmpl.h"
#include "engine/validate.h"

/* The name a lone state gets in its wrapper; AWS's diagnostics for a lone
 * state are located under /States/StateName. */
#define LONE_NAME "StateName"

static void stub_target(json_t *states, json_t *name) {
  if (json_is_string(name) && json_object_get(states, json_string_value(name)) == NULL)
    json_object_set_new(states, json_string_value(name), json_pack("{s:s}", "Type", "Succeed"));
}

/* Wraps a lone state into a machine (new); each state it may go to becomes a
 * Succeed so Next, Default and Catch resolve. */
static json_t *wrap_state(json_t *def) {
  json_t *states = json_object();
  json_object_set(states, LONE_NAME, def);
  stub_target(states, json_object_get(def, "Next"));
  stub_target(states, json_object_get(def, "Default"));
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(def, "Choices"), i, v) stub_target(states, json_object_get(v, "Next"));
  json_array_foreach(json_object_get(def, "Catch"), i, v) stub_target(states, json_object_get(v, "Next"));
  return json_pack("{s:s, s:o}", "StartAt", LONE_NAME, "States", states);
}

/* Validates and compiles; NULL with err on a definition AWS refuses. */
static struct sd_machine *compile(struct sd_engine *eng, json_t *mdef, struct sd_err *err) {
  json_t *res = sd_validate(mdef, &(struct sd_validate_opts){ .type = "STANDARD" }); /* new */
  char *msg = sd_validate_message(res);
  json_decref(res);
  if (msg != NULL) {
    sd_err_set_raw(err, "InvalidDefinition", msg);
    free(msg);
    return NULL;
  }
  struct sd_err cerr = { 0 };
  struct sd_machine *m = sd_asl_compile(sd_engine_ops(eng), mdef, &cerr);
  if (m == NULL)
    sd_err_set(err, "InvalidDefinition", "Invalid State Machine Definition: '%s'",
               cerr.cause ? cerr.cause : "cannot compile");
  sd_err_clear(&cerr);
  return m;
}

/* A context object like the one an execution would have (new). */
static json_t *default_context(struct sd_engine *eng, const struct sd_state *st, json_t *input) {
  char *id = sd_asprintf("arn:aws:states:us-east-1:123456789012:execution:TestStateMachine:test-state");
  json_t *ctx = json_pack(
      "{s:{s:s, s:O, s:s, s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}}", "Execution", "Id", id, "Input", input,
      "Name", "test-state", "RoleArn", "arn:aws:iam::123456789012:role/TestStateRole", "StartTime",
      "1970-01-01T00:00:00.000Z", "State", "EnteredTime", "1970-01-01T00:00:00.000Z", "Name", st->name,
      "StateMachine", "Id", "arn:aws:states:us-east-1:123456789012:stateMachine:TestStateMachine", "Name",
      "TestStateMachine");
  (void)eng;
  free(id);
  return ctx;
}

struct run {
  struct sd_frame *f;
  json_t *insp; /* inspectionData; owned; NULL at INFO */
  json_t *out;  /* the answer; owned */
};

static void inspect(struct run *r, const char *key, json_t *v) {
  if (r->insp != NULL && v != NULL)
    json_object_set(r->insp, key, v);
}

static void set_next(struct run *r, int next) {
  if (next >= 0)
    json_object_set_new(r->out, "nextState", json_string(r->f->machine->states[next].name));
}

/* InputPath on the raw input (new), or NULL with err. */
static json_t *after_input_path(struct run *r, struct sd_err *err) {
  const struct sd_state *st = r->f->st;
  if (st->input_path_null)
    return json_object();
  if (st->input_path == NULL)
    return json_incref(r->f->input);
  return sd_path_get(st->input_path, r->f->input, sd_frame_env(r->f), err);
}

/* ResultSelector, ResultPath, OutputPath on `result` (stolen); sets output. */
static int finish(struct run *r, json_t *result, struct sd_err *err) {
  const struct sd_state *st = r->f->st;
  if (st->result_selector != NULL) {
    json_t *sel = sd_tmpl_eval(st->result_selector, result, sd_frame_env(r->f), err);
    json_decref(result);
    if (sel == NULL)
      return -1;
    result = sel;
  }
  inspect(r, "afterResultSelector", result);
  json_t *doc;
  if (st->result_path_null) {
    json_decref(result);
    doc = json_incref(r->f->input);
  } else if (st->result_path == NULL) {
    doc = result;
  } else {
    doc = sd_path_put(st->result_path, r->f->input, result, err);
    if (doc == NULL)
      return -1;
  }
  inspect(r, "afterResultPath", doc);
  json_t *o;
  if (st->output_path_null)
    o = json_object();
  else if (st->output_path == NULL)
    o = json_incref(doc);
  else
    o = sd_path_get(st->output_path, doc, sd_frame_env(r->f), err);
  json_decref(doc);
  if (o == NULL)
    return -1;
  json_object_set_new(r->out, "output", o);
  return 0;
}

/* InputPath and OutputPath on the same value: Succeed and Wait. */
static int run_passthrough(struct run *r, json_t *in, struct sd_err *err) {
  const struct sd_state *st = r->f->st;
  json_t *o;
  if (st->output_path_null)
    o = json_object();
  else if (st->output_path == NULL)
    o = json_incref(in);
  else
    o = sd_path_get(st->output_path, in, sd_frame_env(r->f), err);
  if (o == NULL)
    return -1;
  json_object_set_new(r->out, "output", o);
  return 0;
}

/* Runs the state's own handler (Choice, Fail): they neither wait nor call. */
static int run_handler(struct run *r, struct sd_err *err) {
  enum sd_step step = r->f->st->ops->enter(r->f, err);
  if (step != SD_STEP_NEXT && step != SD_STEP_SUCCEED)
    return -1;
  json_object_set(r->out, "output", r->f->output);
  set_next(r, r->f->next >= 0 ? r->f->next : r->f->st->next);
  return 0;
}

/* The effective input: Parameters applied to `in` (borrowed), shown as
 * afterParameters. A new reference, or NULL with err. */
static json_t *after_parameters(struct run *r, json_t *in, struct sd_err *err) {
  const struct sd_state *st = r->f->st;
  json_t *eff = st->parameters ? sd_tmpl_eval(st->parameters, in, sd_frame_env(r->f), err) : json_incref(in);
  if (eff != NULL)
    inspect(r, "afterParameters", eff);
  return eff;
}

/* Pass: effective input, its Result (or that input), then the output half of
 * the data flow. */
static int run_flow(struct run *r, json_t *in, struct sd_err *err) {
  const struct sd_state *st = r->f->st;
  json_t *eff = after_parameters(r, in, err); /* new */
  if (eff == NULL)
    return -1;
  json_t *fixed = json_object_get(st->def, "Result"); /* borrowed */
  json_t *result = fixed ? json_incref(fixed) : json_incref(eff);
  json_decref(eff);
  if (fixed != NULL)
    inspect(r, "result", result); /* AWS shows a raw result only when Result gives one */
  return finish(r, result, err);
}

/* A mocked Map still selects its items: AWS fails the test when ItemsPath
 * (applied to the input after InputPath, or to the context object for a
 * "$$" path) is not an array, before ItemSelector. The recorded case
 * (TestStateContextObject.test_state_map_context_object) names "$$" as
 * "$": a context path is reported as the path within the context object. */
static int check_items(struct run *r, json_t *in, struct sd_err *err) {
  json_t *text = json_object_get(r->f->st->def, "ItemsPath"); /* borrowed */
  if (text == NULL)
    return json_is_array(in) ? 0 : sd_err_set(err, SD_E_RUNTIME, "Reference path \"$\" must point to array.");
  struct sd_path *p = sd_path_compile(json_string_value(text), SD_PATH_REF, err);
  json_t *items = p ? sd_path_get(p, in, sd_frame_env(r->f), err) : NULL; /* new */
  int rc = items ? 0 : -1;
  if (items != NULL && !json_is_array(items)) {
    const char *shown = sd_path_text(p) + (sd_path_is_context(p) ? 1 : 0);
    rc = sd_err_set(err, SD_E_RUNTIME, "Reference path \"%s\" must point to array.", shown);
  }
  json_decref(items);
  sd_path_free(p);
  return rc;
}

/* Task / Parallel / Map: the mock stands for the call or the branches. */
static int run_mocked(struct run *r, json_t *in, const struct sd_ts_req *rq, struct sd_err *err) {
  const struct sd_state *st = r->f->st;
  if (strcmp(st->ops->type, "Map") == 0 && check_items(r, in, err) != 0)
    return -1;
  json_t *eff = after_parameters(r, in, err); /* new */
  if (eff == NULL)
    return -1;
  json_decref(eff);
  if (rq->mock_error != NULL) {
    const char *e = json_string_value(json_object_get(rq->mock_error, "error"));
    const char *c = json_string_value(json_object_get(rq->mock_error, "cause"));
    sd_err_set_raw(err, e ? e : "", c);
    return -1;
  }
  inspect(r, "result", rq->mock_result);
  return finish(r, json_incref(rq->mock_result), err);
}

/* Retry and Catch as TestState reports them: a retrier that would run gives
 * RETRIABLE, a catcher CAUGHT_ERROR with its output and next state. */
static void on_error(struct run *r, struct sd_err *e) {
  const struct sd_state *st = r->f->st;
  const char *name = e->name ? e->name : "";
  json_object_set_new(r->out, "error", json_string(name));
  if (e->cause != NULL)
    json_object_set_new(r->out, "cause", json_string(e->cause));
  for (size_t i = 0; i < st->nretriers; i++) {
    const struct sd_retrier *rt = &st->retriers[i];
    if (sd_asl_errors_match(rt->errors, rt->nerrors, name)) {
      if (rt->max_attempts > 0) {
        json_object_set_new(r->out, "status", json_string("RETRIABLE"));
        return;
      }
      break;
    }
  }
  for (size_t i = 0; i < st->ncatchers; i++) {
    const struct sd_catcher *c = &st->catchers[i];
    if (!sd_asl_errors_match(c->errors, c->nerrors, name))
      continue;
    json_t *info = json_pack("{s:s, s:s}", "Error", name, "Cause", e->cause ? e->cause : "");
    json_t *o;
    struct sd_err perr = { 0 };
    if (c->result_path_null) {
      json_decref(info);
      o = json_incref(r->f->input);
    } else if (c->result_path == NULL) {
      o = info;
    } else {
      o = sd_path_put(c->result_path, r->f->input, info, &perr);
    }
    if (o == NULL) {
      json_object_set_new(r->out, "error", json_string(perr.name));
      json_object_set_new(r->out, "cause", json_string(perr.cause ? perr.cause : ""));
      json_object_set_new(r->out, "status", json_string("FAILED"));
      sd_err_clear(&perr);
      return;
    }
    json_object_set_new(r->out, "output", o);
    json_object_set_new(r->out, "status", json_string("CAUGHT_ERROR"));
    set_next(r, c->next);
    return;
  }
  json_object_set_new(r->out, "status", json_string("FAILED"));
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* $$.Task exists only for a Task that waits for a token or a job; AWS
 * refuses a context that gives it elsewhere. */
static int check_context(const struct sd_state *st, const struct sd_ts_req *rq, struct sd_err *err) {
  if (rq->context == NULL || json_object_get(rq->context, "Task") == NULL)
    return 0;
  const char *res = json_string_value(json_object_get(st->def, "Resource")); /* borrowed */
  if (strcmp(st->ops->type, "Task") == 0 && res != NULL &&
      (ends_with(res, ".sync") || ends_with(res, ".sync:2") || ends_with(res, ".waitForTaskToken")))
    return 0;
  return sd_err_set(
      err, "ValidationException", "%s",
      "Invalid Context object provided: Context object contains 'Task' when state is not a Task "
      "state with a '.sync' or '.waitForTaskToken' service integration pattern");
}

/* Refuses mocks where AWS does, and asks for one where it must stand in. */
static int check_mock(const struct sd_state *st, const struct sd_ts_req *rq, struct sd_err *err) {
  const char *t = st->ops->type;
  bool mocked = rq->mock_result != NULL || rq->mock_error != NULL;
  bool needs = strcmp(t, "Parallel") == 0 || strcmp(t, "Map") == 0;
  if (mocked && !needs && strcmp(t, "Task") != 0)
    return sd_err_set(err, "ValidationException", "State type '%s' is not supported when a mock is specified",
                      t);
  if (needs && !mocked)
    return sd_err_set(err, "InvalidDefinition", "%s",
                      "TestState API does not support Map or Parallel states. Supported state types include: "
                      "[Task, Wait, Pass, Succeed, Fail, Choice]");
  if (strcmp(t, "Parallel") == 0 && rq->mock_result != NULL && !json_is_array(rq->mock_result))
    return sd_err_set(err, "ValidationException", "%s", "Mocked result must be an array.");
  /* stepd has no connector it could call synchronously from here. */
  if (strcmp(t, "Task") == 0 && !mocked)
    return sd_err_set(err, "ValidationException", "%s", "stepd's TestState needs a mock for a Task state");
  return 0;
}

static json_t *run_state(struct run *r, const struct sd_ts_req *rq) {
  const struct sd_state *st = r->f->st;
  const char *t = st->ops->type;
  struct sd_err e = { 0 };
  inspect(r, "input", r->f->input);
  int rc;
  json_t *in = after_input_path(r, &e);
  if (in == NULL) {
    rc = -1;
  } else {
    inspect(r, "afterInputPath", in);
    if (strcmp(t, "Choice") == 0 || strcmp(t, "Fail") == 0) {
      rc = run_handler(r, &e);
    } else if (strcmp(t, "Succeed") == 0 || strcmp(t, "Wait") == 0) {
      rc = run_passthrough(r, in, &e);
      if (rc == 0)
        set_next(r, st->next);
    } else if (strcmp(t, "Pass") == 0) {
      rc = run_flow(r, in, &e);
      if (rc == 0)
        set_next(r, st->next);
    } else {
      rc = run_mocked(r, in, rq, &e);
      if (rc == 0)
        set_next(r, st->next);
    }
    json_decref(in);
  }
  if (rc == 0)
    json_object_set_new(r->out, "status", json_string("SUCCEEDED"));
  else
    on_error(r, &e);
  sd_err_clear(&e);
  if (r->insp != NULL)
    json_object_set(r->out, "inspectionData", r->insp);
  return json_incref(r->out);
}

json_t *sd_teststate_run(struct sd_engine *eng, const struct sd_ts_req *rq, struct sd_err *err) {
  json_t *mdef = rq->state_name ? json_incref(rq->definition) : wrap_state(rq->definition); /* new */
  struct sd_machine *m = compile(eng, mdef, err);
  json_decref(mdef);
  if (m == NULL)
    return NULL;
  int idx = sd_asl_find(m, rq->state_name ? rq->state_name : LONE_NAME);
  if (idx < 0) {
    sd_asl_unref(m);
    sd_err_set(err, "ValidationException", "%s", "State not found in definition");
    return NULL;
  }
  const struct sd_state *st = &m->states[idx];
  if (st->qlang == SD_QL_JSONATA) {
    sd_asl_unref(m);
    sd_err_set(err, "ValidationException", "%s", "stepd's TestState does not run JSONata states yet");
    return NULL;
  }
  const char *res = json_string_value(json_object_get(st->def, "Resource")); /* borrowed */
  if (check_mock(st, rq, err) != 0 || check_context(st, rq, err) != 0 ||
      (rq->models_dir != NULL && rq->mock_result != NULL && res != NULL &&
       sd_teststate_mock_check(rq->models_dir, res, rq->mock_result, err) != 0)) {
    sd_asl_unref(m);
    return NULL;
  }
  /* A frame of no execution: handlers read only its state, input and
   * context (set up front, so nothing builds one from the execution). */
  struct sd_exec ex = { .eng = eng, .machine = m };
  struct sd_frame f = { .exec = &ex, .machine = m, .st = st, .next = -1 };
  f.input = json_incref(rq->input);
  f.ctx = rq->context ? json_incref(rq->context) : default_context(eng, st, rq->input);
  struct run r = { .f = &f, .out = json_object() };
  if (rq->level != SD_TS_INFO)
    r.insp = json_object();
  json_t *ans = run_state(&r, rq);
  json_decref(r.out);
  json_decref(r.insp);
  json_decref(f.input);
  json_decref(f.output);
  json_decref(f.ctx);
  free(f.task_token);
  free(f.io_text);
  json_decref(f.io_of);
  sd_asl_unref(m);
  return ans;
}
