/* TestState's check of a mocked result against the service's API model
 * (botocore's service-2.json shapes): a mock must look like what the
 * service could answer, with AWS's "Mock result schema validation error"
 * messages. Fields the model does not know are let through, as AWS does. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/teststate.h"

#define PREFIX "Mock result schema validation error: Field '%s' "

static int check_shape(json_t *shapes, const char *shape_name, const char *field, json_t *v,
                       struct sd_err *err);

static int fail(struct sd_err *err, const char *field, const char *what) {
  return sd_err_set(err, "ValidationException", PREFIX "%s", field, what);
}

static int check_number(json_t *shape, const char *field, json_t *v, struct sd_err *err) {
  if (!json_is_number(v))
    return fail(err, field, "must be a number");
  double n = json_number_value(v);
  json_t *lo = json_object_get(shape, "min"), *hi = json_object_get(shape, "max"); /* borrowed */
  if (lo != NULL && n < json_number_value(lo))
    return fail(err, field, "is less than the minimum value");
  if (hi != NULL && n > json_number_value(hi))
    return fail(err, field, "exceeds the maximum value");
  return 0;
}

static int check_string(json_t *shape, const char *field, json_t *v, struct sd_err *err) {
  if (!json_is_string(v))
    return fail(err, field, "must be a string");
  json_t *lo = json_object_get(shape, "min"), *hi = json_object_get(shape, "max"); /* borrowed */
  size_t len = json_string_length(v);
  if (lo != NULL && (double)len < json_number_value(lo))
    return fail(err, field, "is smaller than the minimum length");
  if (hi != NULL && (double)len > json_number_value(hi))
    return fail(err, field, "exceeds the maximum length");
  json_t *choices = json_object_get(shape, "enum"); /* borrowed */
  if (choices == NULL)
    return 0;
  size_t i;
  json_t *c;
  json_array_foreach(choices, i, c) {
    if (json_equal(c, v))
      return 0;
  }
  return fail(err, field, "is not an expected value");
}

static int check_shape(json_t *shapes, const char *shape_name, const char *field, json_t *v,
                       struct sd_err *err) {
  json_t *shape = json_object_get(shapes, shape_name); /* borrowed */
  const char *type = json_string_value(json_object_get(shape, "type"));
  if (type == NULL || json_is_null(v))
    return 0;
  if (strcmp(type, "structure") == 0) {
    if (!json_is_object(v))
      return fail(err, field, "must be an object");
    json_t *members = json_object_get(shape, "members"); /* borrowed */
    const char *k;
    json_t *mv;
    json_object_foreach(v, k, mv) {
      const char *sub = json_string_value(json_object_get(json_object_get(members, k), "shape"));
      if (sub != NULL && check_shape(shapes, sub, k, mv, err) != 0)
        return -1;
    }
    return 0;
  }
  if (strcmp(type, "list") == 0) {
    if (!json_is_array(v))
      return fail(err, field, "must be an array");
    const char *sub = json_string_value(json_object_get(json_object_get(shape, "member"), "shape"));
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
      if (sub != NULL && check_shape(shapes, sub, field, e, err) != 0)
        return -1;
    }
    return 0;
  }
  if (strcmp(type, "map") == 0) {
    if (!json_is_object(v))
      return fail(err, field, "must be an object");
    const char *sub = json_string_value(json_object_get(json_object_get(shape, "value"), "shape"));
    const char *k;
    json_t *mv;
    json_object_foreach(v, k, mv) {
      if (sub != NULL && check_shape(shapes, sub, k, mv, err) != 0)
        return -1;
    }
    return 0;
  }
  if (strcmp(type, "integer") == 0 || strcmp(type, "long") == 0 || strcmp(type, "float") == 0 ||
      strcmp(type, "double") == 0)
    return check_number(shape, field, v, err);
  if (strcmp(type, "string") == 0 || strcmp(type, "blob") == 0)
    return check_string(shape, field, v, err);
  if (strcmp(type, "boolean") == 0 && !json_is_boolean(v))
    return fail(err, field, "must be a boolean");
  /* timestamps: AWS takes both epoch numbers and date strings */
  return 0;
}

/* "getFunction" -> "GetFunction" into out (size n). */
static void pascal(const char *action, char *out, size_t n) {
  size_t len = strcspn(action, ".");
  if (len >= n)
    len = n - 1;
  memcpy(out, action, len);
  out[len] = '\0';
  if (len > 0 && out[0] >= 'a' && out[0] <= 'z')
    out[0] = (char)(out[0] - 'a' + 'A');
}

int sd_teststate_mock_check(const char *models_dir, const char *resource, json_t *result,
                            struct sd_err *err) {
  static const char optimized[] = "arn:aws:states:::";
  if (strncmp(resource, optimized, strlen(optimized)) != 0)
    return 0;
  const char *rest = resource + strlen(optimized);
  if (strncmp(rest, "aws-sdk:", 8) == 0)
    rest += 8;
  const char *colon = strchr(rest, ':');
  if (colon == NULL || (size_t)(colon - rest) >= 64)
    return 0;
  char service[64], op[128];
  memcpy(service, rest, (size_t)(colon - rest));
  service[colon - rest] = '\0';
  pascal(colon + 1, op, sizeof op);
  if (strcmp(service, "states") == 0)
    snprintf(service, sizeof service, "%s", "stepfunctions");
  char *path = sd_asprintf("%s/%s.service-2.json", models_dir, service);
  json_t *model = json_load_file(path, 0, NULL); /* new */
  free(path);
  if (model == NULL)
    return 0;
  json_t *v = json_incref(result);
  if (strcmp(service, "lambda") == 0 && strcmp(op, "Invoke") == 0 && json_is_object(v)) {
    /* The optimized integration answers the function's output as JSON,
     * where the API's Payload is a blob. */
    json_decref(v);
    v = json_copy(result);
    json_object_del(v, "Payload");
  }
  json_t *opj = json_object_get(json_object_get(model, "operations"), op); /* borrowed */
  const char *out = json_string_value(json_object_get(json_object_get(opj, "output"), "shape"));
  int rc = out ? check_shape(json_object_get(model, "shapes"), out, "", v, err) : 0;
  json_decref(v);
  json_decref(model);
  return rc;
}
