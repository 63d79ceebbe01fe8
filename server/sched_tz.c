/* Time zones from TZif files (RFC 8536): the version 2+ table of
 * transitions with 64-bit times, and the POSIX TZ string in its footer for
 * instants after the last transition (zones built "slim" carry only a few
 * years of transitions; schedules run until 2199). Not for: cron rules or
 * formatting. */
#include "server/sched_tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/timefmt.h"

#define TZ_FILE_MAX (1u << 20) /* the largest zone of tzdata is ~4 KiB */

/* One POSIX TZ rule date: Mm.w.d (month, week 1-5 where 5 = last, weekday
 * 0 = Sunday), Jn (1-365, Feb 29 never counted) or n (0-365). */
struct rule_date {
  char kind; /* 'M', 'J' or 'n' */
  int m, w, d, n;
  int32_t secs; /* local time of day of the change; may be < 0 or > 24 h */
};

struct sd_tz {
  char *name;     /* owned */
  int64_t *trans; /* transition instants, ascending; owned */
  uint8_t *idx;   /* the type in force from each transition; owned */
  int32_t *utoff; /* per type, seconds east; owned */
  size_t ntrans;
  size_t ntypes;
  bool has_rule; /* the footer names a rule for instants past the table */
  int32_t std_off, dst_off;
  bool rule_dst; /* the footer zone has daylight saving time */
  struct rule_date start, end;
};

static bool leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ---- the POSIX TZ string ---- */

static bool parse_name(const char **p) {
  const char *s = *p;
  if (*s == '<') {
    while (*s != '\0' && *s != '>')
      s++;
    if (*s != '>')
      return false;
    *p = s + 1;
    return true;
  }
  while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
    s++;
  if (s - *p < 3)
    return false;
  *p = s;
  return true;
}

static bool parse_num(const char **p, int lo, int hi, int *out) {
  const char *s = *p;
  int v = 0, n = 0;
  while (*s >= '0' && *s <= '9' && n < 4) {
    v = v * 10 + (*s++ - '0');
    n++;
  }
  if (n == 0 || v < lo || v > hi)
    return false;
  *p = s;
  *out = v;
  return true;
}

/* [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536's extension for rule times). */
static bool parse_hms(const char **p, int32_t *out) {
  int sign = 1, h, m = 0, sec = 0;
  if (**p == '+' || **p == '-')
    sign = *(*p)++ == '-' ? -1 : 1;
  if (!parse_num(p, 0, 167, &h))
    return false;
  if (**p == ':') {
    (*p)++;
    if (!parse_num(p, 0, 59, &m))
      return false;
    if (**p == ':') {
      (*p)++;
      if (!parse_num(p, 0, 59, &sec))
        return false;
    }
  }
  *out = sign * (h * 3600 + m * 60 + sec);
  return true;
}

static bool parse_rule_date(const char **p, struct rule_date *r) {
  r->secs = 7200; /* 02:00 unless given */
  if (**p == 'M') {
    (*p)++;
    r->kind = 'M';
    if (!parse_num(p, 1, 12, &r->m) || *(*p)++ != '.' || !parse_num(p, 1, 5, &r->w) || *(*p)++ != '.' ||
        !parse_num(p, 0, 6, &r->d))
      return false;
  } else if (**p == 'J') {
    (*p)++;
    r->kind = 'J';
    if (!parse_num(p, 1, 365, &r->n))
      return false;
  } else {
    r->kind = 'n';
    if (!parse_num(p, 0, 365, &r->n))
      return false;
  }
  if (**p == '/') {
    (*p)++;
    if (!parse_hms(p, &r->secs))
      return false;
  }
  return true;
}

/* "EST5EDT,M3.2.0,M11.1.0": offsets are west of UTC in POSIX, hence the
 * minus signs. An empty footer (or one we cannot read) keeps the table. */
