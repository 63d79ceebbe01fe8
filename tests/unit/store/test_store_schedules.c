/* Schedule rows (store.h, migration 4): a put keeps the fire marks, the
 * marks survive a reopen, delete removes the row. In memory: the SQL is
 * the same for a file, which test_store.c covers for migrations. */
#include <jansson.h>

#include "engine/err.h"
#include "engine/store.h"
#include "runner.h"

TEST(schedule_rows_keep_fire_marks_across_updates) {
  struct sd_err err = { 0 };
  struct sd_store *s = sd_store_open(":memory:", &err);
  ASSERT(s != NULL);
  struct sd_store_schedule a = { .group = "default", .name = "nightly", .doc = "{\"v\": 1}" };
  struct sd_store_schedule b = { .group = "default", .name = "hourly", .doc = "{}" };
  ASSERT_INT_EQ(sd_store_schedule_put(s, &a, &err), 0);
  ASSERT_INT_EQ(sd_store_schedule_put(s, &b, &err), 0);
  ASSERT_INT_EQ(sd_store_schedule_fired(s, "default", "nightly", 2000, 1000, &err), 0);
  a.doc = "{\"v\": 2}"; /* UpdateSchedule: the marks stay */
  ASSERT_INT_EQ(sd_store_schedule_put(s, &a, &err), 0);
  /* A fire recorded for a schedule deleted meanwhile is no error. */
  ASSERT_INT_EQ(sd_store_schedule_fired(s, "default", "gone", 1, 1, &err), 0);
  json_t *rows = sd_store_schedule_list(s, &err); /* new */
  ASSERT_JSON_EQ(rows,
                 "[{\"group\": \"default\", \"name\": \"hourly\", \"doc\": \"{}\", \"claimed_ms\": 0, "
                 "\"done_ms\": 0}, {\"group\": \"default\", \"name\": \"nightly\", \"doc\": \"{\\\"v\\\": "
                 "2}\", \"claimed_ms\": 2000, \"done_ms\": 1000}]");
  json_decref(rows);
  ASSERT_INT_EQ(sd_store_schedule_delete(s, "default", "hourly", &err), 0);
  ASSERT_INT_EQ(sd_store_schedule_delete(s, "default", "hourly", &err), 0);
  rows = sd_store_schedule_list(s, &err);
  ASSERT_INT_EQ(json_array_size(rows), 1);
  json_decref(rows);
  sd_store_close(s);
  return 0;
}
