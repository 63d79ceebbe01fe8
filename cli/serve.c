/* `stepd serve`: the Step Functions API over HTTP on one libuv loop, with
 * the same engine `stepd run` uses. Owns the process side: arguments, the
 * log sink, signals and the order of shutdown. Not for: HTTP or API
 * semantics (server/). */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/log.h"
#include "engine/store.h"
#include "engine/timefmt.h"
#include "integrations/activity.h"
#include "integrations/aws_task.h"
#include "integrations/integrations.h"
#include "integrations/mock.h"
#include "integrations/states_exec.h"
#include "server/api.h"
#include "server/auth.h"
#include "server/http.h"
#include "server/registry.h"
#include "server/retention.h"
#include "server/schedules.h"
#include "states/states.h"

static const char serve_usage[] =
    "usage: stepd serve [options]\n"
    "\n"
    "Serves the AWS Step Functions API (AWS JSON 1.0) over HTTP, for the aws CLI\n"
    "and SDKs with --endpoint-url.\n"
    "\n"
    "  --listen ADDR:PORT   address to listen on (default 127.0.0.1:8083; port 0 picks one)\n"
    "  --db PATH            SQLite file for state machines, executions and history\n"
    "                       (default ./stepd.db; :memory: keeps nothing). One server\n"
    "                       owns a file: a second one on it exits with status 2\n"
    "  --region R           region in ARNs (default us-east-1)\n"
    "  --account ID         account in ARNs (default 123456789012)\n"
    "  --log-level LEVEL    error|warn|info|debug (default info: one line per request)\n"
    "  --config FILE        AWS endpoints, region, credentials, HTTP connections (README)\n"
    "  --mock-config FILE   Step Functions Local mock config: StartExecution on\n"
    "                       '<state machine ARN>#<TestCase>' runs that test case\n"
    "  --auth none|sigv4    sigv4: refuse requests not signed (SigV4) with a key of\n"
    "                       --credentials FILE (an AWS credentials file); default none\n"
    "  --retention DAYS     closed executions are purged DAYS after they stop\n"
    "                       (default 90, as on AWS; fractions allowed)\n"
    "  --wait-scale X       multiplies every wait (Wait, Retry, timeouts); 0 = instant\n"
    "                       (default: $WAIT_TIME_SCALE, as in Step Functions Local, else 1)\n"
    "  --clock ISO8601      start the server's clock at this instant (default: the wall\n"
    "                       clock; also $STEPD_CLOCK); it runs at normal speed from there.\n"
    "                       For trying schedules: executions and schedules share it\n"
    "\n"
    "EventBridge Scheduler's API (CreateSchedule ... under /schedules) is served on the\n"
    "same address; see docs/schedules.md.\n";

struct serve_opts {
  const char *listen;
  const char *db;
  const char *region;
  const char *account;
  enum sd_log_level log_level;
  const char *mock_config;
  const char *config;
  double wait_scale;
  double retention_days;
  const char *auth;        /* "none" or "sigv4" */
  const char *credentials; /* --credentials FILE */
  int64_t clock_offset_ms; /* --clock minus the wall clock */
};

struct server {
  uv_loop_t loop;
  uv_signal_t sigint, sigterm;
  uv_timer_t grace;  /* shutdown: lets the last answers leave */
  uv_prepare_t logs; /* writes the log lines of each loop turn (log_flush) */
  struct sd_engine *eng;
  struct sd_http *http;
  struct sd_api api;
  struct sd_activities *activities; /* owned */
  struct sd_retention *retention;   /* frees itself once closed */
  struct sd_aws *aws;               /* owned; freed after the engine */
  struct sd_schedules *schedules;   /* owned */
  bool stopping;
};

/* While the loop runs, log lines collect here and go to stderr in one
 * write per loop turn (log_flush, from a uv_prepare_t: before the loop
 * waits for I/O). At the default level a StartExecution logs three lines,
 * and a write(2) each, with its own timestamp, cost the loop thread about
 * a sixth of its time under load. A kill -9 loses at most the lines of
 * the turn it interrupts. */
