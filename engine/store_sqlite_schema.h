/* The SQL of `stepd run`'s tables (schema_runs in store_sqlite.c), shared
 * with the build-time program that makes the private store's empty image
 * (engine/gen/store_image.c), so that the two cannot drift. A macro, not
 * data: each includer makes its own string of it. Not for the rest of the
 * schema, which stays in store_sqlite.c with the migrations it squashes. */
#ifndef SD_ENGINE_STORE_SQLITE_SCHEMA_H
#define SD_ENGINE_STORE_SQLITE_SCHEMA_H

/* Columns that migration steps add with ALTER TABLE come last, in the
 * order the steps add them (the step's number in the comment), so that a
 * fresh database and a migrated one have the same column order. */
#define SD_SQLITE_SCHEMA_RUNS                                                                                \
  "CREATE TABLE executions ("                                                                                \
  "  id INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE,"                                                      \
  "  name TEXT, machine_arn TEXT, status TEXT,"                                                              \
  "  input TEXT, output TEXT, error TEXT, cause TEXT,"                                                       \
  "  start_ms INTEGER NOT NULL DEFAULT 0, stop_ms INTEGER NOT NULL DEFAULT 0,"                               \
  "  machine_rev_ms INTEGER,"                                                           /* 2 */              \
  "  version_arn TEXT, alias_arn TEXT,"                                                 /* 4 */              \
  "  redrive_count INTEGER NOT NULL DEFAULT 0, redrive_ms INTEGER NOT NULL DEFAULT 0);" /* 7 */              \
  "CREATE TABLE history (k INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, events TEXT NOT NULL);"            \
  "CREATE TABLE exec_frames (exec_id INTEGER NOT NULL, key TEXT NOT NULL, snapshot TEXT NOT NULL,"           \
  "  PRIMARY KEY (exec_id, key)) WITHOUT ROWID;"

#endif
