/* The credential, region and endpoint chain of aws_config.h, and the
 * --config file's checks. The shared files are INI as the AWS CLI writes
 * them: `[name]` sections (`[profile name]` and `[services name]` in the
 * config file), `key = value` lines, `#`/`;` comments, and indented
 * sub-keys under a key with no value (`lambda =` then `  endpoint_url =
 * ...`), read here as "lambda.endpoint_url". */
#include "integrations/aws_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/str.h"

const char SD_AWS_E_CONFIG[] = "InvalidConfig";

struct sd_aws_config {
  char *region;              /* owned */
  struct sd_aws_creds creds; /* key_id NULL = none */
  char *source;              /* owned */
  char *profile;             /* owned */
  json_t *endpoints;         /* the file's "endpoints"; owned or NULL */
  json_t *connections;       /* the file's "connections"; owned or NULL */
  struct sd_aws_ini cfg;     /* the shared config file */
  bool ignore_configured;    /* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS */
};

void sd_aws_creds_clear(struct sd_aws_creds *c) {
  free(c->key_id);
  free(c->secret);
  free(c->token);
  memset(c, 0, sizeof *c);
}

static void ini_add(struct sd_aws_ini *ini, const char *section, const char *key, const char *value) {
  if (ini->n == ini->cap) {
    ini->cap = ini->cap ? ini->cap * 2 : 32;
    ini->e = sd_xrealloc(ini->e, ini->cap * sizeof *ini->e);
  }
  ini->e[ini->n++] = (struct sd_aws_ini_entry){ sd_xstrdup(section), sd_xstrdup(key), sd_xstrdup(value) };
}

void sd_aws_ini_free(struct sd_aws_ini *ini) {
  for (size_t i = 0; i < ini->n; i++) {
    free(ini->e[i].section);
    free(ini->e[i].key);
    free(ini->e[i].value);
  }
  free(ini->e);
  memset(ini, 0, sizeof *ini);
}

int sd_aws_ini_load(struct sd_aws_ini *ini, const char *path, struct sd_err *err) {
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return errno == ENOENT ? 0
                           : sd_err_set(err, SD_AWS_E_CONFIG, "cannot read %s: %s", path, strerror(errno));
  char line[4096];
  char *section = NULL, *parent = NULL;
  int lineno = 0, rc = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    lineno++;
    bool indented = line[0] == ' ' || line[0] == '\t';
    char *s = sd_str_trim(line);
    if (*s == '\0' || *s == '#' || *s == ';')
      continue;
    if (*s == '[') {
      char *end = strchr(s, ']');
      if (end == NULL) {
        rc = sd_err_set(err, SD_AWS_E_CONFIG, "%s:%d: a section header lacks its ']'", path, lineno);
        break;
      }
      *end = '\0';
      free(section);
      section = sd_xstrdup(sd_str_trim(s + 1));
      free(parent);
      parent = NULL;
      continue;
    }
    char *eq = strchr(s, '=');
    if (eq == NULL || section == NULL) {
      rc = sd_err_set(err, SD_AWS_E_CONFIG, "%s:%d: expected 'key = value' inside a [section]", path, lineno);
      break;
    }
    *eq = '\0';
    char *key = sd_str_trim(s), *value = sd_str_trim(eq + 1);
    if (indented && parent != NULL) {
      char *full = sd_xstrcat3(parent, ".", key);
      ini_add(ini, section, full, value);
      free(full);
      continue;
    }
    free(parent);
    parent = *value == '\0' ? sd_xstrdup(key) : NULL;
    ini_add(ini, section, key, value);
  }
  free(section);
  free(parent);
  fclose(f);
  return rc;
}

static const char *ini_get(const struct sd_aws_ini *ini, const char *section, const char *key) {
  for (size_t i = 0; i < ini->n; i++)
    if (strcmp(ini->e[i].section, section) == 0 && strcmp(ini->e[i].key, key) == 0)
      return ini->e[i].value;
  return NULL;
}

static const char *env(const char *name) {
  const char *v = getenv(name);
  return v != NULL && v[0] != '\0' ? v : NULL;
}

/* A shared file's path: the variable, else ~/.aws/<name>. New string. */
static char *shared_path(const char *var, const char *name) {
  if (env(var) != NULL)
    return sd_xstrdup(env(var));
  const char *home = env("HOME");
  return sd_asprintf("%s/.aws/%s", home ? home : ".", name);
}

/* The profile's section in the config file: "default" or "profile NAME". */
static const char *cfg_get(const struct sd_aws_config *c, const char *key) {
  char *sec =
      strcmp(c->profile, "default") == 0 ? sd_xstrdup("default") : sd_xstrcat3("profile ", c->profile, NULL);
  const char *v = ini_get(&c->cfg, sec, key);
  free(sec);
  return v;
}

static void creds_set(struct sd_aws_creds *cr, const char *id, const char *secret, const char *token) {
  cr->key_id = sd_xstrdup(id);
  cr->secret = sd_xstrdup(secret);
  cr->token = token && token[0] ? sd_xstrdup(token) : NULL;
}

