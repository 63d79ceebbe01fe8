/* Parsing schedule expressions into bit sets, and finding fire times by
 * walking the zone's wall-clock calendar. Field rules follow EventBridge
 * Scheduler's user guide ("Cron-based schedules"): minutes 0-59, hours
 * 0-23, day-of-month 1-31 with ? L W, month 1-12 or JAN-DEC, day-of-week
 * 1-7 (SUN-SAT, not Unix's 0-6) with ? L #, year 1970-2199; `,` lists, `-`
 * ranges, `/` steps, `*` all; `?` in exactly one of the two day fields.
 * Not for: time zone data (tz.c) or firing (server/schedules.c). */
#include "server/sched_expr.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/timefmt.h"
#include "server/sched_tz.h"

#define YEAR_MIN 1970
#define YEAR_MAX 2199
/* A rate's largest value: a million days ends past any year a cron can
 * name. */
#define RATE_MAX 1000000

enum { F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_YEAR, NFIELDS };

static const char *const month_names[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
                                           "AUG", "SEP", "OCT", "NOV", "DEC", NULL };
static const char *const day_names[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL };

static const struct field {
  const char *name;
  int lo, hi;
  const char *const *names; /* names[i] is lo + i */
} fields[NFIELDS] = {
  { "minutes", 0, 59, NULL },      { "hours", 0, 23, NULL },           { "day-of-month", 1, 31, NULL },
  { "month", 1, 12, month_names }, { "day-of-week", 1, 7, day_names }, { "year", YEAR_MIN, YEAR_MAX, NULL },
};

struct sd_sched {
  enum sd_sched_kind kind;
  uint64_t bits[NFIELDS][4]; /* value - lo of each field (years need 230 bits) */
  bool dom_q, dow_q;         /* '?' in that day field: the other one decides */
  bool dom_last;             /* L */
  bool dom_lastwd;           /* LW: the month's last weekday */
  int dom_w;                 /* nW: the weekday nearest the n-th, 0 = none */
  int dow_last;              /* nL: the month's last such weekday, 0 = none */
  int nth_day, nth;          /* d#k: the k-th such weekday, 0 = none */
  int64_t period;            /* rate, seconds */
  int64_t at_local;          /* at, wall-clock seconds */
};

/* The parser's state: the expression, and the first error's place. */
struct parse {
  const char *expr;
  struct sd_sched_pos *pos;
  struct sd_err *err;
};

