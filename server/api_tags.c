/* Tags on state machines: TagResource, UntagResource, ListTagsForResource,
 * and the `tags` of CreateStateMachine. Tags belong to the ARN (every
 * revision shares one object) and are stored with the machines. Not
 * for: activities, which do not exist yet (their ARNs are InvalidArn). */
#include "server/api.h"

#include <string.h>

#include "server/registry.h"

/* AWS's limit on tags per resource (Step Functions quotas page). */
#define TAG_LIMIT 50

int sd_api_tags_add(struct sd_api_call *c, json_t *tags, json_t *list, const char *arn) {
  if (!json_is_array(list))
    return sd_api_error(c, "SerializationException", "'tags' must be a list");
  json_t *merged = json_deep_copy(tags); /* new: nothing changes unless all is well */
  size_t i;
  json_t *t;
  json_array_foreach(list, i, t) {
    json_t *k = json_object_get(t, "key"), *v = json_object_get(t, "value"); /* borrowed */
    if (!json_is_string(k) || (v != NULL && !json_is_string(v))) {
      json_decref(merged);
      return sd_api_error(c, "SerializationException", "a tag must have a string key and value");
    }
    size_t klen = json_string_length(k), vlen = v ? json_string_length(v) : 0;
    if (klen < 1 || klen > 128 || vlen > 256) {
      json_decref(merged);
      return sd_api_error(
          c, "ValidationException",
          "1 validation error detected: Value at 'tags.%zu.member' failed to satisfy constraint: "
          "key length must be 1-128, value length 0-256",
          i + 1);
    }
    json_object_set_new(merged, json_string_value(k), json_string(v ? json_string_value(v) : ""));
  }
  if (json_object_size(merged) > TAG_LIMIT) {
    json_decref(merged);
    return sd_api_error(c, "TooManyTags", "Too many tags: a resource can have at most %d tags: '%s'",
                        TAG_LIMIT, arn);
  }
  json_object_update(tags, merged);
  json_decref(merged);
  return 0;
}

/* Tags are stored with their machine: answers once the write is committed. */
static void tags_saved(void *data, int status) {
  struct sd_api_call *c = data;
  if (status == 0)
    sd_api_reply(c, json_object());
  else
    sd_api_error(c, "InternalFailure", "the tags could not be recorded");
}

/* The machine a resourceArn names; NULL after answering InvalidArn or
 * ResourceNotFound. */
static struct sd_reg_machine *find_resource(struct sd_api_call *c) {
  const char *arn;
  if (sd_api_get_str(c, "resourceArn", true, &arn) != 0 || sd_api_check_arn(c, arn, "stateMachine") != 0)
    return NULL;
  struct sd_reg_machine *m = sd_registry_machine(c->api->reg, arn);
  if (m == NULL || m->deleted)
    sd_api_error(c, "ResourceNotFound", "Resource not found: '%s'", arn);
  return m && !m->deleted ? m : NULL;
}

void sd_api_tag_resource(struct sd_api_call *c) {
  struct sd_reg_machine *m = find_resource(c);
  if (m == NULL)
    return;
  json_t *list = json_object_get(c->in, "tags"); /* borrowed */
  if (list == NULL) {
    sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not "
        "be null");
    return;
  }
  if (sd_api_tags_add(c, m->tags, list, m->arn) == 0)
    sd_registry_machine_save(c->api->reg, m->arn, tags_saved, c);
}

void sd_api_untag_resource(struct sd_api_call *c) {
  struct sd_reg_machine *m = find_resource(c);
  if (m == NULL)
    return;
  json_t *keys = json_object_get(c->in, "tagKeys"); /* borrowed */
  if (!json_is_array(keys)) {
    sd_api_error(
        c, "ValidationException",
        "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must "
        "not be null");
    return;
  }
  size_t i;
  json_t *k;
  json_array_foreach(keys, i, k) {
    if (!json_is_string(k)) {
      sd_api_error(c, "SerializationException", "'tagKeys' must be a list of strings");
      return;
    }
  }
  json_array_foreach(keys, i, k) json_object_del(m->tags, json_string_value(k));
  sd_registry_machine_save(c->api->reg, m->arn, tags_saved, c);
}

void sd_api_list_tags_for_resource(struct sd_api_call *c) {
  struct sd_reg_machine *m = find_resource(c);
  if (m == NULL)
    return;
  json_t *list = json_array(); /* new */
  const char *k;
  json_t *v;
  json_object_foreach(m->tags, k, v) {
    json_array_append_new(list, json_pack("{s:s, s:O}", "key", k, "value", v));
  }
  sd_api_reply(c, json_pack("{s:o}", "tags", list));
}
