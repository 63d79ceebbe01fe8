/* What `stepd serve` knows about state machines and executions, in memory.
 * State machines live only here in this first slice (a restart forgets them;
 * docs/server.md); execution rows and history are also in the store, written
 * by the engine. Not for: HTTP or JSON shapes (api_*.c). */
#ifndef SD_SERVER_REGISTRY_H
#define SD_SERVER_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "engine/exec.h"

struct sd_machine;

struct sd_reg_machine {
  char *arn;        /* owned */
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
};

struct sd_reg_exec {
  char *arn;         /* owned */
  char *name;        /* owned */
  char *machine_arn; /* owned */
  char *input;       /* the input text as given; owned */
  char *output;      /* JSON text once SUCCEEDED; owned or NULL */
  char *error;       /* owned or NULL */
  char *cause;       /* owned or NULL */
  enum sd_exec_status status;
  int64_t start_ms;
  int64_t stop_ms;                /* 0 while running */
  struct sd_exec *ex;             /* owned; kept until the registry is freed (docs/server.md) */
  struct sd_reg_machine *machine; /* the machine it ran; borrowed from the registry, which keeps it */
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
/* Live machines in creation order: the i-th, or NULL past the end. */
size_t sd_registry_machine_count(const struct sd_registry *r);
struct sd_reg_machine *sd_registry_machine_at(struct sd_registry *r, size_t i);

struct sd_reg_exec *sd_registry_exec(struct sd_registry *r, const char *arn);
/* Adds an execution record (fields stolen, as above). */
struct sd_reg_exec *sd_registry_exec_add(struct sd_registry *r, const struct sd_reg_exec *x);
/* All executions in start order: the i-th, or NULL past the end. */
size_t sd_registry_exec_count(const struct sd_registry *r);
struct sd_reg_exec *sd_registry_exec_at(struct sd_registry *r, size_t i);
/* Copies the sd_exec's end (status, output, error, cause) into the record
 * and releases its machine's running count. */
void sd_registry_exec_closed(struct sd_registry *r, struct sd_reg_exec *x, int64_t stop_ms);

#endif
