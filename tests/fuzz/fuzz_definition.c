/* libFuzzer target for the definition loader: the path `stepd run`,
 * CreateStateMachine and ValidateStateMachineDefinition share. The bytes
 * are a definition, optionally followed by a NUL byte and the execution
 * input (a NUL cannot occur in JSON text, so the split is unambiguous).
 *
 * Each input goes through sd_validate_parse, sd_validate and sd_asl_compile
 * (compile runs on invalid definitions too: asl.h promises it never
 * crashes on a bad one), and, when the definition is valid and compiles,
 * through one execution with AWS's limits, Waits made instant (wait_scale
 * 0) and a one-second wall-clock watchdog. Every Task goes to an echo
 * connector defined here: it returns its Parameters, or fails with their
 * "Error" and "Cause" when they name one, so that Retry, Catch,
 * ResultSelector and ResultPath run too. Not for: the expression languages
 * on their own (fuzz_expr.c) or the real connectors.
 *
 * Besides the sanitizers, the harness checks the contracts of the headers
 * and aborts when one is broken, so libFuzzer records the input:
 *   - a function returning NULL sets err->name;
 *   - sd_validate's "result" is "OK" or "FAIL", and sd_validate_text
 *     says FAIL for text sd_validate_parse rejects;
 *   - an execution closes (its done callback runs) once the loop has
 *     nothing left to do, and the loop closes without leftover handles.
 * SD_FUZZ_STRICT=1 in the environment adds one more: a definition that
 * sd_validate accepts must compile (otherwise `stepd run` would refuse a
 * definition `stepd validate` calls valid). SD_FUZZ_VERBOSE=1 prints one
 * line per input (validity, compile error, execution status), to check
 * what a corpus reaches. SD_FUZZ_STORE=1 gives each execution an in-memory
 * SQLite store, so history goes through the writer's worker thread and
 * tasks start only after their events are committed (write ahead, then
 * act): slower and less deterministic, hence not the default. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <uv.h>

#include "engine/alloc.h"
#include "engine/asl.h"
#include "engine/connector.h"
#include "engine/err.h"
#include "engine/exec.h"
#include "engine/store.h"
#include "engine/validate.h"
#include "states/states.h"

/* Inputs above this go to an execution as {}: the target is the engine's
 * logic, not Jansson's parser on large documents. */
#define INPUT_MAX 4096
/* Wall-clock budget of one execution (wait_scale 0 makes Waits instant, so
 * only a definition that loops up to the history limit comes close). */
#define WATCHDOG_MS 1000

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool strict;
static bool verbose;
static bool with_store;

/* Reports a broken contract and aborts, so libFuzzer saves the input. */
static void contract_fail(const char *what, const struct sd_err *err) {
  fprintf(stderr, "fuzz_definition: contract broken: %s (err %s: %s)\n", what,
          err && err->name ? err->name : "-", err && err->cause ? err->cause : "-");
  abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *s = getenv("SD_FUZZ_STRICT");
  strict = s != NULL && strcmp(s, "1") == 0;
  s = getenv("SD_FUZZ_VERBOSE");
  verbose = s != NULL && strcmp(s, "1") == 0;
  s = getenv("SD_FUZZ_STORE");
  with_store = s != NULL && strcmp(s, "1") == 0;
  return 0;
}

static bool echo_serves(void *self, struct sd_exec *exec, const char *state_name, const char *resource) {
  return true;
}

/* Reports from the run queue (sd_task_post_*), as the connector contract
 * asks of an in-process connector. */
static int echo_start(void *self, struct sd_task_call *call, struct sd_err *err) {
  json_t *p = call->params; /* borrowed */
  const char *error = json_string_value(json_object_get(p, "Error"));
  if (call->wait_for_token || call->sync)
    sd_task_post_submitted(call);
  if (error != NULL) {
    struct sd_err e = { 0 };
    sd_err_set_raw(&e, error, json_string_value(json_object_get(p, "Cause")));
    sd_task_post_done(call, NULL, &e);
    sd_err_clear(&e);
    return 0;
  }
  sd_task_post_done(call, p ? json_deep_copy(p) : json_object(), NULL);
  return 0;
}

static void echo_cancel(void *self, struct sd_task_call *call) {
}

static void echo_free(void *self) {
}

static const struct sd_connector_ops echo_ops = {
  .name = "fuzz-echo",
  .serves = echo_serves,
  .start = echo_start,
  .cancel = echo_cancel,
  .free = echo_free,
};

struct run {
  struct sd_exec *ex; /* owned */
  uv_timer_t watchdog;
  bool done;
};

static void on_done(struct sd_exec *ex, void *data) {
  struct run *r = data;
  (void)ex;
  r->done = true;
  uv_timer_stop(&r->watchdog);
}

static void on_watchdog(uv_timer_t *t) {
  struct run *r = t->data;
  if (!r->done)
    sd_exec_stop(r->ex, "Fuzz.Watchdog", "the execution ran past the harness's wall-clock budget");
}

/* Runs `m` once on `input` (borrowed) as `stepd run --limits aws
 * --wait-scale 0` would, without a store or connectors. */