static struct sd_buf log_queue;
static bool log_batching;

static void log_flush(void) {
  if (log_queue.len == 0)
    return;
  fwrite(log_queue.data, 1, log_queue.len, stderr);
  fflush(stderr);
  log_queue.len = 0;
}

static void log_sink(enum sd_log_level level, const char *msg, void *data) {
  static const char *const names[] = { "error", "warn", "info", "debug" };
  static time_t last;
  static char ts[32];
  time_t now = time(NULL);
  if (now != last || ts[0] == '\0') { /* one format per second */
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    last = now;
  }
  if (!log_batching) {
    fprintf(stderr, "%s stepd: %s: %s\n", ts, names[level], msg);
    return;
  }
  sd_buf_printf(&log_queue, "%s stepd: %s: %s\n", ts, names[level], msg);
  if (log_queue.len >= (1u << 16))
    log_flush();
}

static void on_prepare(uv_prepare_t *p) {
  (void)p;
  log_flush();
}

/* A wait scale: a finite number >= 0. */
static int parse_scale(const char *what, const char *v, double *out) {
  char *end = NULL;
  errno = 0;
  double d = strtod(v, &end);
  if (errno != 0 || end == v || *end != '\0' || !isfinite(d) || d < 0) {
    sd_cli_errorf("serve: %s must be a number >= 0, not '%s'", what, v);
    return -1;
  }
  *out = d;
  return 0;
}

/* --clock: the offset from the wall clock to the instant given. */
static int parse_clock(const char *what, const char *v, int64_t *offset) {
  int64_t ms;
  if (!sd_time_parse(v, &ms)) {
    sd_cli_errorf("serve: %s must be an ISO 8601 date-time with an offset (2026-11-26T01:59:50Z), not '%s'",
                  what, v);
    return -1;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  *offset = ms - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
  return 0;
}

static int parse_args(int argc, char **argv, struct serve_opts *o) {
  static const char *const levels[] = { "error", "warn", "info", "debug" };
  o->listen = "127.0.0.1:8083";
  o->db = "./stepd.db";
  o->region = "us-east-1";
  o->account = "123456789012";
  o->log_level = SD_LOG_INFO;
  o->wait_scale = 1;
  o->retention_days = 90;
  /* Step Functions Local's setting; --wait-scale wins over it. */
  const char *env = getenv("WAIT_TIME_SCALE");
  if (env != NULL && env[0] != '\0' && parse_scale("WAIT_TIME_SCALE", env, &o->wait_scale) != 0)
    return -1;
  env = getenv("STEPD_CLOCK");
  if (env != NULL && env[0] != '\0' && parse_clock("STEPD_CLOCK", env, &o->clock_offset_ms) != 0)
    return -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(serve_usage, stdout);
      exit(SD_EXIT_OK);
    }
    if (i + 1 >= argc || a[0] != '-') {
      sd_cli_errorf("serve: unexpected argument '%s'", a);
      return -1;
    }
    const char *v = argv[++i];
    if (strcmp(a, "--listen") == 0) {
      o->listen = v;
    } else if (strcmp(a, "--db") == 0) {
      o->db = v;
    } else if (strcmp(a, "--region") == 0) {
      o->region = v;
    } else if (strcmp(a, "--account") == 0) {
      o->account = v;
    } else if (strcmp(a, "--config") == 0) {
      o->config = v;
    } else if (strcmp(a, "--mock-config") == 0) {
      o->mock_config = v;
    } else if (strcmp(a, "--auth") == 0) {
      if (strcmp(v, "none") != 0 && strcmp(v, "sigv4") != 0) {
        sd_cli_errorf("serve: --auth must be none or sigv4, not '%s'", v);
        return -1;
      }
      o->auth = v;
    } else if (strcmp(a, "--credentials") == 0) {
      o->credentials = v;
    } else if (strcmp(a, "--retention") == 0) {
      if (parse_scale("--retention", v, &o->retention_days) != 0)
        return -1;
      if (o->retention_days <= 0) {
        sd_cli_errorf("serve: --retention must be a number of days > 0, not '%s'", v);
        return -1;
      }
    } else if (strcmp(a, "--clock") == 0) {
      if (parse_clock("--clock", v, &o->clock_offset_ms) != 0)
        return -1;
    } else if (strcmp(a, "--wait-scale") == 0) {
      if (parse_scale("--wait-scale", v, &o->wait_scale) != 0)
        return -1;
    } else if (strcmp(a, "--log-level") == 0) {
      int k = 0;
      while (k < 4 && strcmp(v, levels[k]) != 0)
        k++;
      if (k == 4) {
        sd_cli_errorf("serve: --log-level must be error, warn, info or debug, not '%s'", v);
        return -1;
      }
      o->log_level = (enum sd_log_level)k;
    } else {
      sd_cli_errorf("serve: unknown option '%s'", a);
      return -1;
    }
  }
  return 0;
}

