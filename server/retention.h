/* Retention of closed executions (`stepd serve --retention DAYS`): a timer
 * on the engine's loop purges, in small batches off the loop thread, the
 * executions that closed more than DAYS ago, with their history
 * (sd_store_purge). Not for: deciding what is kept otherwise (the store). */
#ifndef SD_SERVER_RETENTION_H
#define SD_SERVER_RETENTION_H

#include <stdbool.h>

struct sd_engine;
struct sd_retention;
struct sd_store;

/* Starts sweeping `store` (borrowed; outlives the loop run): with `worker`,
 * a handle nothing else uses, purged on a libuv worker; without, the
 * engine's own handle (:memory:), purged inside a writer barrier. `days`
 * > 0 (fractions allowed, for tests). The timer keeps no loop alive. */
struct sd_retention *sd_retention_start(struct sd_engine *eng, struct sd_store *store, bool worker,
                                        double days);
/* Stops sweeping; frees itself once a batch in flight has finished. */
void sd_retention_close(struct sd_retention *r);

#endif
