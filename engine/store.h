/* The storage interface: what the engine needs from a database, and nothing
 * about SQL (which lives only in store_sqlite.c). Implemented for SQLite now;
 * a PostgreSQL backend can implement the same calls later.
 *
 * Threading: a store handle is used by one thread at a time. The engine's
 * writer (writer.h) calls sd_store_write from a libuv worker, with at most
 * one write in flight; readers on the loop thread use their own handle
 * (sd_store_open on the same file) or call in between writes. */
#ifndef SD_ENGINE_STORE_H
#define SD_ENGINE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct sd_err;
struct sd_store;
struct sd_store_batch;

/* A string column of a row a store read returned (an object of column
 * values): borrowed from the row; `dflt` when the column is absent or
 * NULL. */
static inline const char *sd_store_row_str(json_t *row, const char *key, const char *dflt) {
  const char *v = json_string_value(json_object_get(row, key));
  return v ? v : dflt;
}

/* One execution row. Strings are borrowed by the setters, copied into the batch. */
struct sd_store_exec {
  const char *arn;
  const char *name;
  const char *machine_arn;
  const char *status; /* RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED */
  const char *input;  /* JSON text */
  const char *output; /* JSON text or NULL */
  const char *error;  /* NULL unless failed */
  const char *cause;
  int64_t start_ms;
  int64_t stop_ms; /* 0 while running */
  /* The recovery snapshot of a RUNNING execution's root frame (JSON text
   * the engine alone reads; the frame row of key ""), written in the same
   * transaction as the row; NULL keeps the stored one. A closed row drops
   * every frame row of the execution, unless it has one: then that is its
   * redrive point and the other rows stay with it. */
  const char *frame;
  int redrive_count; /* RedriveExecution: times redriven, and when last (0 = never) */
  int64_t redrive_ms;
  /* What only `stepd serve` knows, kept when 0 / NULL (so a row written
   * without them never erases them): the revision of the machine it runs
   * (its updated_ms; sd_store_exec_get's "machine_rev_ms"), and the version
   * and alias it was started through. */
  int64_t machine_rev_ms;
  const char *version_arn;
  const char *alias_arn;
};

/* One frame row of a RUNNING execution (engine/resume.c writes them; the
 * store keeps them verbatim). `key` names the frame's place in the tree;
 * `snapshot` NULL deletes the row, and `prefix` deletes every row whose
 * key starts with `key` instead. Rows go with the execution's close. */
struct sd_store_frame {
  const char *exec_arn;
  const char *key;
  const char *snapshot; /* JSON text, or NULL */
  bool prefix;
};

/* One history event as GetExecutionHistory returns it. `details` is the JSON
 * text of the event's `<type>EventDetails` object (NULL for none); the store
 * keeps it verbatim so reading back needs no knowledge of event types. */
struct sd_store_event {
  const char *exec_arn;
  int64_t id;
  int64_t prev_id; /* 0 = none */
  int64_t ts_ms;
  const char *type;        /* "PassStateEntered" */
  const char *details_key; /* "stateEnteredEventDetails" or NULL */
  const char *details;     /* JSON text or NULL */
  size_t details_len;      /* its bytes when the caller knows them; 0: measured with strlen */
};

/* Opens (creating, migrating) the database at `path`; NULL or ":memory:"
 * gives a private in-memory database. WAL mode for files. */
struct sd_store *sd_store_open(const char *path, struct sd_err *err);
/* A private in-memory database for one `stepd run`: executions, their
 * history and frames only, without `stepd serve`'s tables (machines,
 * activities, schedules) and the indexes that list executions, which
 * halves what opening it costs (callgrind: 2.9M -> 1.4M instructions, a
 * one-state run's critical path). The calls for those tables fail on it. */
struct sd_store *sd_store_open_private(struct sd_err *err);
void sd_store_close(struct sd_store *s);

/* Batches are built on the loop thread and written by one call. */
struct sd_store_batch *sd_store_batch_new(void);
void sd_store_batch_free(struct sd_store_batch *b);
/* Empties a batch for reuse, keeping its arrays (the writer alternates
 * two batches rather than growing a new one per loop turn). */
void sd_store_batch_reset(struct sd_store_batch *b);
size_t sd_store_batch_len(const struct sd_store_batch *b);
/* A later row of the same execution replaces an earlier one of the batch
 * when that one is a RUNNING row without a frame (whose only effect is the
 * row itself): an execution that starts and closes within one batch is
 * written once, in its final state. */
