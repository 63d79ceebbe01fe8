/* The scheduler (see exec.h). Work arrives as records in one run queue:
 * "enter the frame's state" or "deliver this wake". A frame that moves on
 * keeps running in the same turn (depth first, so a Map iteration of Pass
 * states finishes before the next one starts, as AWS's histories show),
 * within a budget per loop turn so that one execution cannot starve timers,
 * requests and other executions. */
#include "engine/exec_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/jsonw.h"
#include "engine/log.h"
#include "engine/path.h"
#include "engine/store.h"
#include "engine/timefmt.h"
#include "engine/writer.h"

/* Transitions per loop turn before the loop gets to poll. */
#define TURN_BUDGET 256
/* Rows that make ending a turn early worth a loop turn (see on_idle). */
#define EARLY_HANDOFF_ROWS 64
/* AWS: "Maximum execution history size: 25,000 events". */
#define HISTORY_LIMIT 25000

static void frame_run(struct sd_frame *f, int *budget);
static void io_cache_clear(struct sd_frame *f);
static void frame_act(struct sd_frame *f, enum sd_step step, struct sd_err *err, int *budget);
static void frame_finish(struct sd_frame *f, json_t *output, struct sd_err *err);
static int64_t frame_event(struct sd_frame *f, const char *type, const char *key, json_t *details);
static void exec_close(struct sd_exec *ex, enum sd_exec_status status, json_t *output, struct sd_err *err);

const char *sd_exec_status_name(enum sd_exec_status s) {
  switch (s) {
    case SD_EXEC_RUNNING:
      return "RUNNING";
    case SD_EXEC_SUCCEEDED:
      return "SUCCEEDED";
    case SD_EXEC_FAILED:
      return "FAILED";
    case SD_EXEC_TIMED_OUT:
      return "TIMED_OUT";
    case SD_EXEC_ABORTED:
      return "ABORTED";
  }
  return "UNKNOWN";
}

/* ---- run queue ---- */

struct sd_rec *sd_rec_new(struct sd_frame *f, enum rec_kind kind) {
  struct sd_rec *r = sd_xcalloc(1, sizeof *r);
  r->frame = f;
  r->kind = kind;
  r->epoch = f->epoch;
  sd_frame_ref(f);
  return r;
}

static void rec_free(struct sd_rec *r) {
  /* A finished child's owner reference travels with its CHILD_DONE wake. */
  if (r->wake.child != NULL)
    sd_frame_unref(r->wake.child);
  json_decref(r->wake.result);
  sd_err_clear(&r->wake.err);
  sd_frame_unref(r->frame);
  free(r);
}

static void on_idle(uv_idle_t *h);

void sd_rq_push(struct sd_engine *eng, struct sd_rec *r, bool front) {
  /* Once sd_engine_free began, nothing runs any more: work that still
   * arrives (a task answered from a barrier the closing writer releases)
   * is dropped; starting the closed idle handle again would call on_idle
   * on a freed engine (ASan, SIGTERM under load). */
  if (eng->closing) {
    rec_free(r);
    return;
  }
  if (eng->rq_head == NULL) {
    eng->rq_head = eng->rq_tail = r;
    r->next = NULL;
    uv_idle_start(&eng->idle, on_idle);
  } else if (front) {
    r->next = eng->rq_head;
    eng->rq_head = r;
  } else {
    r->next = NULL;
    eng->rq_tail->next = r;
    eng->rq_tail = r;
  }
}

static void on_idle(uv_idle_t *h) {
  struct sd_engine *eng = h->data;
  int budget = TURN_BUDGET;
  while (eng->rq_head != NULL && budget > 0) {
    struct sd_rec *r = eng->rq_head;
    eng->rq_head = r->next;
    if (eng->rq_head == NULL)
      eng->rq_tail = NULL;
    struct sd_frame *f = r->frame;
    if (r->kind == REC_WAKE && r->wake.kind == SD_WAKE_TIMER && r->wake.timer_tag == SD_TAG_EXEC_TIMEOUT) {
      /* A closed execution's root is done, and the execution itself may
       * be freed already (sd_exec_free from the done callback): test the
       * frame, which this record keeps alive, before the execution. */
      if (!f->done && f->exec->status == SD_EXEC_RUNNING) {
        struct sd_err err = { 0 };
        sd_err_set_raw(&err, SD_E_TIMEOUT, NULL);
        exec_close(f->exec, SD_EXEC_TIMED_OUT, NULL, &err);
        sd_err_clear(&err);
      }
    } else if (!f->done && r->epoch == f->epoch) {
      sd_resume_touch(f);
      if (r->kind == REC_ENTER) {
        frame_run(f, &budget);
      } else if (r->kind == REC_STEP) {
        budget--;
        frame_act(f, r->step, &r->wake.err, &budget);
        if (f->cont && !f->done)
          frame_run(f, &budget);
      } else if (r->wake.kind == SD_WAKE_TIMER && r->wake.timer_tag == SD_TAG_RETRY) {
        f->retrying = true;
        frame_run(f, &budget);
      } else {
        if (r->wake.kind == SD_WAKE_TASK_SUBMITTED) {
          /* A callback task's request went through: after a restart it
           * only waits on its token again (resume.c). */
          f->submitted = true;
          f->gen++;
        }
        struct sd_err err = { 0 };
        budget--;
        enum sd_step step = f->st->ops->resume ? f->st->ops->resume(f, &r->wake, &err) : SD_STEP_WAIT;
        frame_act(f, step, &err, &budget);
        sd_err_clear(&err);
        if (f->cont && !f->done)
          frame_run(f, &budget);
      }
    }
    rec_free(r);
    /* The history writer works beside the loop, one batch at a time, and
     * gets a batch only between turns: once it is idle with rows waiting,
     * ending the turn lets it start on them now, so that when the last
     * state closes only a short batch remains to be written (the process
     * waits for it). */
    if (eng->writer != NULL && sd_writer_idle_behind(eng->writer, EARLY_HANDOFF_ROWS))
      break;
  }
  if (eng->rq_head == NULL) {
    uv_idle_stop(&eng->idle);
    sd_clock_rearm(eng);
  }
}

