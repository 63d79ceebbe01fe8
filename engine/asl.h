/* The compiled form of a state machine definition: built once by
 * sd_asl_compile, immutable afterwards, shared by all its executions.
 * Names are resolved to indices, paths and templates pre-parsed, Retry and
 * Catch turned into arrays. Each state type compiles its own fields through
 * its sd_state_ops (states/); the engine knows state types only through the
 * table it is given. Not for: validation diagnostics (validate.h). */
#ifndef SD_ENGINE_ASL_H
#define SD_ENGINE_ASL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "engine/str.h"

struct sd_asl_events;
struct sd_err;
struct sd_frame;
struct sd_machine;
struct sd_path;
struct sd_state;
struct sd_tmpl;
struct sd_wake;

/* The query language a state's expressions are written in. Each compiled
 * state records it, so JSONata becomes a second set of compiled expressions
 * behind the same handler table. */
enum sd_qlang { SD_QL_JSONPATH = 0, SD_QL_JSONATA = 1 };

/* What a state handler asks the scheduler to do next. */
enum sd_step {
  SD_STEP_NEXT,    /* f->output set: go to f->next (or the state's Next / End) */
  SD_STEP_WAIT,    /* something is armed (timer, task, children): resume later */
  SD_STEP_FAIL,    /* err set: Retry / Catch of the state apply, else the frame fails */
  SD_STEP_SUCCEED, /* f->output set: the frame ends now (Succeed state) */
  SD_STEP_STOP,    /* the frame already ended (Fail state, after it recorded its event) */
};

/* Compile-time context handed to each state's compile function. */
struct sd_compile {
  const struct sd_state_ops *const *ops; /* NULL-terminated table of state types */
  struct sd_machine *root;
};

struct sd_state_ops {
  const char *type;   /* "Pass", as in the definition */
  const char *events; /* history prefix: "Pass" -> PassStateEntered / PassStateExited */
  bool has_exited;    /* whether AWS records a <events>StateExited event */
  bool has_io;        /* InputPath/OutputPath apply (all but Fail) */
  /* Recorded once when the state fails for good, after Retry gave up and
   * before Catch: "ParallelStateFailed", "MapStateFailed"; NULL for none. */
  const char *failed_event;
  /* Compiles type-specific fields of st->def into st->priv. */
  int (*compile)(struct sd_state *st, struct sd_compile *cc, struct sd_err *err);
  /* The frame entered the state with f->input (or retries it). */
  enum sd_step (*enter)(struct sd_frame *f, struct sd_err *err);
  /* Something the state waited for happened. */
  enum sd_step (*resume)(struct sd_frame *f, struct sd_wake *w, struct sd_err *err);
  /* The frame is being torn down while waiting (stop, timeout, failed branch). */
  void (*cancel)(struct sd_frame *f);
  void (*free)(struct sd_state *st);
  /* Recovery, for a state that waits on child frames (Map, Parallel):
   * rebuilds its runtime after a restart without recording anything, from
   * f->input and `ended` (borrowed: [[index, output] or [index, null,
   * error, cause], ...], the children that ended, in the order they did).
   * `live` (nlive, ascending) are the indices of children recorded in
   * flight, which the handler takes back with sd_frame_restore_child;
   * children neither ended nor live had not started (they have no row:
   * the handler starts them again, as sd_frame_spawn does).
   * Returns what resume would have answered to the last of those ends:
   * WAIT, NEXT (output set) or FAIL (err set). */
  enum sd_step (*restore)(struct sd_frame *f, json_t *ended, const int *live, size_t nlive,
                          struct sd_err *err);
};

struct sd_retrier {
  char **errors; /* owned; ErrorEquals */
  size_t nerrors;
  double interval;  /* IntervalSeconds, default 1 */
  int max_attempts; /* default 3; 0 = never retry */
  double backoff;   /* BackoffRate, default 2.0 */
  double max_delay; /* MaxDelaySeconds; 0 = no cap */
  bool jitter_full; /* JitterStrategy FULL */
};

