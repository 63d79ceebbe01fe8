/* Recovery: the rows that let `stepd serve` resume its executions after a
 * crash, and the restart that reads them back (docs/server.md, "Restarts";
 * docs/storage.md, table exec_frames).
 *
 * Every frame of a RUNNING execution has a row keyed by its place in the
 * tree ("" the root, "/3" its child 3, "/3/0" that child's child 0): its
 * state, the state's raw input, whether it was entered, retry counters,
 * armed timers with absolute due times, its task token. A frame that waits
 * on children (Map, Parallel) also has rows of the outputs of the children
 * that ended ("K#0", "K#1", ...). The frames a loop turn touched are
 * written once, at the end of the turn, in the same transaction as that
 * turn's history (the writer's hand-off hook), and only when a field of
 * the row changed: a Map waiting on 10,000 iterations writes its row once,
 * and its children's outputs one row per turn. So whatever the history
 * holds, the rows match it; whatever they lack, the history lacks too.
 *
 * Not for: when work runs (exec.c) or what a state does (states/). */
#include "engine/exec_int.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/jsonw.h"
#include "engine/store.h"
#include "engine/writer.h"

/* Snapshot versions: 1 had the root frame only (schema 3). */
#define SNAPSHOT_VERSION 2

static bool recorded(const struct sd_exec *ex) {
  return ex->eng->writer != NULL && !ex->no_history && ex->status == SD_EXEC_RUNNING;
}

static const char *frame_key(struct sd_frame *f) {
  if (f->key == NULL)
    f->key = f->parent == NULL ? sd_xstrdup("") : sd_asprintf("%s/%d", frame_key(f->parent), f->child_index);
  return f->key;
}

void sd_resume_touch(struct sd_frame *f) {
  if (f->listed || !recorded(f->exec))
    return;
  struct sd_engine *eng = f->exec->eng;
  f->listed = true;
  sd_frame_ref(f);
  f->dnext = eng->dirty;
  eng->dirty = f;
  sd_writer_want_flush(eng->writer);
}

bool sd_frame_resuming(const struct sd_frame *f) {
  return f->resuming;
}

/* ---- writing ---- */

static void put_row(struct sd_exec *ex, const char *key, const char *text, bool prefix) {
  struct sd_store_frame fr = { .exec_arn = ex->arn, .key = key, .snapshot = text, .prefix = prefix };
  sd_writer_put_frame(ex->eng->writer, &fr);
}

void sd_resume_child_ended(struct sd_frame *p, int index, json_t *output, const char *text,
                           const struct sd_err *err) {
  if (!recorded(p->exec))
    return;
  if (p->ended == NULL)
    p->ended = sd_xcalloc(1, sizeof *p->ended);
  struct sd_buf *b = p->ended;
  /* One entry per iteration of a 10,000-item Map: no printf. */
  char num[16], *d = num + sizeof num;
  unsigned u = (unsigned)index;
  *--d = '\0';
  do
    *--d = (char)('0' + u % 10);
  while ((u /= 10) > 0);
  sd_buf_puts(b, b->len > 0 ? ",[" : "[");
  sd_buf_puts(b, d);
  sd_buf_putc(b, ',');
  if (err != NULL && err->name != NULL) {
    sd_buf_puts(b, "null,");
    sd_jsonw_string(b, err->name, strlen(err->name));
    sd_buf_putc(b, ',');
    if (err->cause != NULL)
      sd_jsonw_string(b, err->cause, strlen(err->cause));
    else
      sd_buf_puts(b, "null");
  } else if (text != NULL) {
    sd_buf_puts(b, text); /* already a string literal of the output's JSON */
  } else {
    sd_buf_putc(b, '"');
    sd_jsonw_value(b, output ? output : json_null(), true);
    sd_buf_putc(b, '"');
  }
  sd_buf_putc(b, ']');
  sd_resume_touch(p);
}

void sd_resume_drop_rows(struct sd_frame *f) {
  if (f->keep_rows)
    return;
  if (f->ended != NULL)
    f->ended->len = 0;
  f->chunks = 0;
  if (!f->rows_below)
    return;
  f->rows_below = false;
  if (!recorded(f->exec))
    return; /* the close drops every row */
  char *k = sd_xstrcat3(frame_key(f), "/", NULL);
  put_row(f->exec, k, NULL, true);
  k[strlen(k) - 1] = '#';
  put_row(f->exec, k, NULL, true);
  free(k);
}