/* ---- frames ---- */

void sd_frame_ref(struct sd_frame *f) {
  f->refs++;
}

void sd_frame_recycle(struct sd_frame *f, json_t *v) {
  /* Emptying keeps the object's table, sized for its members: only small
   * ones are kept, so a frame holds no large table for long. */
  if (f->spare == NULL && json_is_object(v) && v->refcount == 1 && json_object_size(v) <= 16) {
    json_object_clear(v);
    f->spare = v;
    return;
  }
  json_decref(v);
}

static void frame_clear_state(struct sd_frame *f) {
  /* Leaving the state keeps what its ResultPath set. */
  if (f->put_old != NULL)
    sd_frame_recycle(f, f->put_old);
  f->put_old = NULL;
  f->put_pending = false;
  sd_frame_timers_clear(f);
  sd_task_cancel_call(f);
  sd_resume_drop_rows(f);
  f->submitted = false;
  f->retry_armed = false;
  free(f->attempts);
  f->attempts = NULL;
  free(f->task_token);
  f->task_token = NULL;
  json_decref(f->ctx);
  f->ctx = NULL;
  f->retry_count = 0;
  f->next = -1;
  f->retrying = false;
}

void sd_frame_unref(struct sd_frame *f) {
  if (--f->refs > 0)
    return;
  frame_clear_state(f);
  io_cache_clear(f);
  if (f->io_memo != NULL) {
    sd_jsonw_memo_free(&f->io_memo[0]);
    sd_jsonw_memo_free(&f->io_memo[1]);
    free(f->io_memo);
  }
  json_decref(f->input);
  json_decref(f->output);
  json_decref(f->spare);
  json_decref(f->item);
  json_decref(f->resume_timers);
  if (f->ended != NULL) {
    sd_buf_free(f->ended);
    free(f->ended);
  }
  free(f->key);
  free(f);
}

static json_t *ctx_get(void *data) {
  struct sd_frame *f = data;
  if (f->ctx == NULL)
    f->ctx = sd_ctx_build(f);
  return f->ctx;
}

const struct sd_eval_env *sd_frame_env(struct sd_frame *f) {
  f->env.ctx = f->ctx;
  f->env.ctx_get = ctx_get;
  f->env.ctx_data = f;
  f->env.limits = f->exec->eng->limits;
  f->env.rng = &f->exec->eng->rng;
  return &f->env;
}

json_t *sd_frame_context(struct sd_frame *f) {
  return ctx_get(f);
}

struct sd_frame *sd_frame_new(struct sd_exec *ex, struct sd_frame *parent, const struct sd_machine *m,
                              json_t *input) {
  struct sd_frame *f = sd_xcalloc(1, sizeof *f);
  f->exec = ex;
  f->parent = parent;
  f->machine = m;
  f->st = &m->states[m->start];
  f->input = input;
  f->next = -1;
  f->refs = 1;
  f->prev_id = parent ? parent->prev_id : 0;
  f->gen = 1; /* not written yet */
  return f;
}

struct sd_frame *sd_frame_spawn(struct sd_frame *f, const struct sd_machine *m, json_t *input, json_t *item,
                                int index) {
  struct sd_frame *c = sd_frame_new(f->exec, f, m, input);
  c->item = item;
  c->child_index = index;
  c->map_iteration = item != NULL;
  c->owner_state = f->st;
  sd_resume_touch(c);
  sd_rq_push(f->exec->eng, sd_rec_new(c, REC_ENTER), false);
  return c;
}

void sd_frame_child_cancel(struct sd_frame *c) {
  if (c->done)
    return; /* its CHILD_DONE wake holds the reference now */
  /* A branch or iteration stopped in a waiting state is recorded as AWS
   * records it: <Type>StateAborted, then MapIterationAborted. */
  if (c->started) {
    if (c->st->ev_aborted != NULL)
      frame_event(c, c->st->ev_aborted, NULL, NULL);
    if (c->map_iteration) {
      json_t *d = json_pack("{s:s, s:i}", "name", c->owner_state->name, "index", (json_int_t)c->child_index);
      frame_event(c, "MapIterationAborted", "mapIterationAbortedEventDetails", d);
    }
  }
  c->done = true;
  c->epoch++;
  if (c->st->ops->cancel)
    c->st->ops->cancel(c);
  frame_clear_state(c);
  sd_frame_unref(c);
}

/* ---- history ---- */

/* Appends an event whose details are JSON text (or NULL) of `len` bytes
 * (0: unknown, measured by the store). */
static int64_t exec_event_text(struct sd_exec *ex, struct sd_frame *f, const char *type, const char *key,
                               const char *details, size_t len) {
  int64_t id = ++ex->last_id;
  /* One event stays free for the ExecutionFailed that reports the limit. */
  if (ex->eng->limits && id >= HISTORY_LIMIT - 1)
    ex->over_limit = true;
  int64_t prev = f ? f->prev_id : (id > 1 ? id - 1 : 0);
  if (f)
    f->prev_id = id;
  if (ex->eng->writer != NULL && !ex->no_history) {
    struct sd_store_event ev = {
      .exec_arn = ex->arn,
      .id = id,
      .prev_id = prev,
      .ts_ms = sd_engine_now(ex->eng),
      .type = type,
      .details_key = details ? key : NULL,
      .details = details,
      .details_len = len,
    };
    sd_writer_add_event(ex->eng->writer, &ev);
  }
  return id;
}