void sd_store_batch_put_exec(struct sd_store_batch *b, const struct sd_store_exec *row);
void sd_store_batch_add_event(struct sd_store_batch *b, const struct sd_store_event *ev);
/* Frame rows are written in the order they were put, before the batch's
 * execution rows and events. */
void sd_store_batch_put_frame(struct sd_store_batch *b, const struct sd_store_frame *fr);

/* Writes the whole batch in one transaction. */
int sd_store_write(struct sd_store *s, struct sd_store_batch *b, struct sd_err *err);

/* Reads one page of an execution's history as GetExecutionHistory's
 * `events` array: events with id > after_id (or < before_id when reverse;
 * 0 = from the start/end), at most `limit` (0 = all). Returns a new array
 * or NULL with err. */
json_t *sd_store_history(struct sd_store *s, const char *exec_arn, int64_t from_id, size_t limit,
                         bool reverse, struct sd_err *err);

/* Reads an execution row as a new JSON object with the fields of
 * struct sd_store_exec (input/output as text); NULL with err
 * ("ExecutionDoesNotExist") when absent. */
json_t *sd_store_exec_get(struct sd_store *s, const char *arn, struct sd_err *err);

/* Whether an execution row exists: *id is its key, 0 when there is none.
 * 0, or -1 with err. (StartExecution's name check: one index probe, where
 * sd_store_exec_get reads the whole row.) */
int sd_store_exec_find(struct sd_store *s, const char *arn, int64_t *id, struct sd_err *err);

/* ---- state machines (`stepd serve`) ---- */

/* One state machine row. Strings are borrowed. */
struct sd_store_machine {
  const char *arn;
  const char *name;
  const char *type;       /* STANDARD | EXPRESS */
  const char *definition; /* the text as given */
  const char *role_arn;
  const char *logging; /* loggingConfiguration as JSON text, or NULL */
  const char *tracing; /* tracingConfiguration as JSON text, or NULL */
  const char *tags;    /* {key: value} as JSON text; NULL = {} */
  const char *status;  /* ACTIVE | DELETING; NULL = ACTIVE */
  int64_t creation_ms;
  int64_t updated_ms;
  const char *revision_id; /* AWS's revisionId of this revision; NULL before the first update */
  const char *versions;    /* published versions as JSON text (the registry's format), or NULL */
  const char *aliases;     /* aliases as JSON text, or NULL */
  int64_t next_version;    /* the number the next published version gets (never reused); 0 = 1 */
};

/* Inserts or replaces the row of m->arn, and records its revision (one
 * transaction). */
int sd_store_machine_put(struct sd_store *s, const struct sd_store_machine *m, struct sd_err *err);
/* Removes a machine's row; no row is no error. */
int sd_store_machine_delete(struct sd_store *s, const char *arn, struct sd_err *err);
/* A machine's row as a new object with the fields of struct
 * sd_store_machine (NULL columns left out; creation_ms, updated_ms as
 * integers); NULL with err ("StateMachineDoesNotExist") when absent. */
json_t *sd_store_machine_get(struct sd_store *s, const char *arn, struct sd_err *err);
/* The revision of machine `arn` updated at `updated_ms` (every put records
 * one): a new {"arn", "updated_ms", "name", "definition", "role_arn",
 * "revision_id" (left out when NULL)}, or
 * NULL with err ("StateMachineDoesNotExist"). */
json_t *sd_store_machine_revision(struct sd_store *s, const char *arn, int64_t updated_ms,
                                  struct sd_err *err);
/* Rows with arn > after_arn (NULL = from the start) in ARN order, at most
 * `limit` (0 = all), as a new array of such objects; NULL with err. */
json_t *sd_store_machine_list(struct sd_store *s, const char *after_arn, size_t limit, struct sd_err *err);

/* ListExecutions: a machine's executions (with `status`, or any when NULL)
 * whose key (start_ms, id) is below (before_start_ms, before_id), newest
 * first, at most `limit` (0 = all). A new array of {"arn", "name",
 * "machine_arn", "status", "start_ms", "stop_ms", "id"}; `id` is the row's
 * key, for the next page. NULL with err. */
json_t *sd_store_exec_list(struct sd_store *s, const char *machine_arn, const char *status,
                           int64_t before_start_ms, int64_t before_id, size_t limit, struct sd_err *err);
/* The same for the executions started through a version (`alias_arn`
 * NULL) or through an alias; items also carry "version_arn" and
 * "alias_arn" when set. */
