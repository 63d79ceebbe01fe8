/* `stepd run`: one execution, in-process, to its end. On SUCCEEDED the
 * output and nothing else goes to stdout; otherwise the last stderr line is
 * {"error": ..., "cause": ...}. Exit status as in cli.h. */
#include "cli/cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/json_arena.h"
#include "engine/jsonr.h"
#include "engine/jsonw.h"
#include "engine/log.h"
#include "engine/store.h"
#include "engine/validate.h"
#include "integrations/aws_task.h"
#include "integrations/mock.h"
#include "integrations/states_exec.h"
#include "integrations/states_local.h"
#include "states/states.h"

static const char run_usage[] =
    "usage: stepd run DEFINITION [options]\n"
    "\n"
    "Runs one execution of DEFINITION (an ASL JSON file) and prints its output.\n"
    "\n"
    "  --input JSON               execution input (default {})\n"
    "  --input-file FILE          read the input from FILE (- for stdin)\n"
    "  --name NAME                execution name (default: a UUID)\n"
    "  --state-machine-name NAME  state machine name (default: file name without .asl.json/.json)\n"
    "  --type STANDARD|EXPRESS    state machine type (default STANDARD)\n"
    "  --mock-config FILE         Step Functions Local mock config; needs --test-case\n"
    "  --test-case NAME           the test case of the mock config to run\n"
    "  --state-machine [NAME=]FILE  a state machine nested executions may start\n"
    "                             (arn:aws:states:::states:startExecution); repeatable;\n"
    "                             NAME defaults to the file name without .asl.json/.json\n"
    "  --config FILE              AWS endpoints, region, credentials, HTTP connections (README)\n"
    "  --db PATH                  keep the execution in this SQLite file (default: in memory)\n"
    "  --history FILE             write the history as GetExecutionHistory returns it\n"
    "  --wait-scale FACTOR        scale the execution's clock (0 = instant, order kept; default 1)\n"
    "  --limits aws|none          enforce AWS's limits (default aws)\n"
    "  --log-level LEVEL          error|warn|info|debug (default warn)\n"
    "\n"
    "Exit status: 0 SUCCEEDED, 1 FAILED, 3 TIMED_OUT, 4 ABORTED, 2 usage or invalid definition/input.\n";

struct run_opts {
  const char *def_path;
  const char *input;
  const char *input_file;
  const char *name;
  const char *machine_name;
  const char *type;
  const char *mock_config;
  const char *test_case;
  const char *config;
  const char *db;
  const char *history;
  double wait_scale;
  bool limits;
  enum sd_log_level log_level;
  const char **machines; /* --state-machine values, in order; owned array */
  size_t nmachines;
};

static void log_sink(enum sd_log_level level, const char *msg, void *data) {
  static const char *const names[] = { "error", "warn", "info", "debug" };
  fprintf(stderr, "stepd: %s: %s\n", names[level], msg);
}

static int parse_level(const char *s, enum sd_log_level *out) {
  static const char *const names[] = { "error", "warn", "info", "debug" };
  for (int i = 0; i < 4; i++)
    if (strcmp(s, names[i]) == 0) {
      *out = (enum sd_log_level)i;
      return 0;
    }
  return -1;
}