/* Same, with details as a JSON object (stolen; may be NULL). */
static int64_t exec_event(struct sd_exec *ex, struct sd_frame *f, const char *type, const char *key,
                          json_t *details) {
  size_t len = 0;
  char *text = details ? sd_jsonw_dumps(details, &len) : NULL;
  int64_t id = exec_event_text(ex, f, type, key, text, len);
  free(text);
  json_decref(details);
  return id;
}

/* Frames of a closed execution record nothing more. */
static int64_t frame_event(struct sd_frame *f, const char *type, const char *key, json_t *details) {
  if (f->exec->status != SD_EXEC_RUNNING) {
    json_decref(details);
    return 0;
  }
  return exec_event(f->exec, f, type, key, details);
}

int64_t sd_frame_event(struct sd_frame *f, const char *type, const char *details_key, json_t *details) {
  return frame_event(f, type, details_key, details);
}

/* The JSON text of v (borrowed) as a JSON string literal (quoted and
 * escaped), written in one pass: what an event shows of a state's input or
 * output. Containers `from` holds are copied from its text, and `into`
 * (may be NULL) records where this text holds each (jsonw.h). Returns a new
 * string; *len is its length. */
static char *io_literal(json_t *v, size_t *len, const struct sd_jsonw_memo *from,
                        struct sd_jsonw_memo *into) {
  /* Sized for most state data up front: growing from nothing cost five
   * reallocs per value (callgrind, pass-chain-1000). */
  struct sd_buf b = { .cap = 512 };
  b.data = sd_xmalloc(b.cap);
  b.data[0] = '"';
  b.data[1] = '\0';
  b.len = 1;
  sd_jsonw_value_memo(&b, v, true, from, into);
  sd_buf_putc(&b, '"');
  *len = b.len;
  return sd_buf_steal(&b);
}

/* The details of an event carrying a state's input or output:
 * {"name": ..., "<field>": "<JSON text>", "<field>Details": {"truncated": false}},
 * built as text in one pass into the engine's scratch buffer `b`, which
 * the batch copies (an allocation and a free an event were ~140
 * instructions, callgrind). `lit` is the value's io_literal. Returns b's
 * text. */
static const char *io_details_text(struct sd_buf *b, const char *name, const char *field, const char *lit,
                                   size_t len) {
  static const char tail[] = "Details\":{\"truncated\":false}}";
  size_t flen = strlen(field), nlen = name != NULL ? strlen(name) : 0;
  /* A size known up front: a name's escapes take at most 6 bytes a byte. */
  size_t need = 16 + 6 * nlen + 2 * flen + len + sizeof tail;
  if (b->cap < need) {
    b->cap = need < 1024 ? 1024 : need;
    free(b->data);
    b->data = sd_xmalloc(b->cap);
  }
  char *o = b->data;
  *o++ = '{';
  if (name != NULL) {
    memcpy(o, "\"name\":", 7);
    b->len = (size_t)(o + 7 - b->data);
    sd_jsonw_string(b, name, nlen); /* fits: no realloc */
    o = b->data + b->len;
    *o++ = ',';
  }
  *o++ = '"';
  memcpy(o, field, flen);
  o += flen;
  memcpy(o, "\":", 2);
  o += 2;
  memcpy(o, lit, len);
  o += len;
  memcpy(o, ",\"", 2);
  o += 2;
  memcpy(o, field, flen);
  o += flen;
  memcpy(o, tail, sizeof tail); /* with its NUL */
  b->len = (size_t)(o - b->data) + sizeof tail - 1;
  return b->data;
}

/* Records <Type>StateEntered / Exited for a value whose io_literal is
 * `lit`. Frames of a closed execution record nothing more. */
static int64_t frame_io_event(struct sd_frame *f, const char *type, const char *key, const char *name,
                              const char *field, const char *lit, size_t len) {
  if (f->exec->status != SD_EXEC_RUNNING)
    return 0;
  struct sd_engine *eng = f->exec->eng;
  const char *text = io_details_text(&eng->evtext, name, field, lit, len);
  return exec_event_text(f->exec, f, type, key, text, eng->evtext.len);
}

/* ---- stepping ---- */

/* The memo of the frame's io_text, and the one its next text is
 * recorded in: the two take turns (flipping an index rather than
 * swapping them, each a few hundred bytes). */
static inline struct sd_jsonw_memo *memo_cur(const struct sd_frame *f) {
  return &f->io_memo[f->io_flip];
}

static inline struct sd_jsonw_memo *memo_next(const struct sd_frame *f) {
  return &f->io_memo[!f->io_flip];
}

/* Forgets the text of the last state input or output (see io_write). */
static void io_cache_clear(struct sd_frame *f) {
  if (f->io_memo != NULL)
    sd_jsonw_memo_clear(memo_cur(f));
  free(f->io_text);
  f->io_text = NULL;
  json_decref(f->io_of);
  f->io_of = NULL;
}

void sd_frame_io_release(struct sd_frame *f, json_t *v) {
  if (f->io_of == v) {
    json_decref(f->io_of);
    f->io_of = NULL;
  }
  if (f->io_memo != NULL)
    sd_jsonw_memo_pop(memo_cur(f), v);
}

/* The memo a text of this frame can copy from: the frame's last text, or,
 * before it has one, its parent's (a branch's or an iteration's input is
 * the Parallel's input or one of the Map's items). NULL when neither. */
static const struct sd_jsonw_memo *io_from(const struct sd_frame *f) {
  if (f->io_text != NULL)
    return memo_cur(f);
  if (f->parent != NULL && f->parent->io_text != NULL)
    return memo_cur(f->parent);
  return NULL;
}