struct sd_catcher {
  char **errors; /* owned; ErrorEquals */
  size_t nerrors;
  struct sd_path *result_path; /* owned; NULL with result_path_null => discard */
  bool result_path_null;
  int next; /* state index */
};

struct sd_state {
  const struct sd_state_ops *ops;
  struct sd_machine *machine; /* the (sub-)machine holding this state; borrowed */
  char *name;                 /* the tail of ptr ("/States/<name>"): not separately owned */
  char *ptr; /* JSON pointer in the definition, e.g. "/States/Fetch"; in the machine's ptrs */
  int index;
  int next; /* Next as an index; -1 when End or none */
  bool end;
  enum sd_qlang qlang;
  json_t *def; /* the state's JSON, borrowed from the root definition */

  /* JSONPath data flow; NULL paths mean "$" unless the *_null flag says the
   * field was JSON null (discard). */
  struct sd_path *input_path;
  bool input_path_null;
  struct sd_tmpl *parameters;
  struct sd_tmpl *result_selector;
  struct sd_path *result_path;
  bool result_path_null;
  struct sd_path *output_path;
  bool output_path_null;

  struct sd_retrier *retriers; /* owned */
  size_t nretriers;
  struct sd_catcher *catchers; /* owned */
  size_t ncatchers;

  void *priv; /* the state type's compiled fields; freed by ops->free */

  /* History types, built once per state type and shared by its states:
   * borrowed from the root machine's `events`. */
  const char *ev_entered; /* "PassStateEntered" */
  const char *ev_exited;  /* "PassStateExited" */
  const char *ev_aborted; /* "TaskStateAborted" for states that wait (Task, Wait, Map, Parallel), or NULL */
};

struct sd_machine {
  json_t *def;             /* root: owned; sub-machines: borrowed from the root */
  char *ptr;               /* JSON pointer of this machine ("" for the root); owned */
  struct sd_state *states; /* owned */
  size_t nstates;
  int start;
  double timeout_seconds; /* top-level TimeoutSeconds; 0 = none */
  enum sd_qlang qlang;
  struct sd_machine *root;
  /* State name -> index over states[].name (a 1,000-state chain resolves
   * Next in O(n), without a Jansson object's seeded hash and per-key
   * allocations). Owned. */
  struct sd_names names;
  char *ptrs; /* every state's ptr (and name) in one block; owned */
  /* Root only: the history event types of each state type in use, one
   * block per type that its states' ev_* point into (owned). */
  struct sd_asl_events *events;
  size_t nevents;
  int refs; /* root only: executions and engine holding it */
};

/* Compiles the root definition `def` (borrowed; a reference is taken).
 * `ops` is the NULL-terminated table of state types. Returns NULL with err
 * (InvalidDefinition, where = JSON pointer) on anything it cannot compile. */
struct sd_machine *sd_asl_compile(const struct sd_state_ops *const *ops, json_t *def, struct sd_err *err);

/* Compiles a nested machine (Parallel branch, Map ItemProcessor) found at
 * `ptr` in the root definition; used by state compile functions. */
struct sd_machine *sd_asl_compile_sub(struct sd_compile *cc, json_t *def, const char *ptr,
                                      enum sd_qlang qlang, struct sd_err *err);

struct sd_machine *sd_asl_ref(struct sd_machine *m);
void sd_asl_unref(struct sd_machine *m);    /* root machines */
void sd_asl_free_sub(struct sd_machine *m); /* sub-machines, from ops->free */

int sd_asl_find(const struct sd_machine *m, const char *name); /* state index or -1 */

/* True when `name` (an error) matches one of `errors` (ErrorEquals):
 * States.ALL matches every error, States.TaskFailed every error but
 * States.Timeout, and States.Runtime is never matched (it is terminal). */
bool sd_asl_errors_match(char *const *errors, size_t n, const char *name);

#endif
