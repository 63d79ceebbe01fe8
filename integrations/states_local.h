/* A host of nested executions without a server (`stepd run`): the state
 * machines it knows are compiled definitions given by name, and the
 * executions it starts run on the same engine, recorded in its store like
 * the root execution. A machine ARN names a machine by its last part
 * (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME), whatever its region
 * and account, since `stepd run` has no account of its own. Not for: the
 * result shapes (states_exec.c) or loading files (cli/). */
#ifndef SD_INTEGRATIONS_STATES_LOCAL_H
#define SD_INTEGRATIONS_STATES_LOCAL_H

struct sd_engine;
struct sd_machine;
struct sd_states_host;
struct sd_states_local;

struct sd_states_local *sd_states_local_new(void);
/* Frees the host and the executions it started (after the engine). */
void sd_states_local_free(struct sd_states_local *l);
/* Adds the machine `name`; takes a reference to `m`. */
void sd_states_local_add(struct sd_states_local *l, const char *name, struct sd_machine *m);
/* The engine executions start on; set before the loop runs. */
void sd_states_local_set_engine(struct sd_states_local *l, struct sd_engine *eng);
/* Fills `out` with the host (its self is `l`, borrowed). */
void sd_states_local_host(struct sd_states_local *l, struct sd_states_host *out);

#endif
