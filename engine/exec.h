/* The scheduler: executions as trees of frames, advanced by events on one
 * libuv loop. A frame runs one state at a time; a state handler returns a
 * step (next, wait, fail, ...) and the scheduler acts on it: history events,
 * Retry and Catch, transitions, timers, task calls and child frames for
 * Parallel branches and Map iterations. Handlers never block and never call
 * each other. Not for: compiling (asl.h) or storage (store.h). */
#ifndef SD_ENGINE_EXEC_H
#define SD_ENGINE_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "engine/asl.h"
#include "engine/connector.h"
#include "engine/err.h"
#include "engine/eval.h"

struct sd_buf;
struct sd_engine;
struct sd_jsonw_memo;
struct sd_exec;
struct sd_frame;
struct sd_store;
struct sd_timer;

enum sd_exec_status {
  SD_EXEC_RUNNING,
  SD_EXEC_SUCCEEDED,
  SD_EXEC_FAILED,
  SD_EXEC_TIMED_OUT,
  SD_EXEC_ABORTED,
};
const char *sd_exec_status_name(enum sd_exec_status s);

/* What woke a waiting frame. */
enum sd_wake_kind {
  SD_WAKE_TIMER,          /* a timer armed with sd_frame_timer */
  SD_WAKE_TASK_DONE,      /* the task call ended: result or err */
  SD_WAKE_TASK_SUBMITTED, /* .sync / .waitForTaskToken: accepted, still running */
  SD_WAKE_CHILD_DONE,     /* a child frame ended: result or err */
};

struct sd_wake {
  enum sd_wake_kind kind;
  int timer_tag;  /* SD_WAKE_TIMER: the tag given when arming */
  json_t *result; /* TASK_DONE / CHILD_DONE success: owned by the wake, handler may steal with json_incref */
  struct sd_err err;      /* TASK_DONE / CHILD_DONE failure (err.name set) */
  struct sd_frame *child; /* CHILD_DONE: the child (freed after resume returns) */
  int child_index;        /* CHILD_DONE */
};

struct sd_engine_opts {
  uv_loop_t *loop;                       /* borrowed */
  const struct sd_state_ops *const *ops; /* NULL-terminated; borrowed */
  struct sd_connector *connectors;       /* tried in order; borrowed */
  size_t nconnectors;
  struct sd_store *store; /* borrowed; NULL = no persistence */
  double wait_scale;      /* 1 = real time; 0 = instant, order kept */
  bool limits;            /* enforce AWS's limits */
  const char *region;     /* for ARNs; default us-east-1 */
  const char *account;    /* default 123456789012 */
  /* Shifts the engine's clock from the wall clock, in ms (`stepd serve
   * --clock`, for tests of schedules: execution dates then agree with the
   * schedules' shifted clock). */
  int64_t clock_offset_ms;
};

struct sd_engine *sd_engine_new(const struct sd_engine_opts *opts);
/* Flushes history and frees the engine; running executions are dropped. */
void sd_engine_free(struct sd_engine *eng);
uv_loop_t *sd_engine_loop(struct sd_engine *eng);
const struct sd_state_ops *const *sd_engine_ops(struct sd_engine *eng);
/* The engine's clock (virtual when wait_scale != 1), ms since the epoch. */
int64_t sd_engine_now(struct sd_engine *eng);
/* The region the engine's ARNs name (sd_engine_opts.region). */
const char *sd_engine_region(const struct sd_engine *eng);
/* Calls cb once all history appended so far is committed. */
void sd_engine_flush(struct sd_engine *eng, void (*cb)(void *data, int status), void *data);

struct sd_store_exec;
/* Called on every execution row the engine is about to write, so that its
 * embedder can add the columns only it knows (the server: the input text
 * as the client sent it, the machine revision, the version and alias);
 * strings set in `row` need to live only until the call returns. With the
 * row complete when the execution closes, nothing writes it a second time. */
typedef void (*sd_exec_row_fn)(struct sd_exec *ex, struct sd_store_exec *row, void *data);
void sd_engine_set_row_fn(struct sd_engine *eng, sd_exec_row_fn fn, void *data);

typedef void (*sd_exec_done_fn)(struct sd_exec *ex, void *data);