static int file_string(json_t *file, const char *key, const char **out, struct sd_err *err) {
  json_t *v = json_object_get(file, key);
  if (v == NULL)
    return 0;
  if (!json_is_string(v) || json_string_length(v) == 0) {
    sd_err_set(err, SD_AWS_E_CONFIG, "\"%s\" must be a non-empty string", key);
    sd_err_set_where(err, "/%s", key);
    return -1;
  }
  *out = json_string_value(v);
  return 0;
}

/* Checks the --config file's shape; its meaning is read where used. */
static int check_file(json_t *file, struct sd_err *err) {
  static const char *const known[] = { "region", "profile", "credentials", "endpoints", "connections", NULL };
  if (!json_is_object(file))
    return sd_err_set(err, SD_AWS_E_CONFIG, "the configuration must be a JSON object");
  const char *k;
  json_t *v;
  json_object_foreach(file, k, v) {
    size_t i = 0;
    while (known[i] != NULL && strcmp(known[i], k) != 0)
      i++;
    if (known[i] == NULL) {
      sd_err_set(err, SD_AWS_E_CONFIG,
                 "unknown field \"%s\" (known: region, profile, credentials, endpoints, connections)", k);
      sd_err_set_where(err, "/%s", k);
      return -1;
    }
  }
  json_t *cr = json_object_get(file, "credentials");
  if (cr != NULL && (!json_is_object(cr) || !json_is_string(json_object_get(cr, "accessKeyId")) ||
                     !json_is_string(json_object_get(cr, "secretAccessKey")))) {
    sd_err_set(err, SD_AWS_E_CONFIG, "\"credentials\" needs string fields accessKeyId and secretAccessKey");
    sd_err_set_where(err, "/credentials");
    return -1;
  }
  json_t *eps = json_object_get(file, "endpoints");
  if (eps != NULL && !json_is_object(eps)) {
    sd_err_set(err, SD_AWS_E_CONFIG,
               "\"endpoints\" must map service keys (lambda, sns, glue, sts...) to URLs");
    sd_err_set_where(err, "/endpoints");
    return -1;
  }
  json_object_foreach(eps, k, v) {
    const char *u = json_string_value(v);
    if (u == NULL || (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)) {
      sd_err_set(err, SD_AWS_E_CONFIG, "the endpoint of \"%s\" must be an http:// or https:// URL", k);
      sd_err_set_where(err, "/endpoints/%s", k);
      return -1;
    }
  }
  json_t *conns = json_object_get(file, "connections");
  if (conns != NULL && !json_is_object(conns)) {
    sd_err_set(err, SD_AWS_E_CONFIG, "\"connections\" must map connection names or ARNs to objects");
    sd_err_set_where(err, "/connections");
    return -1;
  }
  json_object_foreach(conns, k, v) {
    if (!json_is_object(v)) {
      sd_err_set(err, SD_AWS_E_CONFIG, "the connection \"%s\" must be an object", k);
      sd_err_set_where(err, "/connections/%s", k);
      return -1;
    }
  }
  return 0;
}

