/* What `stepd serve` knows about state machines and executions, in memory.
 * State machines are loaded from the store at start-up and written through
 * to it on every change (on a worker, in order); executions are here only
 * while they run: once closed and recorded they are freed, and the store
 * answers for them (docs/server.md). Not for: HTTP or JSON shapes (api_*.c). */
#ifndef SD_SERVER_REGISTRY_H
#define SD_SERVER_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "engine/exec.h"

struct sd_err;
struct sd_machine;
struct sd_state_ops;
struct sd_store;

/* A state machine alias: one or two versions and their weights
 * (CreateStateMachineAlias's routingConfiguration). */
struct sd_reg_alias {
  char *arn;         /* "<machine ARN>:<name>"; owned */
  char *name;        /* owned */
  char *description; /* owned or NULL */
  int64_t created_ms;
  int64_t updated_ms;
  size_t nroutes; /* 1 or 2 */
  struct {
    int64_t version; /* a version number of the alias's machine */
    int weight;      /* 0-100; the weights sum to 100 */
  } routes[2];
};

struct sd_reg_machine {
  char *arn;        /* the machine's, or for a version "<machine ARN>:<N>"; owned */
  char *name;       /* owned */
  char *definition; /* the text as given; owned */
  char *role_arn;   /* owned */
  char *type;       /* "STANDARD" | "EXPRESS"; owned */
  int64_t created_ms;
  int64_t updated_ms;   /* this revision's date (creation, or the last UpdateStateMachine) */
  struct sd_machine *m; /* compiled; holds a reference */
  json_t *tags;         /* {key: value} in the order added; owned (shared by the ARN's revisions) */
  int running;          /* executions of this ARN still RUNNING, over all revisions */
  bool deleted;         /* DeleteStateMachine called: DELETING while running > 0 */
  char *revision_id;    /* AWS's revisionId of this revision; owned; NULL until an update changes it */
  int64_t version;      /* 0 for the machine itself; N for its published version N */
  char *description;    /* a version's description; owned or NULL */
  /* The live (unqualified) record only; UpdateStateMachine moves them to
   * the record that replaces it. Versions are records of their own (an
   * execution started on one points at it); a deleted one moves to the
   * registry's kept records. */
  struct sd_reg_machine **versions; /* owned, by number */
  size_t nversions;
  struct sd_reg_alias **aliases; /* owned, creation order */
  size_t naliases;
  int64_t next_version; /* numbers are never reused (AWS) */
};

/* Told once when an execution closes, with the execution still alive
 * (nested .sync tasks wait on their child this way). */
typedef void (*sd_reg_watch_fn)(void *data, struct sd_exec *ex, int64_t stop_ms);
struct sd_reg_watch {
  struct sd_reg_watch *next;
  sd_reg_watch_fn fn;
  void *data;
};

/* The fields of struct sd_reg_exec that may borrow the sd_exec's strings. */
enum {
  SD_REG_LENT_ARN = 1,
  SD_REG_LENT_NAME = 2,
  SD_REG_LENT_MACHINE = 4,
  SD_REG_LENT_INPUT = 8,
};

/* arn, name, machine_arn and input are usually the sd_exec's own strings
 * (the bits in `lent`), not copies: 100,000 parked executions would hold
 * each twice. The record and its sd_exec are freed together
 * (sd_registry_exec_remove). */
struct sd_reg_exec {
  char *arn;         /* owned, or lent by ex */
  char *name;        /* owned, or lent by ex */
  char *machine_arn; /* the unqualified machine ARN; owned, or lent by ex */
  char *version_arn; /* the version it was started on (directly or through an alias); owned or NULL */
  char *alias_arn;   /* the alias it was started through; owned or NULL */
  char *input;       /* the input text as given; owned, or lent by ex when its text is the same */
  char *output;      /* JSON text once SUCCEEDED; owned or NULL */
  char *error;       /* owned or NULL */
  char *cause;       /* owned or NULL */
  enum sd_exec_status status;
  int64_t start_ms;
  int64_t stop_ms;   /* 0 while running */
  int redrive_count; /* copied from ex when it closes */
  int64_t redrive_ms;
  struct sd_exec *ex;             /* owned; freed with the record once closed (sd_registry_exec_remove) */
  struct sd_reg_machine *machine; /* the machine it ran; borrowed from the registry, which keeps it */
  struct sd_reg_watch *watchers;  /* owned; called and freed by sd_registry_exec_closed */
  unsigned lent;                  /* SD_REG_LENT_*: the fields above that are ex's (sd_registry_exec_add) */
};

struct sd_registry;

struct sd_registry *sd_registry_new(void);
/* Frees every record and finished sd_exec. Executions still running are
 * left to the process (see sd_registry_free in registry.c). */
void sd_registry_free(struct sd_registry *r);

/* The live (not fully deleted) machine with this ARN, or NULL. */
struct sd_reg_machine *sd_registry_machine(struct sd_registry *r, const char *arn);
/* Adds a machine; every field of `m` is stolen. Returns the record. */
struct sd_reg_machine *sd_registry_machine_add(struct sd_registry *r, const struct sd_reg_machine *m);
/* UpdateStateMachine: `m` (fields stolen) takes `old`'s place under the
 * same ARN; `old` is kept for the executions that ran it. */
struct sd_reg_machine *sd_registry_machine_replace(struct sd_registry *r, struct sd_reg_machine *old,
                                                   const struct sd_reg_machine *m);
/* Marks a machine deleted; it disappears once nothing runs on it. */
void sd_registry_machine_delete(struct sd_registry *r, struct sd_reg_machine *m);
/* ---- versions and aliases (registry_versions.c) ---- */