struct sd_exec_opts {
  struct sd_machine *machine; /* borrowed; the execution takes a reference */
  const char *machine_name;   /* $$.StateMachine.Name */
  const char *name;           /* execution name; NULL = a UUID */
  const char *type;           /* "STANDARD" or "EXPRESS" */
  const char *role_arn;       /* NULL = a default role */
  json_t *input;              /* borrowed; NULL = {} */
  sd_exec_done_fn done;       /* called once when the execution closes */
  void *data;
  /* Records no history events (EXPRESS executions under `stepd serve`:
   * AWS keeps none for them). The execution's row is still written, and
   * write-ahead barriers still order task starts. */
  bool no_history;
  /* Opaque text kept in the execution's recovery snapshot and given back
   * by sd_exec_tag after sd_exec_resume (the server's mock test case);
   * NULL = none. */
  const char *tag;
};

/* Starts an execution; its first step runs on the next loop turn. */
struct sd_exec *sd_exec_start(struct sd_engine *eng, const struct sd_exec_opts *opts, struct sd_err *err);
void sd_exec_stop(struct sd_exec *ex, const char *error, const char *cause); /* ABORTED */
/* Frees a closed execution; may be called from its done callback. Work
 * still queued for its frames is dropped safely (frames outlive it until
 * their last record is gone, and no record of a closed execution reads it). */
void sd_exec_free(struct sd_exec *ex);

/* Recovery after a crash (engine/resume.c, docs/server.md): rebuilds a
 * RUNNING execution from its stored row (`opts` as for sd_exec_start, with
 * its name and input; `start_ms` and `last_id`, its last committed event
 * id, from the row) and `frames` (borrowed: key -> snapshot text, the frame
 * rows the engine stored with it), and re-arms what each frame waited on:
 * timers at their recorded due times, task calls (made again unless a
 * callback task was accepted: at least once), task tokens, Retry
 * back-offs, Map iterations and Parallel branches with the outputs of
 * those that ended. Returns NULL with err (States.Runtime) for frames it
 * cannot resume (a state the machine lacks, a damaged snapshot). */
struct sd_exec *sd_exec_resume(struct sd_engine *eng, const struct sd_exec_opts *opts, int64_t start_ms,
                               int64_t last_id, json_t *frames, struct sd_err *err);
/* RedriveExecution (engine/resume.c): starts a FAILED, TIMED_OUT or
 * ABORTED execution again where it stopped, from `frames` as for
 * sd_exec_resume (its redrive point: the root's row kept at its close).
 * The state it stopped in is entered again; a Map or Parallel keeps the
 * outputs of its iterations or branches that succeeded and runs the others
 * again. Records ExecutionRedriven with `redrive_count` (the new count).
 * NULL with err (States.Runtime) when there is no redrive point. */
struct sd_exec *sd_exec_redrive(struct sd_engine *eng, const struct sd_exec_opts *opts, int64_t start_ms,
                                int64_t last_id, json_t *frames, int redrive_count, struct sd_err *err);
int sd_exec_redrive_count(const struct sd_exec *ex);
int64_t sd_exec_redrive_ms(const struct sd_exec *ex);
/* The tag of sd_exec_opts (or of the snapshot, after sd_exec_resume); borrowed or NULL. */
const char *sd_exec_tag(const struct sd_exec *ex);

enum sd_exec_status sd_exec_status(const struct sd_exec *ex);
const char *sd_exec_arn(const struct sd_exec *ex);
json_t *sd_exec_output(const struct sd_exec *ex);             /* borrowed; SUCCEEDED only */
const struct sd_err *sd_exec_error(const struct sd_exec *ex); /* FAILED / TIMED_OUT / ABORTED */
const char *sd_exec_name(const struct sd_exec *ex);
int64_t sd_exec_start_ms(const struct sd_exec *ex);
/* The stop time written to the execution's row (0 while running), and the
 * input text the row holds: what the store answers, without reading it. */
int64_t sd_exec_stop_ms(const struct sd_exec *ex);
const char *sd_exec_input_text(const struct sd_exec *ex);
/* $$.StateMachine.Id: the unqualified ARN of the machine it runs; borrowed. */
const char *sd_exec_machine_arn(const struct sd_exec *ex);
struct sd_engine *sd_exec_engine(const struct sd_exec *ex);

/* ---- task tokens: completing a waiting Task from outside (engine/task.c) ---- */

/* The answers below fail with AWS's errors (SendTaskSuccess & co.), as
 * err->name: "InvalidToken" for a token this engine cannot have made,
 * "TaskTimedOut" for the token of a task that timed out, "TaskDoesNotExist"
 * for one that no task waits on (finished, stopped or never made), and
 * "InvalidOutput" when `output` is not JSON. Results arrive as the
 * connector's would, on a later loop turn. */
int sd_engine_task_success(struct sd_engine *eng, const char *token, const char *output, struct sd_err *err);
/* `error` and `cause` may be NULL (AWS then records neither). */
int sd_engine_task_failure(struct sd_engine *eng, const char *token, const char *error, const char *cause,
                           struct sd_err *err);
