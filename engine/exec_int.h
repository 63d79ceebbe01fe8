/* Internals shared by the scheduler's files (exec.c, resume.c, clock.c,
 * task.c, context.c, dataflow.c). Not for: states/ or integrations/, which see only
 * exec.h. */
#ifndef SD_ENGINE_EXEC_INT_H
#define SD_ENGINE_EXEC_INT_H

#include "engine/exec.h"

#include <stdint.h>

#include "engine/alloc.h"

struct sd_writer;

/* Timer tags the scheduler keeps for itself (handlers use tags >= 0). */
#define SD_TAG_RETRY        (-1)
#define SD_TAG_EXEC_TIMEOUT (-2)

/* A virtual-clock timer: due in engine time, ordered by (due, seq). */
struct sd_timer {
  int64_t due;
  uint64_t seq;
  size_t hidx; /* position in the heap */
  struct sd_frame *frame;
  uint32_t epoch;
  int tag;
  struct sd_timer *fnext; /* the frame's list of armed timers */
};

/* A unit of work in the run queue: enter the frame's current state,
 * deliver a wake, or act on a step a restored state decided (resume.c).
 * `epoch` drops wakes meant for a state the frame left. */
enum rec_kind { REC_ENTER, REC_WAKE, REC_STEP };
struct sd_rec {
  struct sd_rec *next;
  struct sd_frame *frame; /* holds a reference */
  uint32_t epoch;
  enum rec_kind kind;
  enum sd_step step; /* REC_STEP; its error in wake.err */
  struct sd_wake wake;
};

struct sd_engine {
  uv_loop_t *loop;
  const struct sd_state_ops *const *ops;
  struct sd_connector *conns;
  size_t nconns;
  struct sd_store *store;
  struct sd_writer *writer; /* NULL without a store */
  sd_exec_row_fn row_fn;    /* sd_engine_set_row_fn; may be NULL */
  void *row_data;
  double wait_scale;
  bool limits;
  char *region;
  char *account;

  struct sd_rec *rq_head, *rq_tail; /* run queue */
  uv_idle_t idle;                   /* active while the run queue is not empty */
  uv_timer_t timer;                 /* armed for the earliest virtual timer */
  struct sd_timer **heap;
  size_t nheap, capheap;
  uint64_t timer_seq;
  int64_t epoch_base;       /* wall-clock ms at start */
  uint64_t uv_base;         /* uv_now at start */
  int64_t offset;           /* virtual clock jumps, ms */
  size_t inflight;          /* task calls in flight */
  struct sd_tokens *tokens; /* calls waiting on a task token (tokens.h); owned, made on first use */
  struct sd_frame *dirty;   /* frames to write at the end of the turn (resume.c); each holds a reference */
  uint64_t rng;
  struct sd_buf evtext; /* scratch: the details text of an input or output event (exec.c) */
  int closing;          /* handles still to close */
};

struct sd_exec {
  struct sd_engine *eng;
  struct sd_machine *machine; /* holds a reference */
  /* The fixed strings live in `strs`, after the struct, in the same
   * allocation: an execution parked for an hour costs its bytes and the
   * allocator's per-chunk overhead, and these six would be six chunks. */
  const char *arn;
  const char *name;
  const char *machine_arn;
  const char *machine_name;
  const char *role_arn;
  const char *type;
  /* The input is kept once, as text (what the row, ExecutionStarted and
   * DescribeExecution give); $$.Execution.Input parses it when read. */
  char *input_text; /* owned */
  size_t input_len;
  /* $$.Execution and $$.StateMachine, built on the first `$$` read
   * (context.c) and dropped when the root parks in a timer; owned or NULL. */
  json_t *ctx_exec;
  json_t *ctx_sm;
  int64_t start_ms;
  int64_t stop_ms; /* as last written to the row; 0 while running */
  int64_t last_id; /* history ids */
  enum sd_exec_status status;
  bool over_limit;     /* reached AWS's history event limit */
  bool no_history;     /* sd_exec_opts.no_history: events are counted, not written */
  char *tag;           /* sd_exec_opts.tag; owned or NULL */
  json_t *restoring;   /* sd_exec_resume: the frame rows being restored; borrowed, during the call */
  char *redrive_point; /* the root's row kept when it closes unsuccessfully (resume.c); owned or NULL */
  int redrive_count;   /* RedriveExecution: times redriven */
  int64_t redrive_ms;  /* and when last; 0 = never */
  json_t *output;      /* owned, SUCCEEDED */
  struct sd_err err;   /* FAILED / TIMED_OUT / ABORTED */
  struct sd_frame *root;
  struct sd_timer *timeout; /* top-level TimeoutSeconds */
  sd_exec_done_fn done;
  void *data;
  char strs[]; /* the fixed strings above */
};

