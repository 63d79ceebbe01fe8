/* What the API client commands (start, executions, state-machines) share
 * on the printing side: reporting a failed call with its exit status,
 * printing an answer, reading a JSON argument. The HTTP side is client.c. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client.h"
#include "engine/alloc.h"
#include "engine/err.h"

int sd_cli_call_failed(int rc, const struct sd_err *err, const char *endpoint) {
  if (rc == SD_CLIENT_UNREACHABLE) {
    sd_cli_errorf("cannot reach %s: %s", endpoint, err->cause ? err->cause : "no answer");
    return SD_EXIT_NO_SERVER;
  }
  sd_cli_errorf("%s: %s", err->name ? err->name : "Error", err->cause ? err->cause : "");
  return SD_EXIT_API;
}

struct sd_client *sd_cli_client_new(const struct sd_client_opts *o) {
  struct sd_err err = { 0 };
  struct sd_client *c = sd_client_new(o, &err);
  if (c == NULL)
    sd_cli_errorf("%s", err.cause ? err.cause : err.name);
  sd_err_clear(&err);
  return c;
}

void sd_cli_print_json(json_t *v) {
  /* Jansson's real format (%.17g) would print 1764080000.123 as
   * 1764080000.1229999; timestamps are epoch seconds with milliseconds, so
   * print them with three decimals as the API sent them. */
  char *s = json_dumps(v, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(16));
  printf("%s\n", s ? s : "null");
  free(s);
}

char *sd_cli_json_text(const char *inline_text, const char *file, const char *what) {
  char *text;
  size_t len;
  if (inline_text != NULL && strncmp(inline_text, "file://", 7) == 0)
    file = inline_text + 7;
  if (file != NULL) {
    text = sd_cli_read_file(file, &len);
    if (text == NULL)
      return NULL;
  } else {
    text = sd_xstrdup(inline_text);
    len = strlen(text);
  }
  json_error_t jerr;
  json_t *v = json_loadb(text, len, JSON_DECODE_ANY, &jerr); /* new */
  if (v == NULL) {
    sd_cli_errorf("%s is not JSON: %s at line %d, column %d", what, jerr.text, jerr.line, jerr.column);
    free(text);
    return NULL;
  }
  json_decref(v);
  return text;
}

/* Whether `opt` ("max-items") is one of the space-separated `list`. */
static bool allowed(const char *list, const char *opt) {
  size_t n = strlen(opt);
  for (const char *p = list; *p != '\0';) {
    size_t w = strcspn(p, " ");
    if (w == n && strncmp(p, opt, n) == 0)
      return true;
    p += w;
    p += strspn(p, " ");
  }
  return false;
}

static void sub_usage(FILE *fp, const char *cmd, const struct sd_cli_sub *subs, size_t n) {
  fprintf(fp, "usage: stepd %s SUBCOMMAND [options]\n\n", cmd);
  for (size_t i = 0; i < n; i++) {
    fprintf(fp, "  %-9s %s\n            options:", subs[i].name, subs[i].help);
    for (const char *p = subs[i].options; *p != '\0';) {
      size_t w = strcspn(p, " ");
      fprintf(fp, " --%.*s", (int)w, p);
      p += w;
      p += strspn(p, " ");
    }
    fputc('\n', fp);
  }
  fprintf(fp, "\nEvery subcommand also takes --endpoint URL, --region REGION and --no-sign-request\n"
              "(as `stepd start --help` says). Prints the API's answer as JSON (list and history\n"
              "follow nextToken and print all pages as one). Exit status: 0 done, 2 usage,\n"
              "5 the API refused the call (\"stepd: Name: message\" on stderr), 6 no server answered.\n");
}

