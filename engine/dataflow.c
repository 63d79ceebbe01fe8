/* The JSONPath data flow every state shares: InputPath, Parameters,
 * ResultSelector, ResultPath, OutputPath, applied in the order the ASL
 * specification gives, with AWS's errors. */
#include "engine/exec_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/jsonw.h"
#include "engine/path.h"
#include "engine/tmpl.h"

json_t *sd_flow_input(struct sd_frame *f, struct sd_err *err) {
  const struct sd_state *st = f->st;
  json_t *in;
  if (st->input_path_null) {
    in = json_object();
  } else if (st->input_path == NULL) {
    in = json_incref(f->input);
  } else {
    in = sd_path_get(st->input_path, f->input, sd_frame_env(f), err);
    if (in == NULL) {
      sd_frame_err_in_state(f, err);
      return NULL;
    }
  }
  if (st->parameters == NULL)
    return in;
  json_t *spare = f->spare;
  f->spare = NULL;
  json_t *p = sd_tmpl_eval_into(st->parameters, in, sd_frame_env(f), spare, err);
  json_decref(in);
  if (p == NULL)
    sd_frame_err_in_state(f, err);
  return p;
}

/* ResultPath "$.x" on an input object nothing else holds sets the member
 * in place: copying the input (json_copy rehashes every key) and freeing
 * it at the transition cost ~2,000 instructions a Pass state of a
 * 3-member input (callgrind, pass-chain-1000). The member's old value is
 * kept until the state is left (sd_flow_undo). The frame's own text cache
 * lets go of the input first; any other holder (a Parallel's branches, a
 * Map's items, the execution's input, Parameters passing the input on,
 * a memo of it) keeps the refcount above 1, and the input is copied as
 * before. Returns the output (new reference), or NULL when this does not
 * apply. */
static json_t *put_in_place(struct sd_frame *f, json_t *result) {
  const char *name;
  size_t len;
  if (!json_is_object(f->input) || f->put_pending || !sd_path_is_member(f->st->result_path, &name, &len))
    return NULL;
  sd_frame_io_release(f, f->input);
  if (f->input->refcount != 1)
    return NULL;
  f->put_pending = true;
  f->put_value = result;
  /* State data holds a handful of members: walking them finds the
   * member's place (what the text splice needs, sd_flow_put_member) and
   * sets it through its iterator, where a lookup and a set hashed the
   * name twice. */
  size_t i = 0;
  void *it = NULL;
  if (json_object_size(f->input) <= 16)
    for (it = json_object_iter(f->input); it != NULL; it = json_object_iter_next(f->input, it), i++)
      if (json_object_iter_key_len(it) == len && memcmp(json_object_iter_key(it), name, len) == 0)
        break;
  if (it != NULL) {
    f->put_old = json_incref(json_object_iter_value(it));
    f->put_index = i;
    json_object_iter_set_new(f->input, it, result);
  } else {
    json_t *old = json_object_getn(f->input, name, len);
    f->put_old = old ? json_incref(old) : NULL;
    f->put_index = SIZE_MAX;
    json_object_setn_new(f->input, name, len, result);
  }
  return json_incref(f->input);
}

void sd_flow_undo(struct sd_frame *f) {
  const char *name;
  size_t len;
  if (!f->put_pending)
    return;
  f->put_pending = false;
  if (!sd_path_is_member(f->st->result_path, &name, &len))
    return;
  /* The Exited text may already be cached for the changed input (the size
   * check writes it first): it no longer describes the input. */
  sd_frame_io_release(f, f->input);
  if (f->put_old != NULL)
    json_object_setn_new(f->input, name, len, f->put_old);
  else
    json_object_deln(f->input, name, len);
  f->put_old = NULL;
}

bool sd_flow_put_member(struct sd_frame *f, size_t *index, json_t **value) {
  /* A member that was absent is appended: not a splice of the text. */
  if (!f->put_pending || f->put_old == NULL || f->put_index == SIZE_MAX)
    return false;
  *index = f->put_index;
  *value = f->put_value;
  return true;
}

json_t *sd_flow_output(struct sd_frame *f, json_t *result, struct sd_err *err) {
  const struct sd_state *st = f->st;
  if (st->result_selector != NULL) {
    json_t *sel = sd_tmpl_eval(st->result_selector, result, sd_frame_env(f), err);
    json_decref(result);
    if (sel == NULL) {
      sd_frame_err_in_state(f, err);
      return NULL;
    }
    result = sel;
  }
  json_t *out;
  if (st->result_path_null) {
    json_decref(result);
    out = json_incref(f->input);
  } else if (st->result_path == NULL) {
    out = result;
  } else {
    out = put_in_place(f, result);
    if (out == NULL)
      out = sd_path_put(st->result_path, f->input, result, err);
    if (out == NULL) {
      sd_frame_err_in_state(f, err);
      return NULL;
    }
  }
  if (st->output_path_null) {
    json_decref(out);
    return json_object();
  }
  if (st->output_path == NULL)
    return out;
  json_t *o = sd_path_get(st->output_path, out, sd_frame_env(f), err);
  json_decref(out);
  if (o == NULL) {
    sd_flow_undo(f);
    sd_frame_err_in_state(f, err);
  }
  return o;
}

int sd_flow_check_size(struct sd_frame *f, json_t *v, struct sd_err *err) {
  if (!f->exec->eng->limits)
    return 0;
  size_t n;
  char *text = sd_jsonw_dumps(v, &n);
  free(text);
  if (n <= SD_PAYLOAD_LIMIT)
    return 0;
  return sd_err_set(err, SD_E_DATA_LIMIT_EXCEEDED,
                    "The state/task '%s' returned a result with a size exceeding the maximum number of bytes "
                    "service limit.",
                    f->st->name);
}