static int parse_args(int argc, char **argv, struct run_opts *o) {
  o->wait_scale = 1;
  o->limits = true;
  o->log_level = SD_LOG_WARN;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(run_usage, stdout);
      exit(SD_EXIT_OK);
    }
    if (a[0] != '-' || strcmp(a, "-") == 0) {
      if (o->def_path != NULL) {
        sd_cli_errorf("run: unexpected argument '%s'", a);
        return -1;
      }
      o->def_path = a;
      continue;
    }
    if (i + 1 >= argc) {
      sd_cli_errorf("run: option %s needs a value", a);
      return -1;
    }
    const char *v = argv[++i];
    if (strcmp(a, "--input") == 0) {
      o->input = v;
    } else if (strcmp(a, "--input-file") == 0) {
      o->input_file = v;
    } else if (strcmp(a, "--name") == 0) {
      o->name = v;
    } else if (strcmp(a, "--state-machine-name") == 0) {
      o->machine_name = v;
    } else if (strcmp(a, "--type") == 0) {
      if (strcmp(v, "STANDARD") != 0 && strcmp(v, "EXPRESS") != 0) {
        sd_cli_errorf("run: --type must be STANDARD or EXPRESS, not '%s'", v);
        return -1;
      }
      o->type = v;
    } else if (strcmp(a, "--mock-config") == 0) {
      o->mock_config = v;
    } else if (strcmp(a, "--test-case") == 0) {
      o->test_case = v;
    } else if (strcmp(a, "--state-machine") == 0) {
      o->machines = sd_xrealloc(o->machines, (o->nmachines + 1) * sizeof *o->machines);
      o->machines[o->nmachines++] = v;
    } else if (strcmp(a, "--config") == 0) {
      o->config = v;
    } else if (strcmp(a, "--db") == 0) {
      o->db = v;
    } else if (strcmp(a, "--history") == 0) {
      o->history = v;
    } else if (strcmp(a, "--wait-scale") == 0) {
      char *end;
      errno = 0;
      o->wait_scale = strtod(v, &end);
      if (errno != 0 || *end != '\0' || end == v || o->wait_scale < 0) {
        sd_cli_errorf("run: --wait-scale needs a number >= 0, not '%s'", v);
        return -1;
      }
    } else if (strcmp(a, "--limits") == 0) {
      if (strcmp(v, "none") != 0 && strcmp(v, "aws") != 0) {
        sd_cli_errorf("run: --limits must be aws or none, not '%s'", v);
        return -1;
      }
      o->limits = strcmp(v, "aws") == 0;
    } else if (strcmp(a, "--log-level") == 0) {
      if (parse_level(v, &o->log_level) != 0) {
        sd_cli_errorf("run: --log-level must be error, warn, info or debug, not '%s'", v);
        return -1;
      }
    } else {
      sd_cli_errorf("run: unknown option '%s'", a);
      return -1;
    }
  }
  if (o->def_path == NULL) {
    sd_cli_errorf("run: missing DEFINITION");
    return -1;
  }
  if (o->input && o->input_file) {
    sd_cli_errorf("run: --input and --input-file exclude each other");
    return -1;
  }
  if ((o->mock_config == NULL) != (o->test_case == NULL)) {
    sd_cli_errorf("run: --mock-config and --test-case go together");
    return -1;
  }
  return 0;
}

/* The state machine name from the file name: "etl.asl.json" -> "etl". */
static char *default_machine_name(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(base);
  static const char *const exts[] = { ".asl.json", ".json" };
  for (size_t i = 0; i < 2; i++) {
    size_t e = strlen(exts[i]);
    if (n > e && strcmp(base + n - e, exts[i]) == 0) {
      n -= e;
      break;
    }
  }
  return sd_xstrndup(base, n);
}

/* Parses JSON text with a line:column message; new reference or NULL. */
static json_t *parse_json_arg(const char *what, const char *text, size_t len) {
  json_error_t e;
  json_t *v = sd_json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
  if (v == NULL)
    sd_cli_errorf("%s is not valid JSON at %d:%d: %s", what, e.line, e.column, e.text);
  return v;
}

struct run_state {
  struct sd_exec *ex;
  bool done;
};

static void on_done(struct sd_exec *ex, void *data) {
  struct run_state *rs = data;
  rs->done = true;
}