static void run_once(struct sd_machine *m, json_t *input) {
  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0)
    abort();
  struct sd_err err = { 0 };
  struct sd_store *store = NULL;
  if (with_store && (store = sd_store_open(NULL, &err)) == NULL)
    contract_fail("cannot open an in-memory store", &err);
  struct sd_connector echo = { .ops = &echo_ops };
  struct sd_engine_opts eo = {
    .loop = &loop,
    .ops = sd_states_all,
    .connectors = &echo,
    .nconnectors = 1,
    .store = store,
    .wait_scale = 0,
    .limits = true,
  };
  struct sd_engine *eng = sd_engine_new(&eo);
  struct run r = { 0 };
  /* The watchdog is unreferenced: it must not keep the loop alive, so that
   * an execution left with nothing to wait for shows up as such. */
  uv_timer_init(&loop, &r.watchdog);
  r.watchdog.data = &r;
  uv_timer_start(&r.watchdog, on_watchdog, WATCHDOG_MS, 0);
  uv_unref((uv_handle_t *)&r.watchdog);

  struct sd_exec_opts xo = {
    .machine = m,
    .machine_name = "Fuzz",
    .name = "fuzz",
    .input = input,
    .done = on_done,
    .data = &r,
  };
  r.ex = sd_exec_start(eng, &xo, &err);
  if (r.ex == NULL) {
    if (err.name == NULL)
      contract_fail("sd_exec_start returned NULL without an error", &err);
  } else {
    uv_run(&loop, UV_RUN_DEFAULT);
    if (!r.done) {
      /* The loop ran dry with the execution still open: `stepd run` would
       * report "the execution stopped before its end". */
      contract_fail("the execution never closed (nothing left to wait for)", sd_exec_error(r.ex));
    }
    if (verbose)
      fprintf(stderr, "fuzz_definition: execution %s %s: %s\n", sd_exec_status_name(sd_exec_status(r.ex)),
              sd_exec_error(r.ex)->name ? sd_exec_error(r.ex)->name : "",
              sd_exec_error(r.ex)->cause ? sd_exec_error(r.ex)->cause : "");
    if (sd_exec_status(r.ex) == SD_EXEC_SUCCEEDED ? sd_exec_output(r.ex) == NULL
                                                  : sd_exec_error(r.ex)->name == NULL)
      contract_fail("a closed execution has neither output nor error", sd_exec_error(r.ex));
  }
  sd_err_clear(&err);
  /* engine/exec.c: executions are freed before the engine. */
  sd_exec_free(r.ex);
  uv_close((uv_handle_t *)&r.watchdog, NULL);
  sd_engine_free(eng);
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0)
    contract_fail("the loop still had handles open after sd_engine_free", NULL);
  if (store != NULL)
    sd_store_close(store);
}

/* The execution input after the NUL: {} unless it parses and is small. */
static json_t *load_input(const uint8_t *data, size_t size) {
  if (size == 0 || size > INPUT_MAX)
    return json_object();
  json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
  return v ? v : json_object();
}

/* Validation of text that does not parse must say FAIL, as
 * ValidateStateMachineDefinition answers such text. */
static void check_text_fails(const char *text, size_t len) {
  json_t *res = sd_validate_text(text, len, NULL);
  const char *r = json_string_value(json_object_get(res, "result"));
  if (r == NULL || strcmp(r, "FAIL") != 0)
    contract_fail("sd_validate_text accepts text sd_validate_parse rejects", NULL);
  json_decref(res);
}

/* True when sd_validate (result: borrowed) says OK; checks the shape. */
static bool result_ok(json_t *res) {
  const char *r = json_string_value(json_object_get(res, "result"));
  if (r == NULL || (strcmp(r, "OK") != 0 && strcmp(r, "FAIL") != 0) ||
      !json_is_array(json_object_get(res, "diagnostics")))
    contract_fail("sd_validate's result is not {result: OK|FAIL, diagnostics: [...]}", NULL);
  bool ok = strcmp(r, "OK") == 0;
  char *msg = sd_validate_message(res);
  if (ok != (msg == NULL))
    contract_fail("sd_validate_message disagrees with the result", NULL);
  if (verbose && msg != NULL)
    fprintf(stderr, "fuzz_definition: %s\n", msg);
  free(msg);
  return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t dlen = nul ? (size_t)(nul - data) : size;
  /* An exact-size copy: a read past `len` is a heap overflow ASan sees. */
  char *text = sd_xmalloc(dlen ? dlen : 1);
  memcpy(text, data, dlen);

  struct sd_err err = { 0 };
  json_t *def = sd_validate_parse(text, dlen, &err); /* new */
  if (def == NULL) {
    if (err.name == NULL)
      contract_fail("sd_validate_parse returned NULL without an error", &err);
    if (verbose)
      fprintf(stderr, "fuzz_definition: parse failed: %s\n", err.cause ? err.cause : "-");
    sd_err_clear(&err);
    check_text_fails(text, dlen);
    free(text);
    return 0;
  }
  free(text);

  json_t *res = sd_validate(def, NULL); /* new */
  bool valid = result_ok(res);
  json_decref(res);

  struct sd_machine *m = sd_asl_compile(sd_states_all, def, &err);
  if (m == NULL) {
    if (err.name == NULL)
      contract_fail("sd_asl_compile returned NULL without an error", &err);
    if (valid && strict)
      contract_fail("a definition sd_validate accepts does not compile", &err);
    if (verbose)
      fprintf(stderr, "fuzz_definition: valid=%d, compile failed: %s\n", valid, err.cause ? err.cause : "-");
  } else if (verbose) {
    fprintf(stderr, "fuzz_definition: valid=%d, compiled\n", valid);
  }
  sd_err_clear(&err);
  json_decref(def);

  if (m != NULL && valid) {
    json_t *input = nul ? load_input(nul + 1, size - dlen - 1) : json_object(); /* new */
    run_once(m, input);
    json_decref(input);
  }
  sd_asl_unref(m);
  return 0;
}