static void on_http_closed(void *data) {
  struct server *s = data;
  s->http = NULL;
  uv_close((uv_handle_t *)&s->logs, NULL); /* the lines left go out after the loop */
  /* Executions are freed after the engine, as `stepd run` does: the engine
   * drops its run queue and timers first (sd_registry_free). */
  sd_engine_free(s->eng);
  s->eng = NULL;
  sd_aws_free(s->aws);
  s->aws = NULL;
}

/* Requests waiting for a commit hold barriers on the writer; close the
 * HTTP side only once none is left, so that no answer goes to a freed
 * request. */
static void on_grace(uv_timer_t *t) {
  struct server *s = t->data;
  uv_close((uv_handle_t *)&s->grace, NULL);
  sd_http_close(s->http, on_http_closed, s);
}

static void on_flushed(void *data, int status) {
  struct server *s = data;
  if (sd_http_pending(s->http) > 0) {
    sd_engine_flush(s->eng, on_flushed, s);
    return;
  }
  /* An answer given in the last barrier (a stopped StartSyncExecution's,
   * say) is only queued on its connection: closing now would drop it. A
   * few loop turns' grace lets MHD send it. */
  uv_timer_init(&s->loop, &s->grace);
  s->grace.data = s;
  uv_timer_start(&s->grace, on_grace, 100, 0);
}

static void on_signal(uv_signal_t *h, int signum) {
  struct server *s = h->data;
  if (s->stopping)
    return;
  s->stopping = true;
  sd_log(SD_LOG_INFO, "%s: shutting down", signum == SIGINT ? "SIGINT" : "SIGTERM");
  uv_close((uv_handle_t *)&s->sigint, NULL);
  uv_close((uv_handle_t *)&s->sigterm, NULL);
  /* Workers' long polls would hold the shutdown for up to 60 s. */
  sd_activities_close_polls(s->activities);
  sd_retention_close(s->retention);
  /* Parked StartSyncExecution requests would hold it until they end. */
  sd_api_sync_close(&s->api);
  /* No new fires; one in flight ends in the barriers below. */
  sd_schedules_stop(s->schedules);
  sd_engine_flush(s->eng, on_flushed, s);
}

/* Reads --mock-config into a mock (new), or NULL after a message. */
static struct sd_mock *load_mock(const char *path) {
  size_t len;
  char *text = sd_cli_read_file(path, &len);
  if (text == NULL)
    return NULL;
  json_error_t e;
  json_t *cfg = json_loadb(text, len, 0, &e); /* new */
  free(text);
  if (cfg == NULL) {
    sd_cli_errorf("%s: not JSON: %s at line %d, column %d", path, e.text, e.line, e.column);
    return NULL;
  }
  struct sd_err err = { 0 };
  struct sd_mock *m = sd_mock_new(cfg, &err); /* keeps its own reference */
  json_decref(cfg);
  if (m == NULL) {
    sd_cli_errorf("%s%s%s: %s", path, err.where ? ":" : "", err.where ? err.where : "",
                  err.cause ? err.cause : err.name);
    sd_err_clear(&err);
  }
  return m;
}