/* The io_literal of the state's output when it is its input with one
 * member set in place (dataflow.c): the input's text with that member's
 * value written anew, the rest copied (sd_jsonw_splice_memo). NULL when
 * that does not apply. */
static char *io_splice(struct sd_frame *f, json_t *v, size_t *len) {
  size_t index;
  json_t *member;
  if (f->io_text == NULL || v != f->input || !sd_flow_put_member(f, &index, &member))
    return NULL;
  struct sd_buf b = { .cap = f->io_len + 512 };
  b.data = sd_xmalloc(b.cap);
  b.data[0] = '"';
  b.data[1] = '\0';
  b.len = 1;
  if (!sd_jsonw_splice_memo(&b, v, index, member, memo_cur(f), f->io_len, memo_next(f))) {
    free(b.data);
    return NULL;
  }
  sd_buf_putc(&b, '"');
  *len = b.len;
  return sd_buf_steal(&b);
}

/* Writes v's io_literal as the frame's new io_text, copying what it can
 * from the last one (a state's output mostly holds its input's subtrees);
 * *len is its length. Returns the text, which the frame owns. */
static const char *io_write(struct sd_frame *f, json_t *v, size_t *len) {
  if (v == f->io_of && f->io_text != NULL) {
    *len = f->io_len;
    return f->io_text;
  }
  if (f->io_memo == NULL)
    f->io_memo = sd_xcalloc(2, sizeof *f->io_memo);
  char *text = io_splice(f, v, len);
  if (text == NULL)
    text = io_literal(v, len, io_from(f), memo_next(f));
  io_cache_clear(f);
  f->io_flip = !f->io_flip;
  memo_cur(f)->text = text;
  f->io_text = text;
  f->io_len = *len;
  f->io_of = json_incref(v);
  return text;
}

static void frame_enter_event(struct sd_frame *f) {
  size_t len;
  /* A state's input is, nearly always, the value the previous state just
   * exited with, whose literal is already written (io_write). The text
   * stays with the frame while the state runs: its output is written from
   * it. */
  const char *text = io_write(f, f->input, &len);
  f->entered_ms = sd_engine_now(f->exec->eng);
  f->entered_id =
      frame_io_event(f, f->st->ev_entered, "stateEnteredEventDetails", f->st->name, "input", text, len);
}

static void frame_start(struct sd_frame *f) {
  f->started = true;
  if (f->map_iteration) {
    json_t *d = json_pack("{s:s, s:i}", "name", f->owner_state->name, "index", (json_int_t)f->child_index);
    frame_event(f, "MapIterationStarted", "mapIterationStartedEventDetails", d);
  }
}

/* Runs the frame's current state and, while it moves on synchronously, the
 * states after it. */
static void frame_run(struct sd_frame *f, int *budget) {
  sd_frame_ref(f); /* it may finish and lose its owner on the way */
  do {
    f->cont = false;
    if (!f->started)
      frame_start(f);
    (*budget)--;
    f->epoch++;
    f->gen++;
    if (!f->retrying && !f->resuming)
      frame_enter_event(f);
    f->entered = true;
    f->retry_armed = false;
    if (f->st->nretriers > 0 && f->attempts == NULL)
      f->attempts = sd_xcalloc(f->st->nretriers, sizeof *f->attempts);
    struct sd_err err = { 0 };
    enum sd_step step = f->st->ops->enter(f, &err);
    f->retrying = false;
    f->resuming = false;
    frame_act(f, step, &err, budget);
    sd_err_clear(&err);
  } while (f->cont && !f->done);
  f->cont = false;
  sd_frame_unref(f);
}

/* Moves the frame to state `next` with `output` (stolen) as its input. The
 * frame runs it in the same turn while the budget lasts (frame_run loops on
 * `f->cont`, so a 10,000-state chain does not recurse), else later. */
static void frame_transition(struct sd_frame *f, json_t *output, int next, int *budget) {
  frame_clear_state(f);
  sd_frame_recycle(f, f->input);
  f->input = output;
  f->st = &f->machine->states[next];
  /* Until it is entered, the frame's row says "enter this state": a crash
   * now must not run the state just exited again. */
  f->entered = false;
  f->gen++;
  if (*budget > 0 && f->exec->status == SD_EXEC_RUNNING)
    f->cont = true;
  else
    sd_rq_push(f->exec->eng, sd_rec_new(f, REC_ENTER), false);
}

/* Records <Type>StateExited. A state whose output is larger than AWS's
 * 256 KiB limit fails with States.DataLimitExceeded instead, before it
 * exits (test_start_large_input); the size is measured on the text the
 * event needs anyway. Returns -1 with err set then. */
static size_t text_size(json_t *v) {
  size_t len;
  free(sd_jsonw_dumps(v, &len));
  return len;
}

static int frame_exited_checked(struct sd_frame *f, json_t *output, struct sd_err *err) {
  bool limits = f->exec->eng->limits;
  if (!f->st->ops->has_exited && !limits)
    return 0;
  size_t len;
  /* Kept for the next state's Entered event, which shows the same value. */
  const char *text = io_write(f, output, &len);
  /* The literal is never shorter than the text and its two quotes: only
   * a big one needs the text's own size. */
  if (limits && len - 2 > SD_PAYLOAD_LIMIT && text_size(output) > SD_PAYLOAD_LIMIT)
    return sd_err_set(
        err, SD_E_DATA_LIMIT_EXCEEDED,
        "The state/task '%s' returned a result with a size exceeding the maximum number of bytes "
        "service limit.",
        f->st->name);
  if (f->st->ops->has_exited)
    frame_io_event(f, f->st->ev_exited, "stateExitedEventDetails", f->st->name, "output", text, len);
  return 0;
}

static void frame_exited(struct sd_frame *f, json_t *output) {
  struct sd_err ignored = { 0 };
  bool limits = f->exec->eng->limits;
  f->exec->eng->limits = false;
  frame_exited_checked(f, output, &ignored);
  f->exec->eng->limits = limits;
}