static void parse_footer(struct sd_tz *tz, const char *s) {
  const char *p = s;
  int32_t off;
  if (!parse_name(&p) || !parse_hms(&p, &off))
    return;
  tz->std_off = -off;
  tz->dst_off = tz->std_off + 3600;
  if (*p == '\0') {
    tz->has_rule = true;
    return;
  }
  if (!parse_name(&p))
    return;
  if (*p != ',' && *p != '\0') {
    if (!parse_hms(&p, &off))
      return;
    tz->dst_off = -off;
  }
  if (*p++ != ',' || !parse_rule_date(&p, &tz->start) || *p++ != ',' || !parse_rule_date(&p, &tz->end) ||
      *p != '\0')
    return;
  tz->rule_dst = true;
  tz->has_rule = true;
}

/* The local (wall clock) second at which a rule date's change happens in
 * year y, counted from the epoch of that wall clock. */
static int64_t rule_local(const struct rule_date *r, int64_t y) {
  int64_t day;
  if (r->kind == 'M') {
    int64_t first = sd_time_days_from_civil(y, r->m, 1);
    int wd = (int)(((first + 4) % 7 + 7) % 7); /* 0 = Sunday */
    int dom = 1 + (r->d - wd + 7) % 7 + (r->w - 1) * 7;
    while (dom > sd_time_month_days(y, r->m))
      dom -= 7;
    day = first + dom - 1;
  } else if (r->kind == 'J') {
    day = sd_time_days_from_civil(y, 1, 1) + r->n - 1 + (leap(y) && r->n >= 60);
  } else {
    day = sd_time_days_from_civil(y, 1, 1) + r->n;
  }
  return day * 86400 + r->secs;
}

static int32_t rule_offset(const struct sd_tz *tz, int64_t utc) {
  if (!tz->rule_dst)
    return tz->std_off;
  int64_t y;
  int m, d;
  sd_time_civil_from_days((utc + tz->std_off) / 86400 - ((utc + tz->std_off) % 86400 < 0), &y, &m, &d);
  /* DST starts at a standard-time wall clock reading and ends at a
   * daylight-time one. */
  int64_t start = rule_local(&tz->start, y) - tz->std_off;
  int64_t end = rule_local(&tz->end, y) - tz->dst_off;
  bool dst = start < end ? utc >= start && utc < end : !(utc >= end && utc < start);
  return dst ? tz->dst_off : tz->std_off;
}

int32_t sd_tz_offset(const struct sd_tz *tz, int64_t utc) {
  if (tz->ntrans == 0 || utc >= tz->trans[tz->ntrans - 1]) {
    if (tz->has_rule)
      return rule_offset(tz, utc);
    if (tz->ntrans == 0)
      return tz->ntypes > 0 ? tz->utoff[0] : 0;
    return tz->utoff[tz->idx[tz->ntrans - 1]];
  }
  if (utc < tz->trans[0])
    return tz->utoff[0];
  size_t lo = 0, hi = tz->ntrans - 1; /* trans[lo] <= utc < trans[hi] */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (tz->trans[mid] <= utc)
      lo = mid;
    else
      hi = mid;
  }
  return tz->utoff[tz->idx[lo]];
}