static void *fail(struct parse *ps, const char *at, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void *fail(struct parse *ps, const char *at, const char *field, const char *fmt, ...) {
  int column = (int)(at - ps->expr) + 1;
  va_list ap;
  va_start(ap, fmt);
  char *what = sd_vasprintf(fmt, ap);
  va_end(ap);
  sd_err_set(ps->err, "ValidationException", "Invalid Schedule Expression %s.", ps->expr);
  sd_err_set_where(ps->err, "%s at column %d: %s", field, column, what);
  free(what);
  if (ps->pos != NULL) {
    ps->pos->column = column;
    ps->pos->field = field;
  }
  return NULL;
}

static void bit_set(uint64_t *b, int i) {
  b[i / 64] |= (uint64_t)1 << (i % 64);
}

static bool bit_get(const uint64_t *b, int i) {
  return (b[i / 64] >> (i % 64)) & 1;
}

/* A number or (for months and days) a three-letter name. Returns the
 * value, or -1 with nothing consumed. */
static int read_value(const struct field *f, const char **p, const char *end) {
  const char *s = *p;
  if (s < end && *s >= '0' && *s <= '9') {
    long v = 0;
    while (s < end && *s >= '0' && *s <= '9' && v < 100000)
      v = v * 10 + (*s++ - '0');
    *p = s;
    return (int)v;
  }
  if (f->names != NULL && end - s >= 3)
    for (int i = 0; f->names[i] != NULL; i++)
      if (strncasecmp(s, f->names[i], 3) == 0) {
        *p = s + 3;
        return f->lo + i;
      }
  return -1;
}

static bool value_ok(struct parse *ps, const struct field *f, int v, const char *at) {
  if (v >= f->lo && v <= f->hi)
    return true;
  if (v < 0)
    fail(ps, at, f->name, "expected a value of %d-%d%s", f->lo, f->hi,
         f->names == month_names ? " or JAN-DEC"
         : f->names == day_names ? " or SUN-SAT"
                                 : "");
  else
    fail(ps, at, f->name, "%d is outside %d-%d", v, f->lo, f->hi);
  return false;
}

/* One list item: *, v, a-b, with an optional /step. */
static bool parse_item(struct parse *ps, const struct field *f, uint64_t *bits, const char *s,
                       const char *end) {
  int a = f->lo, b = f->hi, step = 1;
  const char *p = s;
  bool star = *p == '*';
  if (star) {
    p++;
  } else {
    a = read_value(f, &p, end);
    if (!value_ok(ps, f, a, s))
      return false;
    b = a;
    if (p < end && *p == '-') {
      const char *bs = ++p;
      b = read_value(f, &p, end);
      if (!value_ok(ps, f, b, bs))
        return false;
      if (b < a) {
        fail(ps, s, f->name, "the range %d-%d goes backwards", a, b);
        return false;
      }
    }
  }
  if (p < end && *p == '/') {
    const char *ss = ++p;
    long v = 0;
    while (p < end && *p >= '0' && *p <= '9' && v < 100000)
      v = v * 10 + (*p++ - '0');
    if (p == ss || v < 1 || v > f->hi - f->lo) {
      fail(ps, ss, f->name, "the step must be a number from 1 to %d", f->hi - f->lo);
      return false;
    }
    step = (int)v;
    if (!star && b == a)
      b = f->hi; /* "5/15": from 5 on */
  }
  if (p != end) {
    fail(ps, p, f->name, "unexpected '%.*s'", (int)(end - p), p);
    return false;
  }
  for (int v = a; v <= b; v += step)
    bit_set(bits, v - f->lo);
  return true;
}

/* The day fields' forms that stand alone: ?, L, LW, nW (day-of-month);
 * ?, L, nL, d#k (day-of-week). Returns 1 when handled, 0 when the field is
 * a plain list, -1 on error. */
static int parse_special(struct parse *ps, struct sd_sched *c, int fi, const char *s, const char *end) {
  const struct field *f = &fields[fi];
  size_t n = (size_t)(end - s);
  const char *q = memchr(s, '?', n);
  if (q != NULL) {
    if (fi != F_DOM && fi != F_DOW)
      return fail(ps, q, f->name, "'?' is allowed only in day-of-month and day-of-week"), -1;
    if (n != 1)
      return fail(ps, s, f->name, "'?' must stand alone"), -1;
    *(fi == F_DOM ? &c->dom_q : &c->dow_q) = true;
    return 1;
  }
  const char *l = NULL, *w = NULL, *h = memchr(s, '#', n);
  /* No day name holds an L, and W matters in day-of-month only, where
   * there are no names: any L or W there is the wildcard. */
  for (const char *p = s; p < end && (fi == F_DOM || fi == F_DOW); p++) {
    if (*p == 'L' || *p == 'l')
      l = l ? l : p;
    if ((*p == 'W' || *p == 'w') && fi == F_DOM)
      w = w ? w : p;
  }
  if (h != NULL && fi != F_DOW)
    return fail(ps, h, f->name, "'#' is allowed only in day-of-week"), -1;
  if (l == NULL && w == NULL && h == NULL)
    return 0;
  if (memchr(s, ',', n) != NULL || memchr(s, '/', n) != NULL || memchr(s, '*', n) != NULL)
    return fail(ps, s, f->name, "'L', 'W' and '#' cannot be combined with lists, steps or '*'"), -1;
  const char *p = s;
  if (fi == F_DOM) {
    if (n == 1 && l == s) {
      c->dom_last = true;
      return 1;
    }
    if (n == 2 && l == s && w == s + 1) {
      c->dom_lastwd = true;
      return 1;
    }
    int v = read_value(f, &p, end);
    if (w == NULL || l != NULL || p != w || w + 1 != end)
      return fail(ps, l ? l : s, f->name, "expected L, LW or nW (n 1-31)"), -1;
    if (!value_ok(ps, f, v, s))
      return -1;
    c->dom_w = v;
    return 1;
  }
  if (h != NULL) {
    int d = read_value(f, &p, end);
    if (p != h)
      return fail(ps, s, f->name, "expected d#k: a day 1-7 or SUN-SAT, then # and 1-5"), -1;
    if (!value_ok(ps, f, d, s))
      return -1;
    p = h + 1;
    if (end - p != 1 || *p < '1' || *p > '5')
      return fail(ps, p, f->name, "the week after '#' must be 1-5"), -1;
    c->nth_day = d;
    c->nth = *p - '0';
    return 1;
  }
  if (n == 1) { /* L alone: the last day of the week, Saturday */
    bit_set(c->bits[F_DOW], 7 - f->lo);
    return 1;
  }
  int d = read_value(f, &p, end);
  if (p != l || l + 1 != end)
    return fail(ps, s, f->name, "expected L or nL (n 1-7 or SUN-SAT)"), -1;
  if (!value_ok(ps, f, d, s))
    return -1;
  c->dow_last = d;
  return 1;
}

static bool parse_field(struct parse *ps, struct sd_sched *c, int fi, const char *s, const char *end) {
  int sp = parse_special(ps, c, fi, s, end);
  if (sp != 0)
    return sp > 0;
  const char *item = s;
  while (item <= end) {
    const char *comma = memchr(item, ',', (size_t)(end - item));
    const char *ie = comma ? comma : end;
    if (ie == item) {
      fail(ps, item, fields[fi].name, "empty list item");
      return false;
    }
    if (!parse_item(ps, &fields[fi], c->bits[fi], item, ie))
      return false;
    item = ie + 1;
  }
  return true;
}

static struct sd_sched *parse_cron(struct parse *ps, const char *body, const char *close) {
  struct sd_sched *c = sd_xcalloc(1, sizeof *c);
  c->kind = SD_SCHED_CRON;
  const char *starts[NFIELDS + 1], *ends[NFIELDS + 1];
  int n = 0;
  const char *p = body;
  while (p < close) {
    while (p < close && *p == ' ')
      p++;
    if (p == close)
      break;
    const char *s = p;
    while (p < close && *p != ' ')
      p++;
    if (n == NFIELDS) {
      n++;
      break;
    }
    starts[n] = s;
    ends[n++] = p;
  }
  if (n != NFIELDS) {
    free(c);
    return fail(ps, n > NFIELDS ? starts[NFIELDS - 1] : close, "cron",
                "expected 6 fields (minutes hours day-of-month month day-of-week year), found %s%d",
                n > NFIELDS ? "more than " : "", n > NFIELDS ? NFIELDS : n);
  }
  for (int i = 0; i < NFIELDS; i++)
    if (!parse_field(ps, c, i, starts[i], ends[i])) {
      free(c);
      return NULL;
    }
  if (c->dom_q == c->dow_q) {
    bool both = c->dom_q;
    free(c);
    return fail(ps, starts[F_DOW], "day-of-week", "%s",
                both ? "'?' cannot be in both day-of-month and day-of-week"
                     : "use '?' in day-of-month or in day-of-week: one of them must be '?'");
  }
  return c;
}

static struct sd_sched *parse_rate(struct parse *ps, const char *body, const char *close) {
  const char *p = body;
  int64_t v = 0;
  while (p < close && *p >= '0' && *p <= '9' && v <= RATE_MAX)
    v = v * 10 + (*p++ - '0');
  if (p == body || v < 1)
    return fail(ps, body, "rate value", "expected a positive whole number");
  if (v > RATE_MAX)
    return fail(ps, body, "rate value", "at most %d", RATE_MAX);
  if (p == close || *p != ' ')
    return fail(ps, p, "rate value", "expected a space after the value");
  const char *u = p + 1;
  static const struct {
    const char *one, *many;
    int64_t secs;
  } units[] = { { "minute", "minutes", 60 }, { "hour", "hours", 3600 }, { "day", "days", 86400 } };
  size_t ulen = (size_t)(close - u);
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    bool one = ulen == strlen(units[i].one) && strncmp(u, units[i].one, ulen) == 0;
    bool many = ulen == strlen(units[i].many) && strncmp(u, units[i].many, ulen) == 0;
    if (!one && !many)
      continue;
    if (one != (v == 1))
      return fail(ps, u, "rate unit", "use '%s' for %s", v == 1 ? units[i].one : units[i].many,
                  v == 1 ? "a value of 1" : "values above 1");
    struct sd_sched *s = sd_xcalloc(1, sizeof *s);
    s->kind = SD_SCHED_RATE;
    s->period = v * units[i].secs;
    return s;
  }
  return fail(ps, u, "rate unit", "expected minute(s), hour(s) or day(s)");
}

