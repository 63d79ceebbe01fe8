/* The CLI's commands. Each returns the process exit status:
 * 0 success, 1 execution FAILED, 2 usage / invalid definition or input,
 * 3 TIMED_OUT, 4 ABORTED; for the API clients (start, executions,
 * state-machines) also 5 the server refused the call, 6 no server
 * answered, 7 `start --wait --timeout` ran out. Only cli/ prints or exits. */
#ifndef SD_CLI_CLI_H
#define SD_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cli/client.h"

#define SD_EXIT_OK        0
#define SD_EXIT_FAILED    1
#define SD_EXIT_USAGE     2
#define SD_EXIT_TIMED_OUT 3
#define SD_EXIT_ABORTED   4
#define SD_EXIT_API       5 /* an API error: "stepd: Name: message" on stderr */
#define SD_EXIT_NO_SERVER 6 /* connection refused, DNS, timeout: nothing answered */
#define SD_EXIT_WAITED    7 /* start --wait --timeout: still running when the time was up */

int sd_cli_run(int argc, char **argv);
int sd_cli_validate(int argc, char **argv);
int sd_cli_eval(int argc, char **argv);
int sd_cli_serve(int argc, char **argv);
int sd_cli_start(int argc, char **argv);
int sd_cli_executions(int argc, char **argv);
int sd_cli_machines(int argc, char **argv);
int sd_cli_schedule(int argc, char **argv);
/* schedule create|update|describe|list|pause|resume|delete (argv[0]), a
 * client of the server's schedules (cli/schedule_client.c). */
int sd_cli_schedule_remote(int argc, char **argv);

/* The AWS connectors' context for --config FILE (NULL = none), or NULL
 * after a message (cli/aws.c). Free with sd_aws_free after the engine. */
struct sd_aws;
struct uv_loop_s;
struct sd_aws *sd_cli_aws_new(struct uv_loop_s *loop, const char *config_path, const char *fallback_region);

/* Shared helpers (cli/common.c). */
/* Reads a whole file (or "-" for stdin); NULL with a message on stderr. */
char *sd_cli_read_file(const char *path, size_t *len);
/* A file's bytes for one read-through: a regular file is mapped (its page
 * cache pages, nothing copied or zeroed), anything else is read. */
struct sd_cli_text {
  const char *data;
  size_t len;
  void *map;   /* the mapping, or NULL */
  char *owned; /* the buffer read, or NULL */
};
/* 0, or -1 with a message on stderr. Close with sd_cli_text_close. */
int sd_cli_text_open(struct sd_cli_text *t, const char *path);
void sd_cli_text_close(struct sd_cli_text *t);
/* Prints "stepd: <fmt>" to stderr. */
void sd_cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct sd_err;
/* Prints {"error": ..., "cause": ...} as the last stderr line. */
void sd_cli_print_error_line(const struct sd_err *e);

/* Helpers of the API client commands (cli/remote.c). */
/* Prints a failed call ("stepd: StateMachineDoesNotExist: ...") and
 * returns its exit status (SD_EXIT_API or SD_EXIT_NO_SERVER). */
int sd_cli_call_failed(int rc, const struct sd_err *err, const char *endpoint);
/* A client for `o`, or NULL after printing why (a malformed ~/.aws
 * file): the caller exits SD_EXIT_USAGE. */
struct sd_client *sd_cli_client_new(const struct sd_client_opts *o);
/* Prints `v` (borrowed) on stdout, indented as the aws CLI prints. */
void sd_cli_print_json(json_t *v);
/* A JSON text given inline (aws CLI's "file://PATH" reads a file, as its
 * options do) or in a file; checks that it parses, naming `what` in the
 * message. NULL (message printed) on failure; caller frees. */
char *sd_cli_json_text(const char *inline_text, const char *file, const char *what);

/* The options of `stepd executions` and `stepd state-machines`, named as
 * the aws CLI names them where it has them. */
struct sd_cli_remote_opts {
  struct sd_client_opts client;
  const char *machine;       /* --state-machine / --state-machine-arn: NAME or ARN */
  const char *execution;     /* --execution-arn, or the first bare argument */
  const char *status;        /* --status-filter */
  const char *error, *cause; /* stop */
  const char *name, *definition, *definition_file, *role_arn, *type;
  size_t max_items;      /* --max-items; 0: all */
  bool reverse, no_data; /* --reverse-order, --no-include-execution-data */
};
/* One subcommand of a command with subcommands. */
struct sd_cli_sub {
  const char *name;
  const char *options; /* the options it takes, space-separated, without "--" */
  const char *help;    /* one line for the usage text */
  int (*fn)(const struct sd_cli_remote_opts *o);
};
/* Calls `action` with `req` (stolen) and prints the answer. With
 * `machine_field`, o->machine (a NAME or an ARN) is resolved and set there
 * first; with `list_key`, every page is fetched and printed as one
 * {list_key: [...]}. Returns the exit status. */
int sd_cli_remote_do(const struct sd_cli_remote_opts *o, const char *action, json_t *req,
                     const char *machine_field, const char *list_key);
/* Parses argv[1] (the subcommand) and its options, then runs it. */
int sd_cli_sub_run(const char *cmd, const struct sd_cli_sub *subs, size_t n, int argc, char **argv);

#endif