static int write_history(struct sd_store *store, const char *arn, const char *path) {
  struct sd_err err = { 0 };
  json_t *events = sd_store_history(store, arn, 0, 0, false, &err);
  if (events == NULL) {
    sd_cli_errorf("cannot read the history: %s", err.cause ? err.cause : err.name);
    sd_err_clear(&err);
    return -1;
  }
  json_t *doc = json_pack("{s:o}", "events", events);
  int rc = json_dump_file(doc, path, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
  json_decref(doc);
  if (rc != 0)
    sd_cli_errorf("cannot write %s: %s", path, strerror(errno));
  return rc;
}

static int exit_status(enum sd_exec_status s) {
  switch (s) {
    case SD_EXEC_SUCCEEDED:
      return SD_EXIT_OK;
    case SD_EXEC_TIMED_OUT:
      return SD_EXIT_TIMED_OUT;
    case SD_EXEC_ABORTED:
      return SD_EXIT_ABORTED;
    default:
      return SD_EXIT_FAILED;
  }
}

/* Validation of a definition on a second thread, beside its compilation:
 * both only read the parsed definition (Jansson's reads and reference
 * counts are thread-safe), and each costs 4-5M instructions on a
 * 1,000-state one (callgrind). */
struct bg_validate {
  uv_thread_t thread;
  json_t *def; /* borrowed */
  struct sd_validate_opts opts;
  json_t *res; /* the result; owned */
};

static void bg_validate_main(void *arg) {
  struct bg_validate *v = arg;
  v->res = sd_validate(v->def, &v->opts);
}

/* Loads, validates and compiles the definition; prints diagnostics. */
static struct sd_machine *load_machine(const char *path, const char *type) {
  struct sd_cli_text text;
  if (sd_cli_text_open(&text, path) != 0)
    return NULL;
  struct sd_err err = { 0 };
  /* The definition's values live as long as the machine, i.e. the
   * process: read them into the arena, and the machine's largest blocks
   * after them (the compile below). */
  sd_json_arena_use(true, text.len);
  json_t *def = sd_validate_parse(text.data, text.len, &err);
  sd_cli_text_close(&text);
  if (def == NULL) {
    sd_json_arena_use(false, 0);
    sd_cli_errorf("%s:%s: %s", path, err.where ? err.where : "?", err.cause ? err.cause : "invalid JSON");
    sd_err_clear(&err);
    return NULL;
  }
  /* Validation trusts the compiler to parse every expression (it need
   * not parse them again) and runs beside it; when the compile fails,
   * full validation runs after it, alone, to explain why. */
  struct bg_validate bv = { .def = def, .opts = { .type = type, .compiled = true } };
  bool bg = uv_thread_create(&bv.thread, bg_validate_main, &bv) == 0;
  struct sd_machine *m = sd_asl_compile(sd_states_all, def, &err);
  sd_json_arena_use(false, 0);
  if (bg)
    uv_thread_join(&bv.thread);
  json_t *res = bv.res;
  if (res == NULL || m == NULL) {
    json_decref(res);
    struct sd_validate_opts vo = { .type = type, .compiled = m != NULL };
    res = sd_validate(def, &vo);
  }
  if (strcmp(json_string_value(json_object_get(res, "result")), "OK") != 0) {
    char *s = json_dumps(res, JSON_INDENT(2));
    sd_cli_errorf("%s is not a valid state machine definition:\n%s", path, s);
    free(s);
    sd_asl_unref(m);
    m = NULL;
  } else if (m == NULL) {
    sd_cli_errorf("%s: %s%s%s", path, err.where ? err.where : "", err.where ? ": " : "",
                  err.cause ? err.cause : "cannot compile");
  }
  sd_err_clear(&err);
  json_decref(res);
  json_decref(def);
  return m;
}

static json_t *load_input(const struct run_opts *o) {
  if (o->input_file != NULL) {
    struct sd_cli_text text;
    if (sd_cli_text_open(&text, o->input_file) != 0)
      return NULL;
    json_t *v = parse_json_arg("the input file", text.data, text.len);
    sd_cli_text_close(&text);
    return v;
  }
  if (o->input != NULL)
    return parse_json_arg("--input", o->input, strlen(o->input));
  return json_object();
}

static int load_mock(const struct run_opts *o, const char *machine, struct sd_connector *conn) {
  size_t len;
  char *text = sd_cli_read_file(o->mock_config, &len);
  if (text == NULL)
    return -1;
  json_t *cfg = parse_json_arg("the mock config", text, len);
  free(text);
  if (cfg == NULL)
    return -1;
  struct sd_err err = { 0 };
  int rc = sd_mock_load(cfg, machine, o->test_case, conn, &err);
  json_decref(cfg);
  if (rc != 0) {
    sd_cli_errorf("%s%s%s: %s", o->mock_config, err.where ? ":" : "", err.where ? err.where : "",
                  err.cause ? err.cause : err.name);
    sd_err_clear(&err);
  }
  return rc;
}

/* --state-machine [NAME=]FILE: the machines nested executions may start,
 * loaded and checked like DEFINITION. */
static int load_nested(const struct run_opts *o, struct sd_states_local *local) {
  for (size_t i = 0; i < o->nmachines; i++) {
    const char *v = o->machines[i], *eq = strchr(v, '=');
    char *name = eq ? sd_xstrndup(v, (size_t)(eq - v)) : default_machine_name(v);
    const char *path = eq ? eq + 1 : v;
    if (name[0] == '\0' || !sd_states_name_ok(name)) {
      sd_cli_errorf("run: --state-machine '%s': '%s' is not a state machine name", v, name);
      free(name);
      return -1;
    }
    struct sd_machine *m = load_machine(path, NULL);
    if (m != NULL)
      sd_states_local_add(local, name, m);
    sd_asl_unref(m);
    free(name);
    if (m == NULL)
      return -1;
  }
  return 0;
}

/* An in-memory store is opened on a second thread while this one reads
 * and compiles the definition: opening even the private store, its tables
 * copied from a build-time image, costs 0.50M instructions (callgrind),
 * more than this thread's whole one-state run (0.40M), and the two share
 * nothing until the join. A file database is still opened once the
 * definition is known good, so that a bad one leaves no file behind. */
struct early_store {
  uv_thread_t thread;
  bool running;
  struct sd_store *store; /* owned until taken */
  struct sd_err err;
};

static void early_store_main(void *arg) {
  struct early_store *es = arg;
  es->store = sd_store_open_private(&es->err);
}

/* Waits for the thread; returns its store (the caller owns it) or NULL
 * with err moved into `err`. */
static struct sd_store *early_store_take(struct early_store *es, struct sd_err *err) {
  if (es->running)
    uv_thread_join(&es->thread);
  es->running = false;
  struct sd_store *s = es->store;
  es->store = NULL;
  if (s == NULL) {
    *err = es->err;
    es->err = (struct sd_err){ 0 };
  }
  return s;
}

int sd_cli_run(int argc, char **argv) {
  struct run_opts o = { 0 };
  if (parse_args(argc, argv, &o) != 0) {
    fputs(run_usage, stderr);
    free(o.machines);
    return SD_EXIT_USAGE;
  }
  sd_log_set_sink(log_sink, NULL);
  sd_log_set_level(o.log_level);
  char *machine_name = o.machine_name ? sd_xstrdup(o.machine_name) : default_machine_name(o.def_path);
  int status = SD_EXIT_USAGE;
  struct sd_machine *m = NULL;
  json_t *input = NULL;
  struct sd_connector conns[3];
  size_t nconns = 0;
  /* Nested executions start the root's machine or a --state-machine one. */
  struct sd_states_local *local = sd_states_local_new();
  struct sd_store *store = NULL;
  int lock = -1;
  struct sd_err err = { 0 };
  struct early_store es = { 0 };
  if (o.db == NULL || o.db[0] == '\0' || strcmp(o.db, ":memory:") == 0)
    es.running = uv_thread_create(&es.thread, early_store_main, &es) == 0;

  if ((m = load_machine(o.def_path, o.type)) == NULL || (input = load_input(&o)) == NULL)
    goto out;
  sd_states_local_add(local, machine_name, m);
  if (load_nested(&o, local) != 0)
    goto out;
  if (o.mock_config != NULL) {
    if (load_mock(&o, machine_name, &conns[0]) != 0)
      goto out;
    nconns = 1;
  }
  struct sd_states_host host;
  sd_states_local_host(local, &host);
  sd_states_conn_connector(sd_states_conn_new(&host), &conns[nconns++]);
  /* A database `stepd serve` owns is not written behind its back. */
  if (o.db != NULL && o.db[0] != '\0' && strcmp(o.db, ":memory:") != 0 &&
      (lock = sd_store_lock(o.db, &err)) < 0) {
    sd_cli_errorf("cannot use the database %s: %s", o.db, err.cause ? err.cause : err.name);
    goto out;
  }
  store = es.running ? early_store_take(&es, &err) : sd_store_open(o.db, &err);
  if (store == NULL) {
    sd_cli_errorf("cannot open the database %s: %s",
                  o.db ? o.db : ":memory:", err.cause ? err.cause : err.name);
    goto out;
  }

  /* One history write is in flight at a time: libuv's default pool of
   * four threads would only cost start-up time. A user's setting wins. */
  setenv("UV_THREADPOOL_SIZE", "1", 0);
  uv_loop_t loop;
  uv_loop_init(&loop);
  /* Task calls to AWS go out on this loop (integrations/aws_task.h). */
  struct sd_aws *aws = sd_cli_aws_new(&loop, o.config, NULL);
  if (aws == NULL) {
    uv_loop_close(&loop);
    goto out;
  }
  sd_aws_connector(aws, sd_aws_integrations, &conns[nconns++]);
  struct sd_engine_opts eo = {
    .loop = &loop,
    .ops = sd_states_all,
    .connectors = conns,
    .nconnectors = nconns,
    .store = store,
    .wait_scale = o.wait_scale,
    .limits = o.limits,
  };
  struct sd_engine *eng = sd_engine_new(&eo);
  sd_states_local_set_engine(local, eng);
  struct run_state rs = { 0 };
  struct sd_exec_opts xo = {
    .machine = m,
    .machine_name = machine_name,
    .name = o.name,
    .type = o.type,
    .input = input,
    .done = on_done,
    .data = &rs,
  };
  rs.ex = sd_exec_start(eng, &xo, &err);
  if (rs.ex == NULL) {
    sd_cli_errorf("%s", err.cause ? err.cause : err.name);
  } else {
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  sd_engine_free(eng);
  sd_aws_free(aws);
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0)
    sd_log(SD_LOG_WARN, "the loop still had handles open at exit");
  if (rs.ex != NULL) {
    enum sd_exec_status st = sd_exec_status(rs.ex);
    if (!rs.done || st == SD_EXEC_RUNNING) {
      sd_cli_errorf("the execution stopped before its end (nothing left to wait for)");
      status = SD_EXIT_FAILED;
    } else {
      status = exit_status(st);
      if (o.history != NULL && write_history(store, sd_exec_arn(rs.ex), o.history) != 0 && status == 0)
        status = SD_EXIT_USAGE;
      if (st == SD_EXEC_SUCCEEDED) {
        char *s = sd_jsonw_dumps(sd_exec_output(rs.ex), NULL);
        printf("%s\n", s);
        free(s);
      } else {
        sd_cli_print_error_line(sd_exec_error(rs.ex));
      }
    }
    sd_exec_free(rs.ex);
  }
  sd_states_local_set_engine(local, NULL);
out:
  if (es.running)
    sd_store_close(early_store_take(&es, &err));
  sd_err_clear(&es.err);
  sd_err_clear(&err);
  for (size_t i = 0; i < nconns; i++)
    conns[i].ops->free(conns[i].self);
  sd_states_local_free(local);
  free(o.machines);
  if (store != NULL)
    sd_store_close(store);
  sd_store_unlock(lock);
  json_decref(input);
#ifdef SD_FREE_AT_EXIT
  sd_asl_unref(m);
#else
  /* The process ends here: tearing down a compiled 1,000-state machine
   * costs as much as running it (14M instructions, callgrind), so a plain
   * build leaves it to the OS; it stays reachable for leak checkers.
   * Sanitized builds free it (SD_FREE_AT_EXIT) so that leaks still show. */
  static struct sd_machine *kept;
  kept = m;
  (void)kept;
#endif
  free(machine_name);
  return status;
}