/* Re-arms the task's heartbeat timer (SD_TASK_TAG_HEARTBEAT) if it has one. */
int sd_engine_task_heartbeat(struct sd_engine *eng, const char *token, struct sd_err *err);

/* ---- for state handlers (states/) ---- */

/* The timer tag a Task arms HeartbeatSeconds with: sd_engine_task_heartbeat
 * re-arms the frame's timer of this tag. */
#define SD_TASK_TAG_HEARTBEAT 2

struct sd_frame {
  struct sd_exec *exec;             /* borrowed */
  struct sd_frame *parent;          /* NULL for the root frame */
  const struct sd_machine *machine; /* borrowed from the execution's machine */
  const struct sd_state *st;        /* the current state */
  json_t *input;                    /* raw input of the current state; owned */
  json_t *output;                   /* set by a handler before NEXT / SUCCEED; owned */
  int next;                         /* Choice / Catch override of st->next; -1 = none */
  int64_t entered_id;               /* id of the current <Type>StateEntered event */
  int64_t entered_ms;               /* when the current state was entered */
  int64_t prev_id;                  /* previousEventId for this frame's next event */
  int retry_count;                  /* $$.State.RetryCount */
  int *attempts;                    /* per retrier; owned; sized st->nretriers */
  json_t *item;                     /* Map iteration: {"Index": n, "Value": v}; owned or NULL */
  int child_index;                  /* index among the parent's children */
  bool retrying;                    /* enter() is a Retry, not a first entry */
  void *rt;                         /* the handler's runtime data for this state; the handler owns it */
  struct sd_task_call *call;        /* in flight; owned by the engine */
  struct sd_timer *timers;          /* armed timers; owned by the engine */
  char *task_token;                 /* $$.Task.Token of the current state; owned or NULL */
  json_t *ctx;                      /* context object cache for the current state; owned or NULL */
  char *io_text; /* io_of's JSON text as a JSON string literal (the last input or output written); owned or
                    NULL */
  size_t io_len;
  json_t *io_of; /* holds a reference, so the pointer cannot be reused meanwhile */
  /* [0]: where io_text holds each container of io_of, for the next text
   * to copy from; [1]: scratch for that next text (jsonw.h). Owned or NULL
   * (made on the frame's first text). */
  struct sd_jsonw_memo *io_memo; /* the two memos, [io_flip] of io_text (exec.c); owned or NULL */
  bool io_flip;
  /* ResultPath set a member of `input` in place (dataflow.c): until the
   * state is left, the member's value before, for a failure to put back;
   * owned, NULL when the member was absent. */
  json_t *put_old;
  json_t *put_value; /* the member's value now; borrowed from `input` */
  size_t put_index;  /* its place among the members; SIZE_MAX when unknown */
  bool put_pending;
  /* An object the frame let go of (its old input, or the member ResultPath
   * replaced), emptied for the next Parameters to be built in
   * (sd_flow_input); owned or NULL. */
  json_t *spare;
  struct sd_eval_env env; /* what sd_frame_env returns */
  uint32_t epoch;         /* bumped on each entry and retry: stale wakes are dropped */
  int refs;               /* owner + run-queue records */
  bool started;           /* ran its first step (Map iterations log MapIterationStarted then) */
  bool cont;              /* moved to a new state: frame_run goes on with it */
  bool done;
  bool map_iteration;                 /* a Map iteration: MapIteration* events */
  const struct sd_state *owner_state; /* the parent's Map / Parallel state */
  /* Recovery (engine/resume.c): what the frame's row in the store needs. */
  char *key;                 /* place in the tree ("" root, "/3", "/3/0"); owned; made on first use */
  struct sd_frame *dnext;    /* the engine's list of frames to write at the end of the turn */
  struct sd_buf *ended;      /* children ended since the last write, as row text; owned or NULL */
  json_t *resume_timers;     /* restored: [[tag, due], ...] to re-arm once it waits; owned or NULL */
  uint32_t gen, written_gen; /* the row's fields changed / were written at these counts */
  uint32_t chunks;           /* rows of ended children written for the current state */
  bool listed;               /* in that list, which holds a reference */
  bool entered;              /* the current state's Entered event is recorded */
  bool retry_armed;          /* waits for a Retry back-off */
  bool submitted;            /* the task call was accepted (a callback task waits on its token) */
  bool resuming;             /* re-entering a state recorded before a restart: nothing is recorded again */
  bool rows_below;           /* rows of children or of their outputs exist under the key */
  bool keep_rows;            /* the execution's redrive point: its rows stay */
};

