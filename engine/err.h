/* Errors as data: an ASL error name with its cause, travelling up to the one
 * place that decides what to do with it (Retry/Catch, ExecutionFailed, an API
 * reply, the CLI's stderr). Nothing here prints or exits. */
#ifndef SD_ENGINE_ERR_H
#define SD_ENGINE_ERR_H

#include <stdarg.h>

/* The predefined error names of the ASL specification ("Error names"), plus
 * those AWS added since. X(ID, "name"). */
#define SD_ERR_MAP(X)                                                                                        \
  X(ALL, "States.ALL")                                                                                       \
  X(HEARTBEAT_TIMEOUT, "States.HeartbeatTimeout")                                                            \
  X(TIMEOUT, "States.Timeout")                                                                               \
  X(TASK_FAILED, "States.TaskFailed")                                                                        \
  X(PERMISSIONS, "States.Permissions")                                                                       \
  X(RESULT_PATH_MATCH_FAILURE, "States.ResultPathMatchFailure")                                              \
  X(PARAMETER_PATH_FAILURE, "States.ParameterPathFailure")                                                   \
  X(QUERY_EVALUATION_ERROR, "States.QueryEvaluationError")                                                   \
  X(BRANCH_FAILED, "States.BranchFailed")                                                                    \
  X(NO_CHOICE_MATCHED, "States.NoChoiceMatched")                                                             \
  X(INTRINSIC_FAILURE, "States.IntrinsicFailure")                                                            \
  X(EXCEED_TOLERATED_FAILURE_THRESHOLD, "States.ExceedToleratedFailureThreshold")                            \
  X(ITEM_READER_FAILED, "States.ItemReaderFailed")                                                           \
  X(RESULT_WRITER_FAILED, "States.ResultWriterFailed")                                                       \
  X(RUNTIME, "States.Runtime")                                                                               \
  X(DATA_LIMIT_EXCEEDED, "States.DataLimitExceeded")

#define SD_ERR_DECLARE(id, str) extern const char SD_E_##id[];
SD_ERR_MAP(SD_ERR_DECLARE)
#undef SD_ERR_DECLARE

/* Non-ASL names used below the CLI/API (they never reach ErrorEquals). */
extern const char SD_E_INVALID_DEFINITION[]; /* "InvalidDefinition" */
extern const char SD_E_INVALID_INPUT[];      /* "InvalidExecutionInput" */
extern const char SD_E_USAGE[];              /* "Usage" */

struct sd_err {
  char *name;  /* ASL or API error name; owned; NULL when no error */
  char *cause; /* the Cause AWS would give; owned, may be NULL */
  char *where; /* JSON pointer into the definition, or line:column; owned, may be NULL */
};

/* Sets name and a formatted cause, replacing what `err` held. Returns -1 so
 * that `return sd_err_set(...)` reads as a failure. `err` may be NULL. */
int sd_err_set(struct sd_err *err, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sd_err_setv(struct sd_err *err, const char *name, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Same, with a raw cause (NULL allowed): no format expansion. */
int sd_err_set_raw(struct sd_err *err, const char *name, const char *cause);
/* Sets where (a JSON pointer or line:column); keeps name and cause. */
void sd_err_set_where(struct sd_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Replaces the cause, keeping the name: used to prefix context AWS adds
 * ("An error occurred while executing the state ..."). */
void sd_err_set_cause(struct sd_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Moves src into dst (dst cleared first); src is left empty. */
void sd_err_move(struct sd_err *dst, struct sd_err *src);
void sd_err_clear(struct sd_err *err);
/* True when name is one of the predefined "States.*" names. */
int sd_err_is_predefined(const char *name);

#endif