/* What a restart redoes with the frame (see restore_frame). */
static const char *frame_mode(const struct sd_frame *f) {
  if (f->retry_armed)
    return "retry";
  if (!f->entered)
    return "enter";
  return f->st->ops->restore != NULL ? "children" : "resume";
}

static void put_str(struct sd_buf *b, const char *key, const char *v) {
  sd_buf_printf(b, ",\"%s\":", key);
  sd_jsonw_string(b, v, strlen(v));
}

/* The frame's row, written straight as text: the input goes in as JSON,
 * not as a string holding JSON, so a Map's large input is serialised once
 * (building it with json_pack copied and escaped it twice more). */
static char *snapshot_text(struct sd_frame *f, const char *mode) {
  struct sd_buf b = { 0 };
  sd_buf_printf(&b, "{\"v\":%d", SNAPSHOT_VERSION);
  put_str(&b, "mode", mode ? mode : frame_mode(f));
  put_str(&b, "state", f->st->name);
  sd_buf_puts(&b, ",\"input\":");
  sd_jsonw_value(&b, f->input, false);
  sd_buf_printf(&b, ",\"entered_id\":%lld,\"entered_ms\":%lld,\"prev_id\":%lld,\"retry_count\":%d",
                (long long)f->entered_id, (long long)f->entered_ms, (long long)f->prev_id, f->retry_count);
  sd_buf_puts(&b, ",\"attempts\":[");
  for (size_t i = 0; f->attempts != NULL && i < f->st->nretriers; i++)
    sd_buf_printf(&b, "%s%d", i ? "," : "", f->attempts[i]);
  sd_buf_puts(&b, "],\"timers\":[");
  for (struct sd_timer *t = f->timers; t != NULL; t = t->fnext)
    sd_buf_printf(&b, "%s[%d,%lld]", t == f->timers ? "" : ",", t->tag, (long long)t->due);
  sd_buf_printf(&b, "],\"started\":%s", f->started ? "true" : "false");
  if (f->task_token != NULL)
    put_str(&b, "token", f->task_token);
  if (f->submitted)
    sd_buf_puts(&b, ",\"submitted\":true");
  if (f->parent == NULL && f->exec->tag != NULL)
    put_str(&b, "tag", f->exec->tag);
  if (f->parent == NULL && f->exec->redrive_count > 0)
    sd_buf_printf(&b, ",\"redrive_count\":%d,\"redrive_ms\":%lld", f->exec->redrive_count,
                  (long long)f->exec->redrive_ms);
  sd_buf_putc(&b, '}');
  return sd_buf_steal(&b);
}

static void frame_write(struct sd_frame *f) {
  struct sd_exec *ex = f->exec;
  /* A child that has not started needs no row: its parent's restore
   * starts it again from the parent's input, as it would have been (Map
   * and Parallel start their children in index order, so those not
   * started are the highest indices). map-10k spawns 10,000 iterations at
   * once: writing each one's row doubled its time. */
  if (f->gen != f->written_gen && (f->started || f->parent == NULL)) {
    f->written_gen = f->gen;
    char *text = snapshot_text(f, NULL);
    put_row(ex, frame_key(f), text, false);
    free(text);
    if (f->parent != NULL)
      f->parent->rows_below = true;
  }
  if (f->ended != NULL && f->ended->len > 0) {
    char *key = sd_asprintf("%s#%u", frame_key(f), f->chunks++);
    sd_buf_putc(f->ended, '\0'); /* terminates the text; len stays */
    f->ended->len--;
    put_row(ex, key, f->ended->data, false);
    free(key);
    f->ended->len = 0;
    f->rows_below = true;
  }
}

void sd_resume_flush(void *data) {
  struct sd_engine *eng = data;
  struct sd_frame *f = eng->dirty;
  eng->dirty = NULL;
  while (f != NULL) {
    struct sd_frame *next = f->dnext;
    f->listed = false;
    f->dnext = NULL;
    /* A done frame's execution may be freed already: test it first. */
    if (!f->done && recorded(f->exec))
      frame_write(f);
    sd_frame_unref(f);
    f = next;
  }
}

/* ---- restoring ---- */

static int resume_fail(struct sd_err *err, const char *why, const char *key) {
  return sd_err_set(err, SD_E_RUNTIME, "The execution could not be resumed after a restart: %s%s%s%s", why,
                    key && key[0] ? " (frame " : "", key && key[0] ? key : "", key && key[0] ? ")" : "");
}