static bool digits(const char *p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9')
      return false;
    v = v * 10 + (p[i] - '0');
  }
  *out = v;
  return true;
}

static struct sd_sched *parse_at(struct parse *ps, const char *body, const char *close) {
  static const char shape[] = "dddd-dd-ddTdd:dd:dd";
  int y, mo, d, h, mi, sec;
  if (close - body != (ptrdiff_t)strlen(shape)) {
    for (int i = 0; body + i < close && shape[i] != '\0'; i++)
      if ((shape[i] == 'd') != (body[i] >= '0' && body[i] <= '9') || (shape[i] != 'd' && body[i] != shape[i]))
        return fail(ps, body + i, "at", "expected yyyy-mm-ddThh:mm:ss");
    return fail(ps, body, "at", "expected yyyy-mm-ddThh:mm:ss");
  }
  for (int i = 0; shape[i] != '\0'; i++)
    if (shape[i] != 'd' && body[i] != shape[i])
      return fail(ps, body + i, "at", "expected yyyy-mm-ddThh:mm:ss");
  if (!digits(body, 4, &y) || !digits(body + 5, 2, &mo) || !digits(body + 8, 2, &d) ||
      !digits(body + 11, 2, &h) || !digits(body + 14, 2, &mi) || !digits(body + 17, 2, &sec))
    return fail(ps, body, "at", "expected yyyy-mm-ddThh:mm:ss");
  if (mo < 1 || mo > 12)
    return fail(ps, body + 5, "at", "the month must be 01-12");
  if (d < 1 || d > sd_time_month_days(y, mo))
    return fail(ps, body + 8, "at", "%04d-%02d has no day %02d", y, mo, d);
  if (h > 23 || mi > 59 || sec > 59)
    return fail(ps, body + (h > 23 ? 11 : mi > 59 ? 14 : 17), "at", "not a time of day");
  struct sd_sched *s = sd_xcalloc(1, sizeof *s);
  s->kind = SD_SCHED_AT;
  s->at_local = sd_time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  return s;
}