json_t *sd_store_exec_list_qualified(struct sd_store *s, const char *version_arn, const char *alias_arn,
                                     const char *status, int64_t before_start_ms, int64_t before_id,
                                     size_t limit, struct sd_err *err);
/* Records the version and alias (each may be NULL) an execution was
 * started through; sd_store_exec_get returns them as "version_arn" and
 * "alias_arn". A missing row is no error. */
int sd_store_exec_qualify(struct sd_store *s, const char *arn, const char *version_arn, const char *alias_arn,
                          struct sd_err *err);

/* Groups the single-statement writes that follow (sd_store_exec_qualify,
 * sd_store_machine_delete) into one transaction, so
 * that many rows cost one commit. ROLLBACK takes a NULL err. */
enum sd_store_tx_op { SD_STORE_TX_BEGIN, SD_STORE_TX_COMMIT, SD_STORE_TX_ROLLBACK };
int sd_store_tx(struct sd_store *s, enum sd_store_tx_op op, struct sd_err *err);

/* Retention: deletes, in one transaction, up to `limit` closed executions
 * that stopped before `before_ms`, with their history. *purged says how
 * many; fewer than `limit` means none is left. 0, or -1 with err. */
int sd_store_purge(struct sd_store *s, int64_t before_ms, size_t limit, size_t *purged, struct sd_err *err);

/* Recovery (`stepd serve` start): every RUNNING execution, as a new array
 * of {"arn", "name", "machine_arn", "input", "start_ms", "last_id",
 * "frames", "version_arn", "alias_arn"}: last_id is its last committed
 * event id (0 for none), "frames" an object of its frame rows, key to
 * snapshot text ({} when none was written); "version_arn" and "alias_arn"
 * when it was started through them. NULL with err. */
json_t *sd_store_exec_running(struct sd_store *s, struct sd_err *err);

/* RedriveExecution: the frame rows of one execution (as "frames" of
 * sd_store_exec_running), {} when none; NULL with err. sd_store_exec_get
 * gives "redrive_count", "redrive_ms" and "frame" (its "" row, if any). */
json_t *sd_store_exec_frames(struct sd_store *s, const char *arn, struct sd_err *err);

/* ---- activities (`stepd serve`) ---- */

/* Inserts or replaces an activity row. */
int sd_store_activity_put(struct sd_store *s, const char *arn, const char *name, int64_t creation_ms,
                          struct sd_err *err);
/* Removes an activity row; no row is no error. */
int sd_store_activity_delete(struct sd_store *s, const char *arn, struct sd_err *err);
/* Every activity as a new array of {"arn", "name", "creation_ms"}, in
 * creation order; NULL with err. */
json_t *sd_store_activity_list(struct sd_store *s, struct sd_err *err);

/* ---- schedules (`stepd serve`, docs/schedules.md) ---- */

/* One schedule row. Strings are borrowed. */
struct sd_store_schedule {
  const char *group; /* schedule group ("default") */
  const char *name;
  const char *doc; /* the schedule as GetSchedule answers it, JSON text */
};

/* Inserts a schedule, or replaces the doc of an existing one; its fire
 * marks (sd_store_schedule_fired) are kept. */
int sd_store_schedule_put(struct sd_store *s, const struct sd_store_schedule *row, struct sd_err *err);
/* Records a schedule's fire marks, in ms: `claimed_ms` is written before
 * the fire's execution starts, `done_ms` once its start is committed. No
 * row is no error (the schedule was deleted meanwhile). */
int sd_store_schedule_fired(struct sd_store *s, const char *group, const char *name, int64_t claimed_ms,
                            int64_t done_ms, struct sd_err *err);
/* Removes a schedule's row; no row is no error. */
int sd_store_schedule_delete(struct sd_store *s, const char *group, const char *name, struct sd_err *err);
/* Every schedule, ordered by group and name, as a new array of {"group",
 * "name", "doc" (text), "claimed_ms", "done_ms"}; NULL with err. */
json_t *sd_store_schedule_list(struct sd_store *s, struct sd_err *err);

/* ---- one owner per database file ---- */

/* Takes the owner's lock of the database at `path`: flock(LOCK_EX) on
 * "<path>-lock", held until sd_store_unlock or exit (the kernel drops it
 * when the process dies, so a crash leaves no stale lock). Returns the
 * lock's descriptor, or -1 with err ("DatabaseInUse" when another process
 * holds it). Readers need no lock (docs/storage.md). */
int sd_store_lock(const char *path, struct sd_err *err);
void sd_store_unlock(int fd);

#endif