/* The fields of a frame row, borrowed from its JSON. */
struct snapshot {
  const char *mode, *state, *tag, *token;
  json_t *input; /* the value (v2), or a string of its JSON (v1) */
  json_int_t entered_id, entered_ms, prev_id, redrive_ms;
  int redrive_count;
  int retry_count, version, started, submitted;
  json_t *attempts, *timers;
};

static int snapshot_parse(json_t *snap, const struct sd_machine *m, const char *key, struct snapshot *sn,
                          int *st, struct sd_err *err) {
  sn->version = 1;
  sn->started = 1;
  sn->prev_id = -1;
  if (snap == NULL ||
      json_unpack(snap, "{s?i, s:s, s:s, s:o, s:I, s:I, s?I, s:i, s:o, s:o, s?s, s?s, s?b, s?b}", "v",
                  &sn->version, "mode", &sn->mode, "state", &sn->state, "input", &sn->input, "entered_id",
                  &sn->entered_id, "entered_ms", &sn->entered_ms, "prev_id", &sn->prev_id, "retry_count",
                  &sn->retry_count, "attempts", &sn->attempts, "timers", &sn->timers, "tag", &sn->tag,
                  "token", &sn->token, "started", &sn->started, "submitted", &sn->submitted) != 0 ||
      !json_is_array(sn->attempts) || !json_is_array(sn->timers) ||
      json_unpack(snap, "{s?i, s?I}", "redrive_count", &sn->redrive_count, "redrive_ms", &sn->redrive_ms) !=
          0)
    return resume_fail(err, "its recovery snapshot is damaged.", key);
  if (sn->version == 1 && strcmp(sn->mode, "children") == 0)
    return resume_fail(err,
                       "it was running a Map or Parallel state, whose branches and iterations the "
                       "stepd that wrote it did not record.",
                       key);
  *st = sd_asl_find(m, sn->state);
  if (*st < 0)
    return resume_fail(err, "its state machine no longer has the state it was in.", key);
  if (json_array_size(sn->attempts) != m->states[*st].nretriers)
    return resume_fail(err, "its state machine's Retry fields changed.", key);
  return 0;
}

/* The ended children of the frame at `key` (its "key#n" rows, joined in
 * the order written) into `ended`; returns the number of rows. */
static uint32_t ended_rows(json_t *frames, const char *key, json_t *ended, struct sd_err *err) {
  uint32_t n = 0;
  for (;; n++) {
    char *k = sd_asprintf("%s#%u", key, n);
    const char *text = json_string_value(json_object_get(frames, k));
    free(k);
    if (text == NULL)
      return n;
    char *wrapped = sd_xstrcat3("[", text, "]");
    json_t *rows = json_loads(wrapped, 0, NULL); /* new */
    free(wrapped);
    if (rows == NULL) {
      resume_fail(err, "the outputs of its branches or iterations are damaged.", key);
      return n;
    }
    /* An output is kept as a string of its JSON (the text its Exited
     * event already made); the handlers get the value. */
    size_t i;
    json_t *e;
    json_array_foreach(rows, i, e) {
      json_t *out = json_array_get(e, 1);
      if (json_is_string(out)) {
        json_t *v = json_loads(json_string_value(out), JSON_DECODE_ANY, NULL); /* new */
        if (v == NULL) {
          json_decref(rows);
          resume_fail(err, "the outputs of its branches or iterations are damaged.", key);
          return n;
        }
        json_array_set_new(e, 1, v);
      }
    }
    json_array_extend(ended, rows);
    json_decref(rows);
  }
}

/* Indices of the children of `key` with a row and no recorded end. */
static int *live_children(json_t *frames, const char *key, json_t *ended, size_t *n) {
  size_t klen = strlen(key), cap = 0;
  int *live = NULL;
  *n = 0;
  const char *k;
  json_t *v;
  json_object_foreach(frames, k, v) {
    if (strncmp(k, key, klen) != 0 || k[klen] != '/')
      continue;
    char *end = NULL;
    long i = strtol(k + klen + 1, &end, 10);
    if (end == k + klen + 1 || *end != '\0' || i < 0 || i > 0x7fffffff)
      continue; /* a grandchild, or not ours */
    bool over = false;
    size_t j;
    json_t *e;
    json_array_foreach(ended, j, e) {
      if (json_integer_value(json_array_get(e, 0)) == i)
        over = true;
    }
    if (over)
      continue;
    if (*n == cap) {
      cap = cap ? cap * 2 : 8;
      live = sd_xrealloc(live, cap * sizeof *live);
    }
    live[(*n)++] = (int)i;
  }
  /* Insertion sort: handlers take children back in index order. */
  for (size_t a = 1; a < *n; a++)
    for (size_t b = a; b > 0 && live[b - 1] > live[b]; b--) {
      int t = live[b];
      live[b] = live[b - 1];
      live[b - 1] = t;
    }
  return live;
}

