/* The mock connector: AWS Step Functions Local's mocked service integrations
 * ("MockConfigFile.json", see docs/mocking.md and
 * https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html).
 * A test case maps Task state names to mocked responses; each invocation of
 * such a state takes the next response instead of calling the service. Not
 * for: reading the file (the caller parses it) or shaping the result into
 * history and output (the engine does that with what the mock returns).
 *
 * The mock sits first in the engine's connector list. It serves a Task when
 * the test case selected for the execution maps the state's name, whatever
 * the Resource; every other Task falls through to the real connectors, as in
 * Step Functions Local.
 *
 * Counting (as Step Functions Local 2.0 does): one counter per state name per
 * execution, keyed by execution ARN. Every call the engine starts for that
 * state takes the next invocation number, retries, Map iterations and
 * Parallel branches included; "0" is the first. When no response is defined
 * for an invocation (the responses ran out, or the entry is empty), the call
 * fails with States.Runtime, as the AWS page says: "If you do not specify a
 * mocked response, the state machine execution will fail".
 *
 * An Activity resource cannot be mocked: such a call fails with
 * States.Runtime and Step Functions Local's cause ("Activity state cannot be
 * mocked. ...").
 *
 * Results are never delivered from inside start: start posts them with
 * sd_task_post_submitted (for .waitForTaskToken and .sync resources, so the
 * history shows TaskSubmitted as on AWS) and sd_task_post_done. The mock
 * keeps nothing about a call once start returns, so cancel has nothing to
 * undo: it relies on the engine dropping results posted for a call that was
 * cancelled before they were delivered. */
#ifndef SD_INTEGRATIONS_MOCK_H
#define SD_INTEGRATIONS_MOCK_H

#include <stdbool.h>

#include <jansson.h>

struct sd_connector;
struct sd_err;
struct sd_mock;

/* The error name of every configuration problem: a malformed file, an
 * unknown state machine or test case. err->where holds a JSON pointer into
 * the configuration ("/MockedResponses/Retry/1-"). The CLI exits 2 on it. */
extern const char SD_MOCK_E_CONFIG[]; /* "InvalidMockConfig" */

/* The connector table; `self` is a struct sd_mock *. */
extern const struct sd_connector_ops sd_conn_mock;

/* Builds a mock over `config` (borrowed; the mock keeps a reference and
 * reads it for its whole life, so it must not change afterwards). Checks
 * the top-level shape only: test cases and the responses they use are
 * checked when selected, because Step Functions Local resolves them only
 * when used, so a broken entry that no test case in use names does not stop
 * a run. Returns NULL with err set on failure. */
struct sd_mock *sd_mock_new(json_t *config, struct sd_err *err);
void sd_mock_free(struct sd_mock *m);

/* Selects test case `test_case` of state machine `machine` for every
 * execution not selected otherwise (the `stepd run --test-case` case). The
 * test case and every mocked response it names are checked in full: an
 * unknown test case fails with a cause listing the ones that exist. */
int sd_mock_select_default(struct sd_mock *m, const char *machine, const char *test_case, struct sd_err *err);

/* Selects a test case for one execution (StartExecution on
 * "<stateMachineArn>#<TestCase>"). Checks as above. Selecting again resets
 * that execution's counters. */
int sd_mock_select(struct sd_mock *m, const char *exec_arn, const char *machine, const char *test_case,
                   struct sd_err *err);

/* Forgets an execution's selection and counters; call it when the execution
 * closes, or a long-running server keeps them forever. */
void sd_mock_release(struct sd_mock *m, const char *exec_arn);

/* Fills `out` with the connector over `m`; out->ops->free frees `m`. */
void sd_mock_connector(struct sd_mock *m, struct sd_connector *out);

/* The usual one-liner: sd_mock_new + sd_mock_select_default +
 * sd_mock_connector. `out` is untouched on failure. */
int sd_mock_load(json_t *config, const char *machine, const char *test_case, struct sd_connector *out,
                 struct sd_err *err);

/* Checks the whole file, including test cases and responses no run would
 * use (for `stepd validate`-style linting). Returns 0, or -1 with err set to
 * the first problem. `config` is borrowed. */
int sd_mock_validate_file(json_t *config, struct sd_err *err);

/* ---- the lookup behind the connector, exposed for tests and TestState ---- */

/* Whether the test case selected for `exec_arn` maps `state_name`. */
bool sd_mock_covers(const struct sd_mock *m, const char *exec_arn, const char *state_name);

/* Takes the next invocation of `state_name` in `exec_arn` and returns its
 * `Return` value as a new reference (a JSON null is json_null(), never
 * NULL), or NULL with err set: the `Throw`'s Error and Cause (Cause NULL
 * when absent), or States.Runtime when no response is defined for this
 * invocation or the state is not mocked for this execution. */
json_t *sd_mock_next(struct sd_mock *m, const char *exec_arn, const char *state_name, struct sd_err *err);

/* How many invocations of `state_name` the execution has taken so far. */
long sd_mock_invocations(const struct sd_mock *m, const char *exec_arn, const char *state_name);

#endif
