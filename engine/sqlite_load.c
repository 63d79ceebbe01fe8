/* libsqlite3, loaded on first use rather than linked. Linked, the dynamic
 * loader bound its 1,290 relocations (Debian builds it with BIND_NOW)
 * before main, on the critical path of every `stepd run`: 0.9M
 * instructions of symbol lookups and its pages, while the first SQLite
 * call of a plain run comes from the thread that opens the in-memory store
 * beside the definition's parse (cli/run.c). Loaded here, on that thread,
 * the work leaves the main thread. integrations/curl_load.c does the same
 * for libcurl, server/mhd.c for libmicrohttpd.
 *
 * The callers keep calling sqlite3_* as documented: this file defines the
 * functions stepd (its tests and benchmarks included) calls, and each
 * forwards to the library's own, loaded the first time any of them is
 * called. A missing library ends the process with a message naming the
 * Debian package, as the dynamic loader did before main when it was
 * linked. Not for: SQL (store_sqlite*.c). */
#include <sqlite3.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* The soname the header we build against belongs to (Debian 12: libsqlite3-0). */
#define SQLITE_SONAME "libsqlite3.so.0"

/* name, return type, parameters, arguments. */
#define SQLITE_FUNCS(X)                                                                                      \
  X(sqlite3_libversion, const char *, (void), ())                                                            \
  X(sqlite3_open, int, (const char *path, sqlite3 **db), (path, db))                                         \
  X(sqlite3_open_v2, int, (const char *path, sqlite3 **db, int flags, const char *vfs),                      \
    (path, db, flags, vfs))                                                                                  \
  X(sqlite3_close, int, (sqlite3 * db), (db))                                                                \
  X(sqlite3_close_v2, int, (sqlite3 * db), (db))                                                             \
  X(sqlite3_busy_timeout, int, (sqlite3 * db, int ms), (db, ms))                                             \
  X(sqlite3_extended_result_codes, int, (sqlite3 * db, int on), (db, on))                                    \
  X(sqlite3_errmsg, const char *, (sqlite3 * db), (db))                                                      \
  X(sqlite3_errstr, const char *, (int rc), (rc))                                                            \
  X(sqlite3_changes, int, (sqlite3 * db), (db))                                                              \
  X(sqlite3_get_autocommit, int, (sqlite3 * db), (db))                                                       \
  X(sqlite3_last_insert_rowid, sqlite3_int64, (sqlite3 * db), (db))                                          \
  X(sqlite3_exec, int,                                                                                       \
    (sqlite3 * db, const char *sql, int (*cb)(void *, int, char **, char **), void *arg, char **errmsg),     \
    (db, sql, cb, arg, errmsg))                                                                              \
  X(sqlite3_prepare_v2, int, (sqlite3 * db, const char *sql, int n, sqlite3_stmt **st, const char **tail),   \
    (db, sql, n, st, tail))                                                                                  \
  X(sqlite3_prepare_v3, int,                                                                                 \
    (sqlite3 * db, const char *sql, int n, unsigned int flags, sqlite3_stmt **st, const char **tail),        \
    (db, sql, n, flags, st, tail))                                                                           \
  X(sqlite3_step, int, (sqlite3_stmt * st), (st))                                                            \
  X(sqlite3_reset, int, (sqlite3_stmt * st), (st))                                                           \
  X(sqlite3_finalize, int, (sqlite3_stmt * st), (st))                                                        \
  X(sqlite3_clear_bindings, int, (sqlite3_stmt * st), (st))                                                  \
  X(sqlite3_bind_int64, int, (sqlite3_stmt * st, int i, sqlite3_int64 v), (st, i, v))                        \
  X(sqlite3_bind_null, int, (sqlite3_stmt * st, int i), (st, i))                                             \
  X(sqlite3_bind_text, int, (sqlite3_stmt * st, int i, const char *v, int n, void (*del)(void *)),           \
    (st, i, v, n, del))                                                                                      \
  X(sqlite3_column_type, int, (sqlite3_stmt * st, int i), (st, i))                                           \
  X(sqlite3_column_int64, sqlite3_int64, (sqlite3_stmt * st, int i), (st, i))                                \
  X(sqlite3_column_text, const unsigned char *, (sqlite3_stmt * st, int i), (st, i))                         \
  X(sqlite3_column_bytes, int, (sqlite3_stmt * st, int i), (st, i))

static struct {
#define X(name, ret, params, args) ret(*name) params;
  SQLITE_FUNCS(X)
#undef X
} lib;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
  void *h = dlopen(SQLITE_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    fprintf(stderr, "stepd: cannot load %s (%s): install Debian's libsqlite3-0\n", SQLITE_SONAME, dlerror());
    abort();
  }
#define X(name, ret, params, args)                                                                           \
  *(void **)&lib.name = dlsym(h, #name);                                                                     \
  if (lib.name == NULL) {                                                                                    \
    fprintf(stderr, "stepd: %s lacks %s: a libsqlite3 of another version?\n", SQLITE_SONAME, #name);         \
    abort();                                                                                                 \
  }
  SQLITE_FUNCS(X)
#undef X
}

#define X(name, ret, params, args)                                                                           \
  ret name params {                                                                                          \
    pthread_once(&once, load);                                                                               \
    return lib.name args;                                                                                    \
  }
SQLITE_FUNCS(X)
#undef X