/* Queues a step a restored state decided, before anything else runs. */
static void push_step(struct sd_frame *f, enum sd_step step, struct sd_err *err) {
  struct sd_rec *r = sd_rec_new(f, REC_STEP);
  r->step = step;
  if (err->name != NULL)
    sd_err_move(&r->wake.err, err);
  sd_rq_push(f->exec->eng, r, true);
}

/* Re-arms the frame as its row says: "enter" its state; "retry" it after
 * the recorded back-off; "resume" it (enter again without recording
 * anything, then put back the recorded timers); or, for "children", let
 * the state's restore op take its children back. */
static void frame_rearm(struct sd_frame *f, const struct snapshot *sn) {
  struct sd_engine *eng = f->exec->eng;
  if (strcmp(sn->mode, "retry") == 0) {
    f->entered = true;
    f->retry_armed = true;
    size_t i;
    json_t *t;
    json_array_foreach(sn->timers, i, t) {
      if (json_integer_value(json_array_get(t, 0)) == SD_TAG_RETRY)
        sd_frame_timer_at(f, json_integer_value(json_array_get(t, 1)), SD_TAG_RETRY);
    }
    if (f->timers == NULL) { /* the back-off had fired: retry now */
      f->retrying = true;
      sd_rq_push(eng, sd_rec_new(f, REC_ENTER), false);
    }
    return;
  }
  if (strcmp(sn->mode, "enter") == 0 || (strcmp(sn->mode, "redrive") == 0 && f->st->ops->restore == NULL)) {
    sd_rq_push(eng, sd_rec_new(f, REC_ENTER), false);
    return;
  }
  f->entered = true;
  if (strcmp(sn->mode, "children") != 0 || f->st->ops->restore == NULL) {
    f->resuming = true;
    f->resume_timers = json_incref(sn->timers);
    sd_rq_push(eng, sd_rec_new(f, REC_ENTER), false);
    return;
  }
  json_t *frames = f->exec->restoring;
  json_t *ended = json_array(); /* new */
  struct sd_err err = { 0 };
  f->chunks = ended_rows(frames, frame_key(f), ended, &err);
  f->rows_below = true;
  enum sd_step step = SD_STEP_FAIL;
  if (err.name == NULL) {
    size_t nlive;
    int *live = live_children(frames, frame_key(f), ended, &nlive);
    f->resuming = true;
    step = f->st->ops->restore(f, ended, live, nlive, &err);
    f->resuming = false;
    free(live);
  }
  json_decref(ended);
  if (step != SD_STEP_WAIT)
    push_step(f, step, &err);
  sd_err_clear(&err);
}

/* Builds the frame of row `key` (a child of `parent` when not NULL) and
 * re-arms it; NULL with err. `item` is stolen. */
static struct sd_frame *restore_frame(struct sd_exec *ex, struct sd_frame *parent, const struct sd_machine *m,
                                      const char *key, json_t *item, int index, struct sd_err *err) {
  const char *text = json_string_value(json_object_get(ex->restoring, key));
  json_t *snap = text ? json_loads(text, 0, NULL) : NULL; /* new */
  struct snapshot sn = { 0 };
  int st = -1;
  json_t *in = NULL; /* new */
  if (snapshot_parse(snap, m, key, &sn, &st, err) != 0 ||
      (in = sn.version != 1            ? json_incref(sn.input)
            : json_is_string(sn.input) ? json_loads(json_string_value(sn.input), JSON_DECODE_ANY, NULL)
                                       : NULL) == NULL) {
    if (err->name == NULL)
      resume_fail(err, "its recovery snapshot is damaged.", key);
    json_decref(snap);
    json_decref(item);
    return NULL;
  }
  struct sd_frame *f = sd_frame_new(ex, parent, m, in);
  f->key = sd_xstrdup(key);
  f->st = &m->states[st];
  f->prev_id = sn.prev_id >= 0 ? sn.prev_id : ex->last_id;
  f->started = sn.started;
  f->entered_id = sn.entered_id;
  f->entered_ms = sn.entered_ms;
  f->retry_count = sn.retry_count;
  f->submitted = sn.submitted;
  f->task_token = sn.token ? sd_xstrdup(sn.token) : NULL;
  f->written_gen = f->gen; /* the row holds all this already */
  if (parent != NULL) {
    f->item = item;
    f->child_index = index;
    f->map_iteration = item != NULL;
    f->owner_state = parent->st;
  } else {
    ex->root = f;
    free(ex->tag);
    ex->tag = sn.tag ? sd_xstrdup(sn.tag) : NULL;
    ex->redrive_count = sn.redrive_count;
    ex->redrive_ms = sn.redrive_ms;
  }
  if (f->st->nretriers > 0) {
    f->attempts = sd_xcalloc(f->st->nretriers, sizeof *f->attempts);
    for (size_t i = 0; i < f->st->nretriers; i++)
      f->attempts[i] = (int)json_integer_value(json_array_get(sn.attempts, i));
  }
  frame_rearm(f, &sn);
  json_decref(snap);
  return f;
}