/* Frame fields the scheduler keeps private live in the public struct; these
 * helpers act on them. */
void sd_rq_push(struct sd_engine *eng, struct sd_rec *r, bool front);
struct sd_rec *sd_rec_new(struct sd_frame *f, enum rec_kind kind);
void sd_frame_ref(struct sd_frame *f);
void sd_frame_unref(struct sd_frame *f);

/* exec.c, for resume.c */
struct sd_frame *sd_frame_new(struct sd_exec *ex, struct sd_frame *parent, const struct sd_machine *m,
                              json_t *input); /* input stolen */
/* The execution's fields; `text` (stolen), `len` bytes long, is its
 * input's JSON text. */
struct sd_exec *sd_exec_new(struct sd_engine *eng, const struct sd_exec_opts *o, char *text, size_t len,
                            int64_t start_ms);
/* Queues the execution's row (with its redrive point once closed). */
void sd_exec_row(struct sd_exec *ex);
/* Arms the execution's TimeoutSeconds, counted from its start. */
void sd_exec_arm_timeout(struct sd_exec *ex);

/* resume.c: the frame rows that let a restart resume executions. */
/* Puts the frame on the list written at the end of the turn. */
void sd_resume_touch(struct sd_frame *f);
/* A child of `parent` ended with `output` (borrowed) or `err`: its outcome
 * goes into the parent's next row of ended children. `text` (borrowed, may
 * be NULL) is output's JSON as a JSON string literal when the caller has
 * it (the frame's io_text). */
void sd_resume_child_ended(struct sd_frame *parent, int index, json_t *output, const char *text,
                           const struct sd_err *err);
/* The frame left a state with children (or retries it): their rows go. */
void sd_resume_drop_rows(struct sd_frame *f);
/* After a restored frame re-entered its state: the recorded due times of
 * its timers replace the ones the state armed anew. */
void sd_resume_timers(struct sd_frame *f, enum sd_step step);
/* The execution closes unsuccessfully with its root in this frame: its
 * rows stay as the point RedriveExecution starts again from. */
void sd_resume_keep(struct sd_frame *root);
/* The writer's hand-off hook (writer.h): writes the listed frames. */
void sd_resume_flush(void *eng);

/* Drops what the frame's text cache holds of `v` (exec.c): its text no
 * longer stands for v, and the caller may hold v's only reference. */
void sd_frame_io_release(struct sd_frame *f, json_t *v);

/* Drops `v` (stolen), keeping it emptied as the frame's spare object when
 * it is a small object only the frame held (exec.c). */
void sd_frame_recycle(struct sd_frame *f, json_t *v);

/* dataflow.c: when a ResultPath set a member of f->input in place in the
 * current state, its place among the members and its value (borrowed). */
bool sd_flow_put_member(struct sd_frame *f, size_t *index, json_t **value);

/* clock.c */
void sd_clock_init(struct sd_engine *eng);
struct sd_timer *sd_clock_add(struct sd_engine *eng, int64_t due, struct sd_frame *f, int tag);
void sd_clock_remove(struct sd_engine *eng, struct sd_timer *t);
void sd_clock_rearm(struct sd_engine *eng);

/* task.c */
void sd_task_cancel_call(struct sd_frame *f);
void sd_task_tokens_free(struct sd_engine *eng);

/* context.c */
json_t *sd_ctx_build(struct sd_frame *f); /* new reference */
/* Drops the context objects cached for a frame parked in a timer (and,
 * for the root, the execution's): they are rebuilt when next read. */
void sd_ctx_drop(struct sd_frame *f);
char *sd_new_uuid(uint64_t *rng);
/* A version 7 UUID (time-ordered) for the time `ms` (context.c). */
char *sd_new_uuid7(uint64_t *rng, int64_t ms);

#endif