struct sd_sched *sd_sched_parse(const char *expr, struct sd_sched_pos *pos, struct sd_err *err) {
  struct parse ps = { .expr = expr, .pos = pos, .err = err };
  static const struct {
    const char *prefix;
    struct sd_sched *(*parse)(struct parse *, const char *, const char *);
  } kinds[] = { { "cron(", parse_cron }, { "rate(", parse_rate }, { "at(", parse_at } };
  size_t len = strlen(expr);
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    size_t n = strlen(kinds[i].prefix);
    if (strncmp(expr, kinds[i].prefix, n) != 0)
      continue;
    if (len <= n || expr[len - 1] != ')')
      return fail(&ps, expr + len, "expression", "expected ')' at the end");
    return kinds[i].parse(&ps, expr + n, expr + len - 1);
  }
  return fail(&ps, expr, "expression", "expected cron(...), rate(...) or at(...)");
}

void sd_sched_free(struct sd_sched *s) {
  free(s);
}

enum sd_sched_kind sd_sched_kind(const struct sd_sched *s) {
  return s->kind;
}

int64_t sd_sched_period(const struct sd_sched *s) {
  return s->kind == SD_SCHED_RATE ? s->period : 0;
}

/* ---- fire times ---- */

static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int weekday(int64_t days) { /* 1 = Sunday ... 7 = Saturday */
  return (int)((days % 7 + 7 + 4) % 7) + 1;
}