static int parse_value(struct sd_cli_remote_opts *o, const char *opt, const char *v) {
  const char **slot = NULL;
  if (strcmp(opt, "state-machine") == 0 || strcmp(opt, "state-machine-arn") == 0)
    slot = &o->machine;
  else if (strcmp(opt, "execution-arn") == 0)
    slot = &o->execution;
  else if (strcmp(opt, "status-filter") == 0)
    slot = &o->status;
  else if (strcmp(opt, "error") == 0)
    slot = &o->error;
  else if (strcmp(opt, "cause") == 0)
    slot = &o->cause;
  else if (strcmp(opt, "name") == 0)
    slot = &o->name;
  else if (strcmp(opt, "definition") == 0)
    slot = &o->definition;
  else if (strcmp(opt, "definition-file") == 0)
    slot = &o->definition_file;
  else if (strcmp(opt, "role-arn") == 0)
    slot = &o->role_arn;
  else if (strcmp(opt, "type") == 0)
    slot = &o->type;
  if (slot != NULL) {
    *slot = v;
    return 0;
  }
  /* max-items, the only number */
  char *end;
  long n = strtol(v, &end, 10);
  if (end == v || *end != '\0' || n < 1) {
    sd_cli_errorf("--max-items takes a whole number >= 1, not '%s'", v);
    return -1;
  }
  o->max_items = (size_t)n;
  return 0;
}

static int parse_sub(const struct sd_cli_sub *sub, int argc, char **argv, struct sd_cli_remote_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int took = sd_client_opt_parse(argc, argv, &i, &o->client);
    if (took < 0)
      return -1;
    if (took > 0)
      continue;
    if (strncmp(a, "--", 2) != 0) {
      if (o->execution == NULL && allowed(sub->options, "execution-arn")) {
        o->execution = a;
        continue;
      }
      sd_cli_errorf("%s: unexpected argument '%s'", sub->name, a);
      return -1;
    }
    if (!allowed(sub->options, a + 2)) {
      sd_cli_errorf("%s: unknown option %s", sub->name, a);
      return -1;
    }
    if (strcmp(a, "--reverse-order") == 0) {
      o->reverse = true;
    } else if (strcmp(a, "--no-include-execution-data") == 0) {
      o->no_data = true;
    } else if (i + 1 >= argc) {
      sd_cli_errorf("%s: option %s needs a value", sub->name, a);
      return -1;
    } else if (parse_value(o, a + 2, argv[++i]) != 0) {
      return -1;
    }
  }
  return 0;
}

int sd_cli_sub_run(const char *cmd, const struct sd_cli_sub *subs, size_t n, int argc, char **argv) {
  if (argc < 2) {
    sub_usage(stderr, cmd, subs, n);
    return SD_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    sub_usage(stdout, cmd, subs, n);
    return SD_EXIT_OK;
  }
  for (size_t i = 0; i < n; i++) {
    if (strcmp(argv[1], subs[i].name) != 0)
      continue;
    for (int j = 2; j < argc; j++)
      if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0) {
        sub_usage(stdout, cmd, subs + i, 1);
        return SD_EXIT_OK;
      }
    struct sd_cli_remote_opts o = { 0 };
    if (parse_sub(&subs[i], argc - 1, argv + 1, &o) != 0)
      return SD_EXIT_USAGE;
    return subs[i].fn(&o);
  }
  sd_cli_errorf("%s: unknown subcommand '%s'", cmd, argv[1]);
  sub_usage(stderr, cmd, subs, n);
  return SD_EXIT_USAGE;
}

int sd_cli_remote_do(const struct sd_cli_remote_opts *o, const char *action, json_t *req,
                     const char *machine_field, const char *list_key) {
  struct sd_client *c = sd_cli_client_new(&o->client);
  if (c == NULL) {
    json_decref(req);
    return SD_EXIT_USAGE;
  }
  struct sd_err err = { 0 };
  json_t *out = NULL; /* new */
  enum sd_client_rc rc = SD_CLIENT_OK;
  if (machine_field != NULL) {
    char *arn; /* owned */
    rc = sd_client_machine_arn(c, o->machine, &arn, &err);
    if (rc == SD_CLIENT_OK) {
      json_object_set_new(req, machine_field, json_string(arn));
      free(arn);
    }
  }
  if (rc == SD_CLIENT_OK && list_key != NULL) {
    json_t *items; /* new */
    rc = sd_client_pages(c, action, req, list_key, o->max_items, &items, &err);
    if (rc == SD_CLIENT_OK)
      out = json_pack("{s:o}", list_key, items);
  } else if (rc == SD_CLIENT_OK) {
    rc = sd_client_call(c, action, req, &out, &err);
  }
  int code = SD_EXIT_OK;
  if (rc == SD_CLIENT_OK)
    sd_cli_print_json(out);
  else
    code = sd_cli_call_failed(rc, &err, sd_client_endpoint(c));
  json_decref(out);
  json_decref(req);
  sd_err_clear(&err);
  sd_client_free(c);
  return code;
}