int sd_tz_resolve(const struct sd_tz *tz, int64_t local, int64_t out[2]) {
  /* The offsets a day either side cover every change that matters: zones
   * change at most once in two days. */
  int32_t offs[2] = { sd_tz_offset(tz, local - 86400), sd_tz_offset(tz, local + 86400) };
  int n = 0;
  for (int i = 0; i < 2; i++) {
    if (i == 1 && offs[1] == offs[0])
      break;
    int64_t u = local - offs[i];
    if (sd_tz_offset(tz, u) == offs[i])
      out[n++] = u;
  }
  if (n == 2 && out[0] > out[1]) {
    int64_t t = out[0];
    out[0] = out[1];
    out[1] = t;
  }
  return n;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) {
  return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parses the data block at *p (64-bit when v2) into tz; false when the
 * file is short or inconsistent. */
static bool parse_block(struct sd_tz *tz, const unsigned char *buf, size_t len, size_t *pos, bool v2) {
  if (*pos + 44 > len || memcmp(buf + *pos, "TZif", 4) != 0)
    return false;
  const unsigned char *h = buf + *pos + 20;
  uint32_t isut = be32(h), isstd = be32(h + 4), leapcnt = be32(h + 8), timecnt = be32(h + 12),
           typecnt = be32(h + 16), charcnt = be32(h + 20);
  size_t tsz = v2 ? 8 : 4;
  size_t need = (size_t)timecnt * (tsz + 1) + (size_t)typecnt * 6 + charcnt + (size_t)leapcnt * (tsz + 4) +
                isstd + isut;
  if (typecnt == 0 || typecnt > 256 || timecnt > 100000 || *pos + 44 + need > len)
    return false;
  const unsigned char *d = buf + *pos + 44;
  if (v2) {
    tz->ntrans = timecnt;
    tz->ntypes = typecnt;
    tz->trans = sd_xcalloc(timecnt ? timecnt : 1, sizeof *tz->trans);
    tz->idx = sd_xcalloc(timecnt ? timecnt : 1, 1);
    tz->utoff = sd_xcalloc(typecnt, sizeof *tz->utoff);
    for (uint32_t i = 0; i < timecnt; i++) {
      tz->trans[i] = be64(d + i * 8);
      tz->idx[i] = d[timecnt * 8 + i];
      if (tz->idx[i] >= typecnt || (i > 0 && tz->trans[i] <= tz->trans[i - 1]))
        return false;
    }
    const unsigned char *ti = d + timecnt * 9;
    for (uint32_t i = 0; i < typecnt; i++)
      tz->utoff[i] = (int32_t)be32(ti + i * 6);
  }
  *pos += 44 + need;
  return true;
}

static bool parse_tzif(struct sd_tz *tz, const unsigned char *buf, size_t len) {
  size_t pos = 0;
  if (len < 44 || memcmp(buf, "TZif", 4) != 0 || buf[4] < '2')
    return false; /* version 1 files hold 32-bit times only: tzdata ships none since 2005 */
  if (!parse_block(tz, buf, len, &pos, false) || !parse_block(tz, buf, len, &pos, true))
    return false;
  if (pos < len && buf[pos] == '\n') {
    const unsigned char *end = memchr(buf + pos + 1, '\n', len - pos - 1);
    if (end != NULL) {
      char *footer = sd_xstrndup((const char *)buf + pos + 1, (size_t)(end - buf - pos - 1));
      parse_footer(tz, footer);
      free(footer);
    }
  }
  return true;
}

/* A zone name as the database spells them: letters, digits, '_', '-',
 * '+', and '/' between parts, never "..", never absolute. */
static bool name_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > 50 || name[0] == '/' || name[n - 1] == '/' || strstr(name, "..") != NULL ||
      strstr(name, "//") != NULL)
    return false;
  for (const char *p = name; *p != '\0'; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
          strchr("_-+/", *p) != NULL))
      return false;
  return name[0] != '.';
}

static unsigned char *read_zone(const char *name, size_t *len) {
  const char *dir = getenv("TZDIR");
  char *path = sd_asprintf("%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo", name);
  FILE *f = fopen(path, "rb");
  free(path);
  if (f == NULL)
    return NULL;
  unsigned char *buf = sd_xmalloc(TZ_FILE_MAX);
  *len = fread(buf, 1, TZ_FILE_MAX, f);
  fclose(f);
  return buf;
}

struct sd_tz *sd_tz_load(const char *name, struct sd_err *err) {
  struct sd_tz *tz = sd_xcalloc(1, sizeof *tz);
  tz->name = sd_xstrdup(name);
  if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
    tz->has_rule = true; /* std_off 0, no DST */
    return tz;
  }
  size_t len = 0;
  unsigned char *buf = name_ok(name) ? read_zone(name, &len) : NULL;
  bool ok = buf != NULL && parse_tzif(tz, buf, len);
  free(buf);
  if (!ok) {
    sd_tz_free(tz);
    sd_err_set(err, "ValidationException", "Invalid time zone: %s", name);
    return NULL;
  }
  return tz;
}

void sd_tz_free(struct sd_tz *tz) {
  if (tz == NULL)
    return;
  free(tz->name);
  free(tz->trans);
  free(tz->idx);
  free(tz->utoff);
  free(tz);
}

const char *sd_tz_name(const struct sd_tz *tz) {
  return tz->name;
}