struct sd_frame *sd_frame_restore_child(struct sd_frame *f, const struct sd_machine *m, json_t *item,
                                        int index, struct sd_err *err) {
  char *key = sd_asprintf("%s/%d", frame_key(f), index);
  struct sd_frame *c = restore_frame(f->exec, f, m, key, item, index, err);
  free(key);
  return c;
}

void sd_resume_timers(struct sd_frame *f, enum sd_step step) {
  json_t *timers = f->resume_timers; /* owned by us now */
  f->resume_timers = NULL;
  if (step == SD_STEP_WAIT) {
    /* The state armed its timers anew from now; the recorded due times are
     * the ones that count (a Wait of 2 s waits 2 s in all, not 2 s more).
     * A heartbeat is the exception: the worker could not reach a dead
     * server, so it gets a full period from the restart. */
    struct sd_timer **pp = &f->timers;
    while (*pp != NULL) {
      struct sd_timer *t = *pp;
      if (t->tag == SD_TASK_TAG_HEARTBEAT) {
        pp = &t->fnext;
        continue;
      }
      *pp = t->fnext;
      sd_clock_remove(f->exec->eng, t);
    }
    size_t i;
    json_t *t;
    json_array_foreach(timers, i, t) {
      int tag = (int)json_integer_value(json_array_get(t, 0));
      if (tag >= 0 && tag != SD_TASK_TAG_HEARTBEAT)
        sd_frame_timer_at(f, json_integer_value(json_array_get(t, 1)), tag);
    }
  }
  json_decref(timers);
}

struct sd_exec *sd_exec_resume(struct sd_engine *eng, const struct sd_exec_opts *o, int64_t start_ms,
                               int64_t last_id, json_t *frames, struct sd_err *err) {
  const char *root_text = json_string_value(json_object_get(frames, ""));
  json_t *input = o->input ? json_incref(o->input) : json_object();
  size_t len;
  char *text = sd_jsonw_dumps(input, &len);
  if (root_text == NULL && last_id <= 1) {
    /* Killed between ExecutionStarted's commit and the first state's turn
     * (they are written apart): the execution starts from its start state. */
    struct sd_exec *ex = sd_exec_new(eng, o, text, len, start_ms);
    ex->last_id = last_id;
    ex->root = sd_frame_new(ex, NULL, ex->machine, input); /* input stolen */
    ex->root->prev_id = last_id;
    sd_exec_arm_timeout(ex);
    sd_rq_push(eng, sd_rec_new(ex->root, REC_ENTER), false);
    return ex;
  }
  json_decref(input);
  struct sd_exec *ex = sd_exec_new(eng, o, text, len, start_ms);
  ex->last_id = last_id;
  ex->restoring = frames;
  /* Only the root can fail here: a child that cannot be restored fails
   * its parent's state instead (States.Runtime), which Catch may take. */
  struct sd_frame *root = restore_frame(ex, NULL, ex->machine, "", NULL, 0, err);
  ex->restoring = NULL;
  if (root == NULL) {
    sd_exec_free(ex);
    return NULL;
  }
  sd_exec_arm_timeout(ex);
  return ex;
}

/* ---- redrive ---- */