static int load_creds(struct sd_aws_config *c, json_t *file, const struct sd_aws_ini *credfile,
                      const char *credpath, const char *cfgpath) {
  json_t *cr = json_object_get(file, "credentials");
  if (cr != NULL) {
    creds_set(&c->creds, json_string_value(json_object_get(cr, "accessKeyId")),
              json_string_value(json_object_get(cr, "secretAccessKey")),
              json_string_value(json_object_get(cr, "sessionToken")));
    c->source = sd_xstrdup("credentials from the --config file");
    return 0;
  }
  if (env("AWS_ACCESS_KEY_ID") && env("AWS_SECRET_ACCESS_KEY")) {
    creds_set(&c->creds, env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN"));
    c->source = sd_xstrdup("credentials from AWS_ACCESS_KEY_ID");
    return 0;
  }
  const char *id = ini_get(credfile, c->profile, "aws_access_key_id");
  const char *secret = ini_get(credfile, c->profile, "aws_secret_access_key");
  if (id && secret) {
    creds_set(&c->creds, id, secret, ini_get(credfile, c->profile, "aws_session_token"));
    c->source = sd_asprintf("credentials of profile %s in %s", c->profile, credpath);
    return 0;
  }
  id = cfg_get(c, "aws_access_key_id");
  secret = cfg_get(c, "aws_secret_access_key");
  if (id && secret) {
    creds_set(&c->creds, id, secret, cfg_get(c, "aws_session_token"));
    c->source = sd_asprintf("credentials of profile %s in %s", c->profile, cfgpath);
    return 0;
  }
  c->source = sd_xstrdup("no credentials: requests go unsigned");
  return 0;
}

struct sd_aws_config *sd_aws_config_new(json_t *file, const char *fallback_region, struct sd_err *err) {
  if (file != NULL && check_file(file, err) != 0)
    return NULL;
  struct sd_aws_config *c = sd_xcalloc(1, sizeof *c);
  const char *profile = NULL, *region = NULL;
  if (file_string(file, "profile", &profile, err) != 0 || file_string(file, "region", &region, err) != 0) {
    free(c);
    return NULL;
  }
  c->profile = sd_xstrdup(profile ? profile : env("AWS_PROFILE") ? env("AWS_PROFILE") : "default");
  char *credpath = shared_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
  char *cfgpath = shared_path("AWS_CONFIG_FILE", "config");
  struct sd_aws_ini credfile = { 0 };
  int rc = sd_aws_ini_load(&credfile, credpath, err);
  if (rc == 0)
    rc = sd_aws_ini_load(&c->cfg, cfgpath, err);
  if (rc == 0) {
    load_creds(c, file, &credfile, credpath, cfgpath);
    if (region == NULL)
      region = env("AWS_REGION") ? env("AWS_REGION") : env("AWS_DEFAULT_REGION");
    if (region == NULL)
      region = cfg_get(c, "region");
    c->region = sd_xstrdup(region ? region : fallback_region ? fallback_region : "us-east-1");
    const char *ign = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    if (ign == NULL)
      ign = cfg_get(c, "ignore_configured_endpoint_urls");
    c->ignore_configured = ign != NULL && strcasecmp(ign, "true") == 0;
    c->endpoints = json_incref(json_object_get(file, "endpoints"));
    c->connections = json_incref(json_object_get(file, "connections"));
  }
  sd_aws_ini_free(&credfile);
  free(credpath);
  free(cfgpath);
  if (rc != 0) {
    sd_aws_config_free(c);
    return NULL;
  }
  return c;
}

void sd_aws_config_free(struct sd_aws_config *c) {
  if (c == NULL)
    return;
  free(c->region);
  sd_aws_creds_clear(&c->creds);
  free(c->source);
  free(c->profile);
  json_decref(c->endpoints);
  json_decref(c->connections);
  sd_aws_ini_free(&c->cfg);
  free(c);
}

const char *sd_aws_config_region(const struct sd_aws_config *c) {
  return c->region;
}

const struct sd_aws_creds *sd_aws_config_creds(const struct sd_aws_config *c) {
  return c->creds.key_id != NULL ? &c->creds : NULL;
}

const char *sd_aws_config_source(const struct sd_aws_config *c) {
  return c->source;
}

/* serviceId -> the SDK's env suffix or config key: spaces become
 * underscores, letters upper- or lower-cased. New string. */
static char *service_key(const char *id, bool upper) {
  char *k = sd_xstrdup(id);
  for (char *p = k; *p; p++)
    *p = *p == ' ' ? '_' : (char)(upper ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
  return k;
}

static char *strip_slash(const char *url) {
  size_t n = strlen(url);
  while (n > 0 && url[n - 1] == '/')
    n--;
  return sd_xstrndup(url, n);
}

char *sd_aws_config_endpoint(const struct sd_aws_config *c, const struct sd_aws_service *svc,
                             const char *region) {
  char *lower = service_key(svc->id, false);
  const char *url = json_string_value(json_object_get(c->endpoints, lower));
  if (url == NULL && !c->ignore_configured) {
    char *upper = service_key(svc->id, true);
    char *var = sd_xstrcat3("AWS_ENDPOINT_URL_", upper, NULL);
    url = env(var);
    free(var);
    free(upper);
  }
  if (url == NULL && svc->sfn_local_env != NULL)
    url = env(svc->sfn_local_env);
  if (url == NULL)
    url = json_string_value(json_object_get(c->endpoints, "default"));
  if (url == NULL && !c->ignore_configured) {
    url = env("AWS_ENDPOINT_URL");
    if (url == NULL) {
      const char *services = cfg_get(c, "services");
      if (services != NULL) {
        char *sec = sd_xstrcat3("services ", services, NULL);
        char *key = sd_xstrcat3(lower, ".endpoint_url", NULL);
        url = ini_get(&c->cfg, sec, key);
        free(sec);
        free(key);
      }
    }
    if (url == NULL)
      url = cfg_get(c, "endpoint_url");
  }
  free(lower);
  if (url != NULL)
    return strip_slash(url);
  return sd_asprintf("https://%s.%s.amazonaws.com", svc->prefix, region ? region : c->region);
}

json_t *sd_aws_config_connection(const struct sd_aws_config *c, const char *arn_or_name) {
  json_t *v = json_object_get(c->connections, arn_or_name);
  if (v != NULL || arn_or_name == NULL)
    return v;
  /* arn:aws:events:REGION:ACCOUNT:connection/NAME/UUID: the name alone. */
  const char *p = strstr(arn_or_name, ":connection/");
  if (p == NULL)
    return NULL;
  p += strlen(":connection/");
  const char *slash = strchr(p, '/');
  char *name = slash ? sd_xstrndup(p, (size_t)(slash - p)) : sd_xstrdup(p);
  v = json_object_get(c->connections, name);
  free(name);
  return v;
}
