/* Wait: parks the frame on a loop timer (Seconds, SecondsPath, Timestamp,
 * TimestampPath), then passes its input on. Messages follow AWS's. */
#include "states/states.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/path.h"
#include "engine/timefmt.h"

/* AWS rejects waits beyond this (one year, the longest a STANDARD execution
 * may run). */
#define MAX_WAIT_MS (366LL * 24 * 3600 * 1000)

enum wait_kind { W_SECONDS, W_SECONDS_PATH, W_TIMESTAMP, W_TIMESTAMP_PATH };

struct wait {
  enum wait_kind kind;
  int64_t seconds;
  int64_t timestamp_ms;
  struct sd_path *path; /* owned */
};

static int wait_compile(struct sd_state *st, struct sd_compile *cc, struct sd_err *err) {
  struct wait *w = sd_xcalloc(1, sizeof *w);
  st->priv = w;
  json_t *v;
  if ((v = json_object_get(st->def, "Seconds")) != NULL) {
    if (!json_is_integer(v) || json_integer_value(v) < 0)
      return sd_err_set(err, SD_E_INVALID_DEFINITION, "Seconds must be a non-negative integer");
    w->kind = W_SECONDS;
    w->seconds = json_integer_value(v);
  } else if ((v = json_object_get(st->def, "Timestamp")) != NULL) {
    if (!json_is_string(v) || !sd_time_parse(json_string_value(v), &w->timestamp_ms))
      return sd_err_set(err, SD_E_INVALID_DEFINITION,
                        "Timestamp must be an ISO-8601 extended offset date-time");
    w->kind = W_TIMESTAMP;
  } else {
    const char *field = json_object_get(st->def, "SecondsPath") ? "SecondsPath" : "TimestampPath";
    v = json_object_get(st->def, field);
    if (!json_is_string(v))
      return sd_err_set(err, SD_E_INVALID_DEFINITION,
                        "a Wait state needs one of Seconds, SecondsPath, Timestamp, TimestampPath");
    w->kind = strcmp(field, "SecondsPath") == 0 ? W_SECONDS_PATH : W_TIMESTAMP_PATH;
    w->path = sd_path_compile(json_string_value(v), SD_PATH_REF, err);
    if (w->path == NULL)
      return -1;
  }
  return 0;
}

static void wait_free(struct sd_state *st) {
  struct wait *w = st->priv;
  sd_path_free(w->path);
  free(w);
}

/* The due time of the wait, or -1 with err. `in` is the effective input. */
static int due_time(struct sd_frame *f, const struct wait *w, json_t *in, int64_t *due, struct sd_err *err) {
  int64_t now = sd_engine_now(sd_exec_engine(f->exec));
  switch (w->kind) {
    case W_SECONDS:
      *due = now + w->seconds * 1000;
      return 0;
    case W_TIMESTAMP:
      *due = w->timestamp_ms;
      break;
    case W_SECONDS_PATH:
    case W_TIMESTAMP_PATH: {
      json_t *v = sd_path_get(w->path, in, sd_frame_env(f), err);
      if (v == NULL)
        return -1;
      char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
      const char *shown = json_is_string(v) ? json_string_value(v) : text;
      int rc = 0;
      if (w->kind == W_SECONDS_PATH) {
        if (!json_is_integer(v))
          rc = sd_err_set(err, SD_E_RUNTIME,
                          "The SecondsPath parameter cannot be parsed as a long value: %s == %s",
                          sd_path_text(w->path), shown);
        else if (json_integer_value(v) < 0)
          rc =
              sd_err_set(err, SD_E_RUNTIME, "The SecondsPath parameter references a negative value: %s == %s",
                         sd_path_text(w->path), shown);
        else
          *due = now + (int64_t)json_integer_value(v) * 1000;
      } else if (!json_is_string(v) || !sd_time_parse(json_string_value(v), due)) {
        rc = sd_err_set(
            err, SD_E_RUNTIME,
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
            "format string: %s == %s",
            sd_path_text(w->path), shown);
      }
      free(text);
      json_decref(v);
      if (rc != 0)
        return -1;
      break;
    }
  }
  if (*due - now > MAX_WAIT_MS)
    return sd_err_set(err, SD_E_RUNTIME, "Wait state delay is too long.");
  return 0;
}

static enum sd_step wait_enter(struct sd_frame *f, struct sd_err *err) {
  const struct wait *w = f->st->priv;
  json_t *in = sd_flow_input(f, err);
  if (in == NULL)
    return SD_STEP_FAIL;
  int64_t due;
  if (due_time(f, w, in, &due, err) != 0) {
    json_decref(in);
    sd_frame_err_in_state(f, err);
    return SD_STEP_FAIL;
  }
  f->rt = in; /* the effective input, until the timer fires */
  sd_frame_timer_at(f, due, 0);
  return SD_STEP_WAIT;
}

static enum sd_step wait_resume(struct sd_frame *f, struct sd_wake *wk, struct sd_err *err) {
  json_t *in = f->rt;
  f->rt = NULL;
  f->output = sd_flow_output(f, in, err);
  return f->output ? SD_STEP_NEXT : SD_STEP_FAIL;
}

static void wait_cancel(struct sd_frame *f) {
  json_decref(f->rt);
  f->rt = NULL;
}

const struct sd_state_ops sd_state_wait = {
  .type = "Wait",
  .events = "Wait",
  .has_exited = true,
  .has_io = true,
  .compile = wait_compile,
  .enter = wait_enter,
  .resume = wait_resume,
  .cancel = wait_cancel,
  .free = wait_free,
};