/* Retry: returns true when a retry was armed. */
static bool try_retry(struct sd_frame *f, struct sd_err *err) {
  const struct sd_state *st = f->st;
  for (size_t i = 0; i < st->nretriers; i++) {
    const struct sd_retrier *r = &st->retriers[i];
    if (!sd_asl_errors_match(r->errors, r->nerrors, err->name))
      continue;
    /* Only the first matching retrier counts (ASL: "the first Retrier whose
     * ErrorEquals matches"); once it is exhausted, Catch takes over. */
    if (f->attempts[i] >= r->max_attempts)
      return false;
    double delay = r->interval * pow(r->backoff, f->attempts[i]);
    if (r->max_delay > 0 && delay > r->max_delay)
      delay = r->max_delay;
    if (r->jitter_full) {
      uint64_t *s = &f->exec->eng->rng;
      *s ^= *s << 13;
      *s ^= *s >> 7;
      *s ^= *s << 17;
      delay = delay * (double)(*s >> 11) / 9007199254740992.0;
    }
    f->attempts[i]++;
    f->retry_count++;
    json_decref(f->ctx); /* $$.State.RetryCount changed */
    f->ctx = NULL;
    f->epoch++;
    f->gen++;
    f->retry_armed = true;
    sd_resume_drop_rows(f); /* the failed attempt's children */
    sd_frame_timer(f, delay, SD_TAG_RETRY);
    return true;
  }
  return false;
}

static bool try_catch(struct sd_frame *f, struct sd_err *err, int *budget) {
  const struct sd_state *st = f->st;
  for (size_t i = 0; i < st->ncatchers; i++) {
    const struct sd_catcher *c = &st->catchers[i];
    if (!sd_asl_errors_match(c->errors, c->nerrors, err->name))
      continue;
    json_t *eo = json_object();
    /* A named error without a cause reads as "" in Catch output
     * (test_invoke_timeout); a failure with neither gives two nulls
     * (test_sqs_failure_in_wait_for_task_tok_no_error_field). */
    bool named = err->name[0] != '\0';
    json_object_set_new(eo, "Error", named ? json_string(err->name) : json_null());
    json_object_set_new(eo, "Cause",
                        err->cause ? json_string(err->cause)
                        : named    ? json_string("")
                                   : json_null());
    json_t *out;
    struct sd_err perr = { 0 };
    if (c->result_path_null) {
      json_decref(eo);
      out = json_incref(f->input);
    } else if (c->result_path == NULL) {
      out = eo;
    } else {
      out = sd_path_put(c->result_path, f->input, eo, &perr);
      if (out == NULL) {
        sd_frame_err_in_state(f, &perr);
        frame_finish(f, NULL, &perr);
        sd_err_clear(&perr);
        return true;
      }
    }
    frame_exited(f, out);
    frame_transition(f, out, c->next, budget);
    return true;
  }
  return false;
}

static void frame_act(struct sd_frame *f, enum sd_step step, struct sd_err *err, int *budget) {
  /* Only moving on keeps an output set in the input in place: Retry,
   * Catch and the redrive point read the state's input as it came. */
  if (step != SD_STEP_NEXT && step != SD_STEP_SUCCEED)
    sd_flow_undo(f);
  if (f->exec->over_limit && f->exec->status == SD_EXEC_RUNNING) {
    struct sd_err lim = { 0 };
    sd_err_set(&lim, SD_E_RUNTIME,
               "The execution reached the maximum number of history events (%d). Use --limits none to lift "
               "AWS's limits for local runs.",
               HISTORY_LIMIT);
    json_decref(f->output);
    f->output = NULL;
    exec_close(f->exec, SD_EXEC_FAILED, NULL, &lim);
    sd_err_clear(&lim);
    return;
  }
  if (f->resume_timers != NULL)
    sd_resume_timers(f, step);
  switch (step) {
    case SD_STEP_WAIT:
      /* Parked on a timer alone (a Wait, a back-off): the context objects
       * are cheap to build again and may sit here for hours. */
      if (f->timers != NULL && f->call == NULL) {
        sd_ctx_drop(f);
        io_cache_clear(f);
      }
      return; /* its row is written at the end of the turn (resume.c) */
    case SD_STEP_NEXT:
    case SD_STEP_SUCCEED: {
      json_t *out = f->output ? f->output : json_object();
      f->output = NULL;
      struct sd_err lim = { 0 };
      if (frame_exited_checked(f, out, &lim) != 0) {
        json_decref(out);
        frame_act(f, SD_STEP_FAIL, &lim, budget); /* which undoes an output set in place */
        sd_err_clear(&lim);
        return;
      }
      int next = f->next >= 0 ? f->next : f->st->next;
      if (step == SD_STEP_SUCCEED || next < 0)
        frame_finish(f, out, NULL);
      else
        frame_transition(f, out, next, budget);
      return;
    }
    case SD_STEP_FAIL:
      if (err->name == NULL)
        sd_err_set(err, SD_E_RUNTIME, "state '%s' failed without an error", f->st->name);
      /* Retry keeps the attempt counts; everything else of the state goes. */
      sd_frame_timers_clear(f);
      sd_task_cancel_call(f);
      f->submitted = false;
      if (f->st->nretriers > 0 && f->attempts != NULL && try_retry(f, err))
        return;
      if (f->st->ops->failed_event != NULL)
        frame_event(f, f->st->ops->failed_event, NULL, NULL);
      if (try_catch(f, err, budget))
        return;
      frame_finish(f, NULL, err);
      return;
    case SD_STEP_STOP:
      return;
  }
}

/* The frame ended: report to the parent, or close the execution. `output`
 * is stolen. */
