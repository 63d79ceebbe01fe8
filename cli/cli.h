/* The CLI's commands. Each returns the process exit status:
 * 0 success, 1 execution FAILED, 2 usage / invalid definition or input,
 * 3 TIMED_OUT, 4 ABORTED. Only cli/ prints or exits. */
#ifndef SD_CLI_CLI_H
#define SD_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define SD_EXIT_OK        0
#define SD_EXIT_FAILED    1
#define SD_EXIT_USAGE     2
#define SD_EXIT_TIMED_OUT 3
#define SD_EXIT_ABORTED   4

int sd_cli_run(int argc, char **argv);
int sd_cli_validate(int argc, char **argv);
int sd_cli_eval(int argc, char **argv);
int sd_cli_serve(int argc, char **argv);

/* Shared helpers (cli/common.c). */
/* Reads a whole file (or "-" for stdin); NULL with a message on stderr. */
char *sd_cli_read_file(const char *path, size_t *len);
/* Prints "stepd: <fmt>" to stderr. */
void sd_cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