/* Whether the frame is re-entering, after a restart, a state whose entry
 * (and Task call) is already recorded: handlers record nothing again. */
bool sd_frame_resuming(const struct sd_frame *f);

/* For a state's restore op: rebuilds the child `index` of `f` recorded in
 * flight, running `m` (`item` stolen, as for sd_frame_spawn), and re-arms
 * what it waited on. NULL with err when its row is missing or damaged. */
struct sd_frame *sd_frame_restore_child(struct sd_frame *f, const struct sd_machine *m, json_t *item,
                                        int index, struct sd_err *err);

/* An env for expressions evaluated by this frame (context object built on
 * demand and cached for the current state). */
const struct sd_eval_env *sd_frame_env(struct sd_frame *f);
/* The context object for the current state; borrowed. */
json_t *sd_frame_context(struct sd_frame *f);

/* Appends a history event for this frame: `details` (stolen; may be NULL) is
 * put under `details_key`. Returns the new event id. */
int64_t sd_frame_event(struct sd_frame *f, const char *type, const char *details_key, json_t *details);

/* Arms a timer `seconds` (virtual) from now; resume() gets SD_WAKE_TIMER with
 * `tag`. Several timers may be armed; sd_frame_timers_clear drops them. */
void sd_frame_timer(struct sd_frame *f, double seconds, int tag);
void sd_frame_timer_at(struct sd_frame *f, int64_t due_ms, int tag);
void sd_frame_timers_clear(struct sd_frame *f);

/* Starts a task through the connectors, after the history recording it is
 * committed (write ahead, then act). `params` is stolen. Result comes as
 * SD_WAKE_TASK_DONE (and SD_WAKE_TASK_SUBMITTED first for callbacks). */
int sd_frame_task_start(struct sd_frame *f, const char *resource, json_t *params, double timeout_s,
                        double heartbeat_s, enum sd_task_kind kind, struct sd_err *err);
/* The same, signed as `role_arn` (the Task's Credentials.RoleArn, copied;
 * NULL = the default credentials). */
int sd_frame_task_start_as(struct sd_frame *f, const char *resource, json_t *params, double timeout_s,
                           double heartbeat_s, enum sd_task_kind kind, const char *role_arn,
                           struct sd_err *err);
void sd_frame_task_cancel(struct sd_frame *f);
/* Cancels the call because it timed out: its token answers TaskTimedOut
 * from now on instead of TaskDoesNotExist. */
void sd_frame_task_timeout(struct sd_frame *f);
/* Whether a connector serves `resource`, before any event records the call:
 * an activity that does not exist fails the state without ActivityScheduled
 * (States.Runtime, "The activity ARN does not exist."), as AWS does. */
int sd_frame_task_check(struct sd_frame *f, const char *resource, enum sd_task_kind kind, struct sd_err *err);

/* Creates the task token for the current state ($$.Task.Token), before
 * Parameters are evaluated; borrowed, valid until the state is left. */
const char *sd_frame_task_token(struct sd_frame *f);

/* Spawns a child frame running `m` from its start state on `input` (stolen).
 * `item` (stolen, may be NULL) is the Map iteration's $$.Map.Item. The child
 * reports SD_WAKE_CHILD_DONE to this frame with `index`. */
struct sd_frame *sd_frame_spawn(struct sd_frame *f, const struct sd_machine *m, json_t *input, json_t *item,
                                int index);
/* Cancels and frees a child that has not reported yet. */
void sd_frame_child_cancel(struct sd_frame *child);

/* Formats AWS's runtime-error cause prefix for the current state:
 * "An error occurred while executing the state 'X' (entered at the event id #N). "
 * and sets err (name kept) to that prefix followed by the old cause. */
void sd_frame_err_in_state(struct sd_frame *f, struct sd_err *err);

/* Data flow helpers shared by the handlers (engine/dataflow.c). */
/* InputPath then Parameters: returns the effective input (new ref) or NULL. */
json_t *sd_flow_input(struct sd_frame *f, struct sd_err *err);
/* ResultSelector, ResultPath, OutputPath applied to `result` (stolen) with
 * f->input as the raw input. Returns the state output (new ref) or NULL. */
json_t *sd_flow_output(struct sd_frame *f, json_t *result, struct sd_err *err);
/* Puts back the member a ResultPath set in f->input in place, when the
 * state fails after its output was computed. */
void sd_flow_undo(struct sd_frame *f);
/* Checks AWS's 256 KiB limit on a value; fails with States.DataLimitExceeded. */
int sd_flow_check_size(struct sd_frame *f, json_t *v, struct sd_err *err);

#endif