/* The version a version ARN ("<machine ARN>:<N>") names, on a live machine
 * (its record is set in *machine when not NULL); NULL when none. */
struct sd_reg_machine *sd_registry_version(struct sd_registry *r, const char *arn,
                                           struct sd_reg_machine **machine);
/* The alias an alias ARN ("<machine ARN>:<name>") names, or NULL. */
struct sd_reg_alias *sd_registry_alias(struct sd_registry *r, const char *arn,
                                       struct sd_reg_machine **machine);
/* The version of `m` that snapshots its current revision, or NULL. */
struct sd_reg_machine *sd_registry_version_current(struct sd_reg_machine *m);
/* Publishes m's current revision as version m->next_version (copied
 * fields, the compiled machine shared). Returns the version. */
struct sd_reg_machine *sd_registry_version_add(struct sd_registry *r, struct sd_reg_machine *m,
                                               const char *description, int64_t created_ms);
/* Removes version `v` of `m`; its record stays for its executions. */
void sd_registry_version_delete(struct sd_registry *r, struct sd_reg_machine *m, struct sd_reg_machine *v);
/* Adds `a` (fields stolen) to m's aliases; returns the record. */
struct sd_reg_alias *sd_registry_alias_add(struct sd_reg_machine *m, const struct sd_reg_alias *a);
void sd_registry_alias_delete(struct sd_reg_machine *m, struct sd_reg_alias *a);
void sd_registry_alias_free(struct sd_reg_alias *a);
/* m's versions and aliases as the JSON text kept in the store (new
 * strings), and back: sd_registry_versions_load compiles each version from
 * its stored revision (read from `store`) and adds it to `m`. */
char *sd_registry_versions_dump(const struct sd_reg_machine *m);
char *sd_registry_aliases_dump(const struct sd_reg_machine *m);
void sd_registry_versions_load(struct sd_registry *r, struct sd_reg_machine *m, json_t *row,
                               struct sd_store *store, const struct sd_state_ops *const *ops);
/* Keeps a record nothing lists any more but executions may point at. */
void sd_registry_keep(struct sd_registry *r, struct sd_reg_machine *m);

/* Live machines in creation order: the i-th, or NULL past the end. */
size_t sd_registry_machine_count(const struct sd_registry *r);
struct sd_reg_machine *sd_registry_machine_at(struct sd_registry *r, size_t i);

struct sd_reg_exec *sd_registry_exec(struct sd_registry *r, const char *arn);
/* Adds an execution record (fields stolen, as above). With `ex` set, a
 * NULL arn, name, machine_arn or input borrows the sd_exec's (its ARN,
 * name, machine ARN, input text), and so does an owned copy equal to it
 * (which is freed): the record's `lent` says which. */
struct sd_reg_exec *sd_registry_exec_add(struct sd_registry *r, const struct sd_reg_exec *x);
/* All executions in start order: the i-th, or NULL past the end. */
size_t sd_registry_exec_count(const struct sd_registry *r);
struct sd_reg_exec *sd_registry_exec_at(struct sd_registry *r, size_t i);
/* Copies the sd_exec's end (status, output, error, cause) into the record,
 * releases its machine's running count and tells its watchers. */
void sd_registry_exec_closed(struct sd_registry *r, struct sd_reg_exec *x, int64_t stop_ms);
/* Adds a watcher to a RUNNING execution's record. */
void sd_registry_exec_watch(struct sd_reg_exec *x, sd_reg_watch_fn fn, void *data);
/* Frees a closed execution's record and its sd_exec (allowed from the
 * execution's done callback); the store answers for it from then on. */
void sd_registry_exec_remove(struct sd_registry *r, struct sd_reg_exec *x);

/* ---- persistence of state machines ---- */

typedef void (*sd_registry_cb)(void *data, int status);

/* Start-up: adds every machine of `store` (read synchronously, before the
 * loop runs), compiled with `ops`, in creation order. Rows left DELETING by
 * an earlier run are removed (nothing runs on them any more). A definition
 * that no longer compiles is logged and skipped. 0, or -1 with err. */
int sd_registry_load(struct sd_registry *r, struct sd_store *store, const struct sd_state_ops *const *ops,
                     struct sd_err *err);
/* From now on machine changes are written to `store` (borrowed; a handle
 * used by nothing else) on a worker of `loop`, one write at a time, in the
 * order they were made. Without this call nothing is written (:memory:). */
void sd_registry_persist(struct sd_registry *r, uv_loop_t *loop, struct sd_store *store);
/* Writes the machine's current state: its live record (ACTIVE or DELETING),
 * or the removal of its row when it is gone. cb(data, 0) once committed,
 * -1 if the write failed; with no store attached, cb is called at once. cb
 * may be NULL. The registry reaps deleted machines itself (their rows go). */
void sd_registry_machine_save(struct sd_registry *r, const char *arn, sd_registry_cb cb, void *data);
/* Records the version and alias an execution was started through
 * (sd_store_exec_qualify) in the same queue; cb as above. */
void sd_registry_exec_qualify_save(struct sd_registry *r, const char *arn, const char *version_arn,
                                   const char *alias_arn, sd_registry_cb cb, void *data);
/* Writes still queued or in flight (shutdown waits for none). */
size_t sd_registry_saves_pending(const struct sd_registry *r);

/* Writes an activity (`name` NULL: its removal), queued behind the
 * machine writes; cb as for sd_registry_machine_save. */
void sd_registry_activity_save(struct sd_registry *r, const char *arn, const char *name, int64_t creation_ms,
                               sd_registry_cb cb, void *data);

#endif