static bool dom_match(const struct sd_sched *c, int64_t y, int m, int d, int64_t days) {
  int last = sd_time_month_days(y, m);
  if (c->dom_last)
    return d == last;
  if (c->dom_lastwd || c->dom_w > 0) {
    /* The weekday nearest the day, never leaving the month. */
    int target = c->dom_lastwd ? last : c->dom_w;
    if (target > last)
      return false;
    int wd = weekday(days + (target - d));
    if (wd == 7)
      target = target == 1 ? 3 : target - 1;
    else if (wd == 1)
      target = target == last ? target - 2 : target + 1;
    return d == target;
  }
  return bit_get(c->bits[F_DOM], d - 1);
}

static bool dow_match(const struct sd_sched *c, int64_t y, int m, int d, int64_t days) {
  int wd = weekday(days);
  if (c->dow_last > 0)
    return wd == c->dow_last && d + 7 > sd_time_month_days(y, m);
  if (c->nth > 0)
    return wd == c->nth_day && (d - 1) / 7 + 1 == c->nth;
  return bit_get(c->bits[F_DOW], wd - 1);
}

/* Walks the wall-clock calendar from the minute after `after`'s local
 * time: years and months that cannot match are skipped whole. */
static int64_t next_cron(const struct sd_sched *c, const struct sd_tz *tz, int64_t after) {
  int64_t first = (floor_div(after + sd_tz_offset(tz, after), 60) + 1) * 60;
  int64_t day = floor_div(first, 86400);
  for (;;) {
    int64_t y;
    int m, d;
    sd_time_civil_from_days(day, &y, &m, &d);
    if (y > YEAR_MAX)
      return -1;
    if (y < YEAR_MIN || !bit_get(c->bits[F_YEAR], y - YEAR_MIN)) {
      day = sd_time_days_from_civil(y + 1, 1, 1);
      continue;
    }
    if (!bit_get(c->bits[F_MON], m - 1)) {
      day = m == 12 ? sd_time_days_from_civil(y + 1, 1, 1) : sd_time_days_from_civil(y, m + 1, 1);
      continue;
    }
    if (!(c->dom_q ? dow_match(c, y, m, d, day) : dom_match(c, y, m, d, day))) {
      day++;
      continue;
    }
    for (int h = 0; h < 24; h++) {
      if (!bit_get(c->bits[F_HOUR], h))
        continue;
      for (int mi = 0; mi < 60; mi++) {
        int64_t local = day * 86400 + h * 3600 + mi * 60;
        if (!bit_get(c->bits[F_MIN], mi) || local < first)
          continue;
        int64_t u[2];
        /* A time in the spring-forward gap is skipped; one in the autumn
         * overlap fires at its first occurrence only. */
        if (sd_tz_resolve(tz, local, u) > 0 && u[0] > after)
          return u[0];
      }
    }
    day++;
  }
}

int64_t sd_sched_next(const struct sd_sched *s, const struct sd_tz *tz, int64_t anchor, int64_t after) {
  switch (s->kind) {
    case SD_SCHED_RATE:
      if (after < anchor)
        return anchor;
      return anchor + (floor_div(after - anchor, s->period) + 1) * s->period;
    case SD_SCHED_AT: {
      int64_t u[2];
      if (sd_tz_resolve(tz, s->at_local, u) == 0 || u[0] <= after)
        return -1;
      return u[0];
    }
    case SD_SCHED_CRON:
      return next_cron(s, tz, after);
  }
  return -1;
}