static void frame_finish(struct sd_frame *f, json_t *output, struct sd_err *err) {
  if (f->parent == NULL && err != NULL && err->name != NULL && f->exec->status == SD_EXEC_RUNNING)
    sd_resume_keep(f); /* where a redrive starts again */
  f->done = true;
  f->epoch++;
  frame_clear_state(f);
  struct sd_frame *p = f->parent;
  if (p == NULL) {
    if (err != NULL && err->name != NULL)
      exec_close(f->exec, SD_EXEC_FAILED, NULL, err);
    else
      exec_close(f->exec, SD_EXEC_SUCCEEDED, output, NULL);
    return;
  }
  /* A branch or iteration that fails in a waiting state records
   * <Type>StateAborted before its parent hears of it
   * (test_sqs_failure_in_wait_for_task_tok_no_error_field: TaskFailed,
   * TaskStateAborted, ParallelStateFailed). */
  if (err != NULL && err->name != NULL && f->st->ev_aborted != NULL)
    frame_event(f, f->st->ev_aborted, NULL, NULL);
  if (f->map_iteration && f->exec->status == SD_EXEC_RUNNING) {
    json_t *d = json_pack("{s:s, s:i}", "name", f->owner_state->name, "index", (json_int_t)f->child_index);
    frame_event(f, err && err->name ? "MapIterationFailed" : "MapIterationSucceeded",
                err && err->name ? "mapIterationFailedEventDetails" : "mapIterationSucceededEventDetails", d);
  }
  p->prev_id = f->prev_id;
  sd_resume_child_ended(p, f->child_index, output, f->io_of == output ? f->io_text : NULL, err);
  struct sd_rec *r = sd_rec_new(p, REC_WAKE);
  r->wake.kind = SD_WAKE_CHILD_DONE;
  r->wake.child = f;
  r->wake.child_index = f->child_index;
  r->wake.result = output;
  if (err != NULL)
    sd_err_move(&r->wake.err, err);
  /* The parent continues right away: depth first. */
  sd_rq_push(f->exec->eng, r, true);
}

void sd_frame_err_in_state(struct sd_frame *f, struct sd_err *err) {
  if (err == NULL || err->name == NULL)
    return;
  char *old = err->cause;
  err->cause = NULL;
  sd_err_set_cause(err,
                   "An error occurred while executing the state '%s' (entered at the event id #%lld). %s",
                   f->st->name, (long long)f->entered_id, old ? old : "");
  free(old);
}

/* ---- executions ---- */

void sd_exec_row(struct sd_exec *ex) {
  if (ex->eng->writer == NULL)
    return;
  char *out = ex->output ? sd_jsonw_dumps(ex->output, NULL) : NULL;
  struct sd_store_exec row = {
    .arn = ex->arn,
    .name = ex->name,
    .machine_arn = ex->machine_arn,
    .status = sd_exec_status_name(ex->status),
    .input = ex->input_text,
    .output = out,
    .error = ex->err.name,
    .cause = ex->err.cause,
    .start_ms = ex->start_ms,
    .stop_ms = ex->status == SD_EXEC_RUNNING ? 0 : sd_engine_now(ex->eng),
    .frame = ex->status == SD_EXEC_RUNNING ? NULL : ex->redrive_point,
    .redrive_count = ex->redrive_count,
    .redrive_ms = ex->redrive_ms,
  };
  ex->stop_ms = row.stop_ms;
  if (ex->eng->row_fn != NULL)
    ex->eng->row_fn(ex, &row, ex->eng->row_data);
  sd_writer_put_exec(ex->eng->writer, &row);
  free(out);
}

static void exec_done_cb(void *data, int status) {
  struct sd_exec *ex = data;
  if (status != 0)
    sd_log(SD_LOG_ERROR, "execution %s: history could not be written", ex->arn);
  if (ex->done)
    ex->done(ex, ex->data);
}

static const char *close_event(enum sd_exec_status status, const char **key) {
  switch (status) {
    case SD_EXEC_SUCCEEDED:
      *key = "executionSucceededEventDetails";
      return "ExecutionSucceeded";
    case SD_EXEC_TIMED_OUT:
      *key = "executionTimedOutEventDetails";
      return "ExecutionTimedOut";
    case SD_EXEC_ABORTED:
      *key = "executionAbortedEventDetails";
      return "ExecutionAborted";
    default:
      *key = "executionFailedEventDetails";
      return "ExecutionFailed";
  }
}

static json_t *error_details(const struct sd_err *err) {
  json_t *d = json_object();
  if (err->name && err->name[0])
    json_object_set_new(d, "error", json_string(err->name));
  if (err->cause)
    json_object_set_new(d, "cause", json_string(err->cause));
  return d;
}

/* Closes the execution: records its last event and row, tears down what
 * still runs, and reports once the history is committed. `output` is
 * stolen. */
static void exec_close(struct sd_exec *ex, enum sd_exec_status status, json_t *output, struct sd_err *err) {
  if (ex->status != SD_EXEC_RUNNING) {
    json_decref(output);
    return;
  }
  /* An execution that did not succeed keeps where it stopped, for
   * RedriveExecution (resume.c). */
  if (status != SD_EXEC_SUCCEEDED && !ex->root->done)
    sd_resume_keep(ex->root);
  const char *key;
  const char *type = close_event(status, &key);
  struct sd_frame *at = ex->root->done ? NULL : ex->root;
  if (status == SD_EXEC_SUCCEEDED) {
    size_t len;
    /* The output is, nearly always, the root's last text. */
    char *text = io_literal(output, &len, ex->root->io_text != NULL ? memo_cur(ex->root) : NULL, NULL);
    const char *details = io_details_text(&ex->eng->evtext, NULL, "output", text, len);
    exec_event_text(ex, at, type, key, details, ex->eng->evtext.len);
    free(text);
    ex->output = output;
  } else {
    sd_err_set_raw(&ex->err, err->name, err->cause);
    exec_event(ex, at, type, key, error_details(&ex->err));
  }
  ex->status = status;
  if (ex->timeout != NULL) {
    sd_clock_remove(ex->eng, ex->timeout);
    ex->timeout = NULL;
  }
  struct sd_frame *root = ex->root;
  if (!root->done) {
    root->done = true;
    root->epoch++;
    if (root->st->ops->cancel)
      root->st->ops->cancel(root);
    frame_clear_state(root);
  }
  sd_exec_row(ex);
  if (ex->eng->writer != NULL)
    sd_writer_barrier(ex->eng->writer, exec_done_cb, ex);
  else
    exec_done_cb(ex, 0);
}

