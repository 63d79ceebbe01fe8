/* The context object ($$), built only when an expression reads it: most
 * states never do, and building it per state would cost more than the state. */
#include "engine/exec_int.h"

#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/jsonr.h"
#include "engine/str.h"
#include "engine/timefmt.h"

static uint64_t next_rand(uint64_t *s) {
  /* xorshift64*: fast, and good enough for identifiers and jitter. */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}

char *sd_new_uuid(uint64_t *rng) {
  char text[37];
  uint64_t a = next_rand(rng);
  sd_str_uuid4(a, next_rand(rng), text);
  return sd_xstrdup(text);
}

/* RFC 9562's version 7: the first 48 bits are the time in ms, the rest
 * random. An execution's generated name is one: its ARN is the key of
 * the store's ARN index, and names that grow with time append to that
 * B-tree instead of dirtying a random page of it per execution (one 4 KiB
 * WAL frame each, written again at the checkpoint: the largest part of
 * the writer's I/O at 10,000 StartExecution/s). Still a UUID, as AWS
 * generates (StartExecution: "a universally unique identifier"). */
char *sd_new_uuid7(uint64_t *rng, int64_t ms) {
  uint64_t t = (uint64_t)(ms > 0 ? ms : 0) & 0xffffffffffffull;
  uint64_t a = (t << 16) | 0x7000u | (next_rand(rng) & 0xfff);
  uint64_t b = (next_rand(rng) & 0x3fffffffffffffffull) | 0x8000000000000000ull; /* variant 10 */
  char text[37];
  sd_str_uuid(a, b, text);
  return sd_xstrdup(text);
}

/* $$.Execution and $$.StateMachine, from the execution's fields: built on
 * the first read rather than at the start, since most executions never
 * read them and a parked one would carry ~1 KB of Jansson objects for
 * nothing. Kept until the root parks in a timer (sd_ctx_drop), so the
 * states of a running Map do not parse the input once each. */
static void exec_ctx_build(struct sd_exec *ex) {
  char ts[32];
  sd_time_format(ex->start_ms, ts);
  json_t *input = sd_json_loadb(ex->input_text, ex->input_len, JSON_DECODE_ANY, NULL); /* new */
  if (input == NULL)
    input = json_null(); /* the text is our own dump: cannot happen */
  ex->ctx_exec = json_pack("{s:s, s:o, s:s, s:s, s:s}", "Id", ex->arn, "Input", input, "Name", ex->name,
                           "RoleArn", ex->role_arn, "StartTime", ts);
  /* EXPRESS executions cannot be redriven and have no RedriveCount. */
  if (strcmp(ex->type, "EXPRESS") != 0)
    json_object_set_new(ex->ctx_exec, "RedriveCount", json_integer(ex->redrive_count));
  ex->ctx_sm = json_pack("{s:s, s:s}", "Id", ex->machine_arn, "Name", ex->machine_name);
}

json_t *sd_ctx_build(struct sd_frame *f) {
  struct sd_exec *ex = f->exec;
  if (ex->ctx_exec == NULL)
    exec_ctx_build(ex);
  char ts[32];
  sd_time_format(f->entered_ms, ts);
  json_t *ctx = json_object();
  json_object_set(ctx, "Execution", ex->ctx_exec);
  json_t *state = json_pack("{s:s, s:s}", "EnteredTime", ts, "Name", f->st->name);
  /* RetryCount appears only where a Retry can count (recorded Lambda retry
   * cases); a Pass state's $$.State has just EnteredTime and Name. */
  if (f->st->nretriers > 0)
    json_object_set_new(state, "RetryCount", json_integer(f->retry_count));
  json_object_set_new(ctx, "State", state);
  json_object_set(ctx, "StateMachine", ex->ctx_sm);
  if (f->task_token != NULL)
    json_object_set_new(ctx, "Task", json_pack("{s:s}", "Token", f->task_token));
  return ctx;
}

void sd_ctx_drop(struct sd_frame *f) {
  json_decref(f->ctx);
  f->ctx = NULL;
  f->env.ctx = NULL; /* it pointed at f->ctx */
  if (f->parent == NULL) {
    /* The root waits on a timer, so no other frame of the execution runs
     * (a Map or Parallel root waits on its children instead). */
    json_decref(f->exec->ctx_exec);
    f->exec->ctx_exec = NULL;
    json_decref(f->exec->ctx_sm);
    f->exec->ctx_sm = NULL;
  }
}

const char *sd_frame_task_token(struct sd_frame *f) {
  if (f->task_token == NULL) {
    /* Opaque to clients, as AWS's are; long enough not to be guessed. */
    uint64_t *rng = &f->exec->eng->rng;
    f->task_token = sd_asprintf("%016llx%016llx%016llx%016llx", (unsigned long long)next_rand(rng),
                                (unsigned long long)next_rand(rng), (unsigned long long)next_rand(rng),
                                (unsigned long long)next_rand(rng));
    json_decref(f->ctx);
    f->ctx = NULL;
  }
  return f->task_token;
}