/* The activities of earlier runs, before executions resume (their tasks
 * need them). 0, or -1 after a message. */
static int load_activities(struct sd_activities *a, struct sd_store *store) {
  struct sd_err err = { 0 };
  json_t *rows = sd_store_activity_list(store, &err); /* new */
  if (rows == NULL) {
    sd_cli_errorf("cannot read the activities: %s", err.cause ? err.cause : err.name);
    sd_err_clear(&err);
    return -1;
  }
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    bool existed;
    sd_activities_create(a, json_string_value(json_object_get(row, "name")),
                         json_integer_value(json_object_get(row, "creation_ms")), &existed);
  }
  json_decref(rows);
  return 0;
}

int sd_cli_serve(int argc, char **argv) {
  struct serve_opts o = { 0 };
  if (parse_args(argc, argv, &o) != 0) {
    fputs(serve_usage, stderr);
    return SD_EXIT_USAGE;
  }
  sd_log_set_sink(log_sink, NULL);
  sd_log_set_level(o.log_level);
  struct sd_err err = { 0 };
  bool sigv4 = o.auth != NULL && strcmp(o.auth, "sigv4") == 0;
  if (sigv4 != (o.credentials != NULL)) {
    sd_cli_errorf("serve: --auth sigv4 and --credentials FILE go together");
    fputs(serve_usage, stderr);
    return SD_EXIT_USAGE;
  }
  /* Kept in a static: reachable until exit on every path. */
  static struct sd_auth *auth;
  if (sigv4 && (auth = sd_auth_load(o.credentials, &err)) == NULL) {
    sd_cli_errorf("serve: %s", err.cause ? err.cause : err.name);
    sd_err_clear(&err);
    return SD_EXIT_USAGE;
  }
  struct sd_mock *mock = NULL;
  if (o.mock_config != NULL && (mock = load_mock(o.mock_config)) == NULL)
    return SD_EXIT_USAGE;
  bool file = strcmp(o.db, ":memory:") != 0 && o.db[0] != '\0';
  /* One server owns a database: two would both recover its RUNNING
   * executions and each hold machines the other does not know. The lock
   * is taken before the file is opened (docs/storage.md). */
  int lock = file ? sd_store_lock(o.db, &err) : -1;
  if (file && lock < 0) {
    sd_cli_errorf("cannot use the database %s: %s", o.db, err.cause ? err.cause : err.name);
    sd_err_clear(&err);
    sd_mock_free(mock);
    return SD_EXIT_USAGE;
  }
  struct sd_store *store = sd_store_open(o.db, &err);
  /* History pages and execution lists are read on a worker through a
   * second handle (WAL lets it read beside the writer), and state machines
   * are written on a worker through a third; an in-memory database has only
   * one handle, and its machines are not written. */
  struct sd_store *reader = store && file ? sd_store_open(o.db, &err) : NULL;
  struct sd_store *mstore = reader ? sd_store_open(o.db, &err) : NULL;
  /* Schedules write through a fourth handle, in their own order. */
  struct sd_store *sstore = mstore ? sd_store_open(o.db, &err) : NULL;
  if (store == NULL || (file && (reader == NULL || mstore == NULL || sstore == NULL))) {
    sd_cli_errorf("cannot open the database %s: %s", o.db, err.cause ? err.cause : err.name);
    sd_err_clear(&err);
    sd_store_close(mstore);
    sd_store_close(reader);
    sd_store_close(store);
    sd_store_unlock(lock);
    sd_mock_free(mock);
    return SD_EXIT_USAGE;
  }
  /* One history write is in flight at a time (writer.h), and reads queue
   * behind it on the same thread. */
  setenv("UV_THREADPOOL_SIZE", "1", 0);
  static struct server s; /* reachable from signal handles' data */
  memset(&s, 0, sizeof s);
  uv_loop_init(&s.loop);
  /* Task calls to AWS go out on the server's loop (integrations/aws_task.h). */
  s.aws = sd_cli_aws_new(&s.loop, o.config, o.region);
  if (s.aws == NULL) {
    uv_loop_close(&s.loop);
    sd_store_close(mstore);
    sd_store_close(reader);
    sd_store_close(store);
    sd_store_unlock(lock);
    sd_mock_free(mock);
    return SD_EXIT_USAGE;
  }
  /* Activity ARNs are served by the activities CreateActivity makes. */
  s.activities = sd_activities_new(o.region, o.account);
  /* The mock comes first: a Task its test case maps is mocked whatever
   * the resource (integrations/mock.h). */
  struct sd_connector conns[4];
  size_t nconns = 0;
  if (mock != NULL)
    sd_mock_connector(mock, &conns[nconns++]);
  sd_activities_connector(s.activities, &conns[nconns++]);
  struct sd_connector *awsc = &conns[nconns++];
  sd_aws_connector(s.aws, sd_aws_integrations, awsc);
  /* Nested executions start stored machines through the API's registry
   * (s.api is filled below, before the loop runs). */
  struct sd_states_host host;
  sd_api_states_host(&s.api, &host);
  struct sd_states_conn *nested = sd_states_conn_new(&host);
  sd_states_conn_connector(nested, &conns[nconns++]);
  struct sd_engine_opts eo = {
    .loop = &s.loop,
    .ops = sd_states_all,
    .connectors = conns,
    .nconnectors = nconns,
    .store = store,
    .wait_scale = o.wait_scale,
    .limits = true,
    .region = o.region,
    .account = o.account,
    .clock_offset_ms = o.clock_offset_ms,
  };
  s.eng = sd_engine_new(&eo);
  struct sd_registry *reg = sd_registry_new();
  int loaded = sd_registry_load(reg, store, sd_engine_ops(s.eng), &err);
  if (loaded != 0) {
    /* Serving without the machines would answer StateMachineDoesNotExist
     * for machines that exist. */
    sd_cli_errorf("cannot read the state machines in %s: %s", o.db, err.cause ? err.cause : err.name);
    sd_err_clear(&err);
  }
  if (loaded != 0 || load_activities(s.activities, store) != 0) {
    sd_registry_free(reg);
    sd_engine_free(s.eng);
    sd_aws_free(s.aws);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    uv_loop_close(&s.loop);
    conns[nconns - 1].ops->free(nested);
    awsc->ops->free(awsc->self);
    sd_store_close(sstore);
    sd_store_close(mstore);
    sd_store_close(reader);
    sd_store_close(store);
    sd_store_unlock(lock);
    sd_mock_free(mock);
    return SD_EXIT_USAGE;
  }
  if (mstore != NULL)
    sd_registry_persist(reg, &s.loop, mstore);
  s.api = (struct sd_api){ .eng = s.eng,
                           .store = store,
                           .reader = reader,
                           .reg = reg,
                           .region = o.region,
                           .account = o.account,
                           .served = sd_integrations_serves_activities,
                           .activities = s.activities,
                           .mock = mock,
                           .auth = auth };
  sd_engine_set_row_fn(s.eng, sd_api_exec_row, &s.api);
  s.schedules = sd_schedules_new(&s.api, &s.loop, sstore, o.clock_offset_ms);
  s.api.schedules = s.schedules;
  if (sd_schedules_load(s.schedules, store, &err) != 0) {
    /* Serving without them would let nights pass unnoticed: say so, and
     * serve the rest. */
    sd_log(SD_LOG_ERROR, "cannot read the schedules in %s: %s", o.db, err.cause ? err.cause : err.name);
    sd_err_clear(&err);
  }
  /* Before listening: a resumed execution is in the registry before any
   * request can name it. A store that cannot be read leaves them RUNNING
   * for the next start. */
  if (sd_api_recover(&s.api, &err) != 0) {
    sd_log(SD_LOG_ERROR, "restart: %s", err.cause ? err.cause : err.name);
    sd_err_clear(&err);
  }
  /* Retention purges on a worker through a handle of its own (with a
   * file); an in-memory database is purged through the engine's handle. */
  struct sd_store *pstore = file ? sd_store_open(o.db, &err) : NULL;
  if (file && pstore == NULL) {
    sd_log(SD_LOG_ERROR, "retention: cannot open %s: %s; nothing will be purged", o.db,
           err.cause ? err.cause : err.name);
    sd_err_clear(&err);
  } else {
    s.retention = sd_retention_start(s.eng, file ? pstore : store, file, o.retention_days);
  }
  s.http = sd_http_new(&s.loop, o.listen, sd_api_handle, &s.api, &err);
  int status = SD_EXIT_OK;
  if (s.http == NULL) {
    sd_cli_errorf("%s", err.cause ? err.cause : "cannot listen");
    sd_err_clear(&err);
    sd_retention_close(s.retention);
    sd_schedules_stop(s.schedules);
    sd_engine_free(s.eng);
    sd_aws_free(s.aws);
    s.aws = NULL;
    status = SD_EXIT_USAGE;
  } else {
    /* After recovery: a fire's name check then sees resumed executions. */
    sd_schedules_start(s.schedules);
    uv_signal_init(&s.loop, &s.sigint);
    uv_signal_init(&s.loop, &s.sigterm);
    s.sigint.data = s.sigterm.data = &s;
    uv_signal_start(&s.sigint, on_signal, SIGINT);
    uv_signal_start(&s.sigterm, on_signal, SIGTERM);
    const char *colon = strrchr(o.listen, ':');
    fprintf(stderr, "stepd: listening on %.*s:%d (db %s, region %s, account %s)\n", (int)(colon - o.listen),
            o.listen, sd_http_port(s.http), o.db, o.region, o.account);
    if (auth != NULL)
      sd_log(SD_LOG_INFO, "requests must be signed (SigV4) with one of the %zu key(s) of %s",
             sd_auth_count(auth), o.credentials);
    if (o.wait_scale != 1 || mock != NULL)
      sd_log(SD_LOG_INFO, "wait scale %g%s%s", o.wait_scale, mock ? ", mock config " : "",
             mock ? o.mock_config : "");
    fflush(stderr);
    uv_prepare_init(&s.loop, &s.logs);
    uv_prepare_start(&s.logs, on_prepare);
    uv_unref((uv_handle_t *)&s.logs);
    log_batching = true;
  }
  uv_run(&s.loop, UV_RUN_DEFAULT);
  log_batching = false;
  log_flush();
  sd_buf_free(&log_queue);
  sd_schedules_free(s.schedules);
  json_decref(s.api.redrive_tokens);
  sd_registry_free(reg);
  sd_activities_free(s.activities);
  conns[nconns - 1].ops->free(nested);
  awsc->ops->free(awsc->self); /* the AWS connector's own memory */
  if (uv_loop_close(&s.loop) != 0) {
    /* Executions left running at shutdown may still hold handles (tasks). */
    sd_log(SD_LOG_WARN, "the loop still had handles open at exit");
  }
  sd_store_close(pstore);
  sd_store_close(sstore);
  sd_store_close(mstore);
  sd_store_close(reader);
  sd_store_close(store);
  sd_store_unlock(lock);
  sd_mock_free(mock); /* after the engine, which calls it until freed */
  sd_auth_free(auth);
  auth = NULL;
  return status;
}