void sd_exec_stop(struct sd_exec *ex, const char *error, const char *cause) {
  struct sd_err err = { 0 };
  sd_err_set_raw(&err, error ? error : "", cause);
  exec_close(ex, SD_EXEC_ABORTED, NULL, &err);
  sd_err_clear(&err);
}

/* The execution's ARN, written at `out` (NULL: only measured). Returns
 * its length. */
static size_t exec_arn(char *out, size_t cap, struct sd_engine *eng, const char *type, const char *machine,
                       const char *name, const char *uuid) {
  int n = uuid != NULL ? snprintf(out, cap, "arn:aws:states:%s:%s:express:%s:%s:%s", eng->region,
                                  eng->account, machine, name, uuid)
                       : snprintf(out, cap, "arn:aws:states:%s:%s:execution:%s:%s", eng->region, eng->account,
                                  machine, name);
  return n > 0 ? (size_t)n : 0;
}

/* Copies `s` to *p and moves *p past its NUL; returns the copy. */
static const char *put_str(char **p, const char *s, size_t len) {
  char *at = *p;
  memcpy(at, s, len);
  at[len] = '\0';
  *p += len + 1;
  return at;
}

struct sd_exec *sd_exec_new(struct sd_engine *eng, const struct sd_exec_opts *o, char *text, size_t len,
                            int64_t start_ms) {
  const char *machine_name = o->machine_name ? o->machine_name : "StateMachine";
  const char *type = o->type ? o->type : "STANDARD";
  char *uuid = o->name ? NULL : sd_new_uuid7(&eng->rng, start_ms);
  const char *name = o->name ? o->name : uuid;
  /* EXPRESS ARNs end in a UUID of their own. */
  char *express_id = strcmp(type, "EXPRESS") == 0 ? sd_new_uuid(&eng->rng) : NULL;
  char *role = o->role_arn ? NULL
                           : sd_asprintf("arn:aws:iam::%s:role/service-role/StepFunctions-%s-role",
                                         eng->account, machine_name);
  const char *role_arn = o->role_arn ? o->role_arn : role;
  size_t arn_len = exec_arn(NULL, 0, eng, type, machine_name, name, express_id);
  size_t sm_len = (size_t)snprintf(NULL, 0, "arn:aws:states:%s:%s:stateMachine:%s", eng->region, eng->account,
                                   machine_name);
  size_t lens[] = { strlen(name), strlen(machine_name), strlen(role_arn), strlen(type) };
  struct sd_exec *ex =
      sd_xcalloc(1, sizeof *ex + arn_len + sm_len + lens[0] + lens[1] + lens[2] + lens[3] + 6);
  char *p = ex->strs;
  exec_arn(p, arn_len + 1, eng, type, machine_name, name, express_id);
  ex->arn = p;
  p += arn_len + 1;
  snprintf(p, sm_len + 1, "arn:aws:states:%s:%s:stateMachine:%s", eng->region, eng->account, machine_name);
  ex->machine_arn = p;
  p += sm_len + 1;
  ex->name = put_str(&p, name, lens[0]);
  ex->machine_name = put_str(&p, machine_name, lens[1]);
  ex->role_arn = put_str(&p, role_arn, lens[2]);
  ex->type = put_str(&p, type, lens[3]);
  free(uuid);
  free(express_id);
  free(role);

  ex->eng = eng;
  ex->machine = sd_asl_ref(o->machine);
  /* sd_jsonw_dumps leaves room to grow; a parked execution keeps the
   * text for its whole life, so it gets back what it does not use. */
  ex->input_text = sd_xrealloc(text, len + 1);
  ex->input_len = len;
  ex->start_ms = start_ms;
  ex->done = o->done;
  ex->data = o->data;
  ex->no_history = o->no_history;
  ex->tag = o->tag ? sd_xstrdup(o->tag) : NULL;
  ex->status = SD_EXEC_RUNNING;
  return ex;
}

struct sd_exec *sd_exec_start(struct sd_engine *eng, const struct sd_exec_opts *o, struct sd_err *err) {
  json_t *input = o->input ? json_incref(o->input) : json_object();
  size_t text_len;
  char *text = sd_jsonw_dumps(input, &text_len);
  if (eng->limits && text_len > SD_PAYLOAD_LIMIT) {
    free(text);
    json_decref(input);
    sd_err_set(err, SD_E_INVALID_INPUT, "the execution input exceeds the maximum size of %d bytes",
               SD_PAYLOAD_LIMIT);
    return NULL;
  }
  struct sd_exec *ex = sd_exec_new(eng, o, text, text_len, sd_engine_now(eng));

  sd_exec_row(ex);
  json_t *d = json_pack("{s:s, s:{s:b}, s:s}", "input", ex->input_text, "inputDetails", "truncated", 0,
                        "roleArn", ex->role_arn);
  exec_event(ex, NULL, "ExecutionStarted", "executionStartedEventDetails", d);