void sd_resume_keep(struct sd_frame *f) {
  struct sd_exec *ex = f->exec;
  if (!recorded(ex) || strcmp(ex->type, "STANDARD") != 0 || f->keep_rows)
    return;
  f->keep_rows = true;
  if (f->ended != NULL && f->ended->len > 0) {
    f->gen = f->written_gen; /* only the outputs: the row itself is the redrive point */
    frame_write(f);
  }
  free(ex->redrive_point);
  /* AWS: an execution past the history limit cannot be redriven. */
  ex->redrive_point = ex->over_limit ? sd_xstrdup("{\"v\":2,\"mode\":\"none\",\"reason\":\"Execution history "
                                                  "event limit exceeded\"}")
                                     : snapshot_text(f, "redrive");
}

int sd_exec_redrive_count(const struct sd_exec *ex) {
  return ex->redrive_count;
}

int64_t sd_exec_redrive_ms(const struct sd_exec *ex) {
  return ex->redrive_ms;
}

/* The successful ends among `ended` (new): failed iterations and branches
 * run again. */
static json_t *successes(json_t *ended) {
  json_t *ok = json_array(); /* new */
  size_t i;
  json_t *e;
  json_array_foreach(ended, i, e) {
    if (json_array_size(e) == 2)
      json_array_append(ok, e);
  }
  return ok;
}

struct sd_exec *sd_exec_redrive(struct sd_engine *eng, const struct sd_exec_opts *o, int64_t start_ms,
                                int64_t last_id, json_t *frames, int redrive_count, struct sd_err *err) {
  const char *text = json_string_value(json_object_get(frames, ""));
  json_t *snap = text ? json_loads(text, 0, NULL) : NULL; /* new */
  const char *mode = json_string_value(json_object_get(snap, "mode"));
  struct snapshot sn = { 0 };
  int st = -1;
  if (mode == NULL || strcmp(mode, "redrive") != 0 ||
      snapshot_parse(snap, o->machine, "", &sn, &st, err) != 0 || json_is_string(sn.input)) {
    if (err->name == NULL)
      sd_err_set(err, SD_E_RUNTIME, "The execution has no point to be redriven from.");
    json_decref(snap);
    return NULL;
  }
  size_t len = 2;
  char *input = o->input ? sd_jsonw_dumps(o->input, &len) : sd_xstrdup("{}");
  struct sd_exec *ex = sd_exec_new(eng, o, input, len, start_ms);
  ex->last_id = last_id;
  ex->redrive_count = redrive_count;
  ex->redrive_ms = sd_engine_now(eng);
  free(ex->tag);
  ex->tag = sn.tag ? sd_xstrdup(sn.tag) : NULL;
  struct sd_frame *f = sd_frame_new(ex, NULL, ex->machine, json_incref(sn.input));
  ex->root = f;
  f->key = sd_xstrdup("");
  f->st = &ex->machine->states[st];
  f->prev_id = last_id;
  f->started = true;
  sd_frame_event(f, "ExecutionRedriven", "executionRedrivenEventDetails",
                 json_pack("{s:i}", "redriveCount", redrive_count));
  sd_exec_row(ex);
  /* The rows of the failed run go; the outputs that succeeded are written
   * again below, so that a crash of the redriven run keeps them. */
  put_row(ex, "/", NULL, true);
  put_row(ex, "#", NULL, true);
  if (f->st->ops->restore != NULL) {
    json_t *ended = json_array(); /* new */
    ended_rows(frames, "", ended, err);
    json_t *ok = successes(ended); /* new */
    json_decref(ended);
    f->entered = true;
    f->entered_id = sn.entered_id;
    f->entered_ms = sn.entered_ms;
    size_t i;
    json_t *e;
    json_array_foreach(ok, i, e) {
      sd_resume_child_ended(f, (int)json_integer_value(json_array_get(e, 0)), json_array_get(e, 1), NULL,
                            NULL);
    }
    struct sd_err serr = { 0 };
    enum sd_step step = SD_STEP_FAIL;
    if (err->name == NULL) {
      f->resuming = true;
      step = f->st->ops->restore(f, ok, NULL, 0, &serr);
      f->resuming = false;
    } else {
      sd_err_move(&serr, err);
    }
    json_decref(ok);
    if (step != SD_STEP_WAIT)
      push_step(f, step, &serr);
    sd_err_clear(&serr);
  } else {
    sd_rq_push(eng, sd_rec_new(f, REC_ENTER), false);
  }
  sd_resume_touch(f);
  if (ex->machine->timeout_seconds > 0)
    ex->timeout = sd_clock_add(eng, ex->redrive_ms + (int64_t)(ex->machine->timeout_seconds * 1000), f,
                               SD_TAG_EXEC_TIMEOUT);
  json_decref(snap);
  return ex;
}