  ex->root = sd_frame_new(ex, NULL, ex->machine, input); /* input stolen */
  ex->root->prev_id = ex->last_id;
  sd_exec_arm_timeout(ex);
  /* No row until the root runs: a restart before that finds ExecutionStarted
   * alone and starts the execution afresh (resume.c). */
  sd_rq_push(eng, sd_rec_new(ex->root, REC_ENTER), false);
  return ex;
}

void sd_exec_arm_timeout(struct sd_exec *ex) {
  if (ex->machine->timeout_seconds > 0)
    ex->timeout = sd_clock_add(ex->eng, ex->start_ms + (int64_t)(ex->machine->timeout_seconds * 1000),
                               ex->root, SD_TAG_EXEC_TIMEOUT);
}

const char *sd_exec_tag(const struct sd_exec *ex) {
  return ex->tag;
}

void sd_exec_free(struct sd_exec *ex) {
  if (ex == NULL)
    return;
  if (ex->timeout != NULL)
    sd_clock_remove(ex->eng, ex->timeout);
  if (ex->root != NULL)
    sd_frame_unref(ex->root);
  sd_asl_unref(ex->machine);
  free(ex->tag);
  free(ex->redrive_point);
  free(ex->input_text);
  json_decref(ex->ctx_exec);
  json_decref(ex->ctx_sm);
  json_decref(ex->output);
  sd_err_clear(&ex->err);
  free(ex);
}

enum sd_exec_status sd_exec_status(const struct sd_exec *ex) {
  return ex->status;
}
const char *sd_exec_arn(const struct sd_exec *ex) {
  return ex->arn;
}
const char *sd_exec_name(const struct sd_exec *ex) {
  return ex->name;
}
int64_t sd_exec_start_ms(const struct sd_exec *ex) {
  return ex->start_ms;
}
int64_t sd_exec_stop_ms(const struct sd_exec *ex) {
  return ex->stop_ms;
}
const char *sd_exec_input_text(const struct sd_exec *ex) {
  return ex->input_text;
}
const char *sd_exec_machine_arn(const struct sd_exec *ex) {
  return ex->machine_arn;
}
json_t *sd_exec_output(const struct sd_exec *ex) {
  return ex->output;
}
const struct sd_err *sd_exec_error(const struct sd_exec *ex) {
  return &ex->err;
}
struct sd_engine *sd_exec_engine(const struct sd_exec *ex) {
  return ex->eng;
}

const char *sd_engine_region(const struct sd_engine *eng) {
  return eng->region;
}

/* ---- the engine ---- */

struct sd_engine *sd_engine_new(const struct sd_engine_opts *o) {
  struct sd_engine *eng = sd_xcalloc(1, sizeof *eng);
  eng->loop = o->loop;
  eng->ops = o->ops;
  eng->conns = o->connectors;
  eng->nconns = o->nconnectors;
  eng->store = o->store;
  eng->wait_scale = o->wait_scale;
  eng->limits = o->limits;
  eng->region = sd_xstrdup(o->region ? o->region : "us-east-1");
  eng->account = sd_xstrdup(o->account ? o->account : "123456789012");
  eng->rng = (uint64_t)uv_hrtime() ^ ((uint64_t)(uintptr_t)eng << 17) ^ 0x9E3779B97F4A7C15ull;
  if (eng->rng == 0)
    eng->rng = 1;
  uv_idle_init(eng->loop, &eng->idle);
  eng->idle.data = eng;
  sd_clock_init(eng);
  eng->epoch_base += o->clock_offset_ms;
  if (eng->store != NULL) {
    eng->writer = sd_writer_new(eng->loop, eng->store);
    sd_writer_set_flush(eng->writer, sd_resume_flush, eng);
  }
  return eng;
}

uv_loop_t *sd_engine_loop(struct sd_engine *eng) {
  return eng->loop;
}

const struct sd_state_ops *const *sd_engine_ops(struct sd_engine *eng) {
  return eng->ops;
}

void sd_engine_set_row_fn(struct sd_engine *eng, sd_exec_row_fn fn, void *data) {
  eng->row_fn = fn;
  eng->row_data = data;
}

void sd_engine_flush(struct sd_engine *eng, void (*cb)(void *data, int status), void *data) {
  if (eng->writer != NULL)
    sd_writer_barrier(eng->writer, cb, data);
  else
    cb(data, 0);
}

static void engine_closed(uv_handle_t *h) {
  struct sd_engine *eng = h->data;
  if (--eng->closing > 0)
    return;
  free(eng->heap);
  sd_buf_free(&eng->evtext);
  sd_task_tokens_free(eng);
  free(eng->region);
  free(eng->account);
  free(eng);
}

static void writer_closed(void *data, int status) {
  (void)status;
  struct sd_engine *eng = data;
  eng->writer = NULL;
  engine_closed((uv_handle_t *)&eng->idle);
}

/* Starts closing: the engine is freed from the loop once its handles are
 * closed and the writer has committed what it holds; run the loop after
 * this call. Executions must be freed before. */
void sd_engine_free(struct sd_engine *eng) {
  /* Frames still running keep their last rows: a server stopped with
   * executions in flight resumes them at its next start. */
  if (eng->writer != NULL)
    sd_resume_flush(eng);
  while (eng->rq_head != NULL) {
    struct sd_rec *r = eng->rq_head;
    eng->rq_head = r->next;
    rec_free(r);
  }
  eng->rq_tail = NULL;
  while (eng->nheap > 0)
    sd_clock_remove(eng, eng->heap[0]);
  eng->closing = 2 + (eng->writer != NULL);
  uv_close((uv_handle_t *)&eng->idle, engine_closed);
  uv_close((uv_handle_t *)&eng->timer, engine_closed);
  if (eng->writer != NULL)
    sd_writer_close(eng->writer, writer_closed, eng);
}
