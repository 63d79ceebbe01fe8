/* Text conversions the intrinsic functions need and Jansson does not do the
 * way AWS does. AWS evaluates intrinsics on the JVM with Jackson, so a double
 * prints as Double.toString ("1.1", "1.0E20"; Jansson would write
 * "1.1000000000000001" and "1e20"), States.Format prints objects as Java's
 * Map.toString ("{Arg1=1, Arg2=[]}"), and base64 and UTF-8 decoding follow
 * java.util.Base64 and new String(bytes, UTF_8). Not for: the engine's own
 * JSON output. */
#include "engine/intrinsic_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"

/* Shortest decimal digits that read back as d (d finite, non-zero): writes
 * them to digits (no dot, no trailing zeros) and returns the decimal
 * exponent of the first digit, so d = d1.d2d3... * 10^exp. The search
 * starts at two significant digits because Java never prints fewer: the
 * smallest subnormal is "4.9E-324", not "5.0E-324". */
static int shortest_digits(double d, char *digits) {
  char tmp[40];
  for (int prec = 2; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
    if (prec == 17 || strtod(tmp, NULL) == d)
      break;
  }
  /* tmp is "[-]d[.ddd]e[+-]xx" */
  const char *p = tmp[0] == '-' ? tmp + 1 : tmp;
  size_t n = 0;
  for (; *p != 'e'; p++) {
    if (*p != '.')
      digits[n++] = *p;
  }
  while (n > 1 && digits[n - 1] == '0')
    n--;
  digits[n] = '\0';
  return (int)strtol(p + 1, NULL, 10);
}

void sd_intrinsic_put_double(struct sd_buf *b, double d) {
  if (signbit(d))
    sd_buf_putc(b, '-');
  d = fabs(d);
  if (d == 0) {
    sd_buf_puts(b, "0.0");
    return;
  }
  char digits[24];
  int exp = shortest_digits(d, digits);
  size_t n = strlen(digits);
  if (d >= 1e-3 && d < 1e7) {
    /* Plain notation, with at least one digit after the point. */
    if (exp < 0) {
      sd_buf_puts(b, "0.");
      for (int i = -1; i > exp; i--)
        sd_buf_putc(b, '0');
      sd_buf_add(b, digits, n);
      return;
    }
    size_t whole = (size_t)exp + 1;
    for (size_t i = 0; i < whole; i++)
      sd_buf_putc(b, i < n ? digits[i] : '0');
    sd_buf_putc(b, '.');
    if (n > whole)
      sd_buf_add(b, digits + whole, n - whole);
    else
      sd_buf_putc(b, '0');
    return;
  }
  /* Computerized scientific notation: "d.dddE[-]x". */
  sd_buf_putc(b, digits[0]);
  sd_buf_putc(b, '.');
  if (n > 1)
    sd_buf_add(b, digits + 1, n - 1);
  else
    sd_buf_putc(b, '0');
  sd_buf_printf(b, "E%d", exp);
}

static void put_number(struct sd_buf *b, json_t *v) {
  if (json_is_integer(v))
    sd_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  else
    sd_intrinsic_put_double(b, json_real_value(v));
}

void sd_intrinsic_put_text(struct sd_buf *b, json_t *v) {
  switch (json_typeof(v)) {
    case JSON_STRING:
      sd_buf_add(b, json_string_value(v), json_string_length(v));
      break;
    case JSON_INTEGER:
    case JSON_REAL:
      put_number(b, v);
      break;
    case JSON_TRUE:
      sd_buf_puts(b, "true");
      break;
    case JSON_FALSE:
      sd_buf_puts(b, "false");
      break;
    case JSON_NULL:
      sd_buf_puts(b, "null");
      break;
    case JSON_ARRAY: {
      size_t i;
      json_t *e;
      sd_buf_putc(b, '[');
      json_array_foreach(v, i, e) {
        if (i > 0)
          sd_buf_puts(b, ", ");
        sd_intrinsic_put_text(b, e);
      }
      sd_buf_putc(b, ']');
      break;
    }
    case JSON_OBJECT: {
      const char *k;
      json_t *e;
      bool first = true;
      sd_buf_putc(b, '{');
      json_object_foreach(v, k, e) {
        if (!first)
          sd_buf_puts(b, ", ");
        first = false;
        sd_buf_puts(b, k);
        sd_buf_putc(b, '=');
        sd_intrinsic_put_text(b, e);
      }
      sd_buf_putc(b, '}');
      break;
    }
  }
}

static void put_json_string(struct sd_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  sd_buf_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '"':
        sd_buf_puts(b, "\\\"");
        break;
      case '\\':
        sd_buf_puts(b, "\\\\");
        break;
      case '\b':
        sd_buf_puts(b, "\\b");
        break;
      case '\t':
        sd_buf_puts(b, "\\t");
        break;
      case '\n':
        sd_buf_puts(b, "\\n");
        break;
      case '\f':
        sd_buf_puts(b, "\\f");
        break;
      case '\r':
        sd_buf_puts(b, "\\r");
        break;
      default:
        if (c < 0x20) {
          char esc[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf], '\0' };
          sd_buf_puts(b, esc);
        } else {
          sd_buf_putc(b, (char)c);
        }
    }
  }
  sd_buf_putc(b, '"');
}

void sd_intrinsic_put_json(struct sd_buf *b, json_t *v) {
  switch (json_typeof(v)) {
    case JSON_STRING:
      put_json_string(b, json_string_value(v), json_string_length(v));
      break;
    case JSON_ARRAY: {
      size_t i;
      json_t *e;
      sd_buf_putc(b, '[');
      json_array_foreach(v, i, e) {
        if (i > 0)
          sd_buf_putc(b, ',');
        sd_intrinsic_put_json(b, e);
      }
      sd_buf_putc(b, ']');
      break;
    }
    case JSON_OBJECT: {
      const char *k;
      json_t *e;
      bool first = true;
      sd_buf_putc(b, '{');
      json_object_foreach(v, k, e) {
        if (!first)
          sd_buf_putc(b, ',');
        first = false;
        put_json_string(b, k, strlen(k));
        sd_buf_putc(b, ':');
        sd_intrinsic_put_json(b, e);
      }
      sd_buf_putc(b, '}');
      break;
    }
    default:
      sd_intrinsic_put_text(b, v); /* numbers, true, false, null print alike */
  }
}

size_t sd_intrinsic_utf16_len(const char *s, size_t n) {
  size_t units = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c & 0xc0) != 0x80)
      units += c >= 0xf0 ? 2 : 1; /* a 4-byte sequence is a surrogate pair in Java */
  }
  return units;
}

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void sd_intrinsic_base64_encode(struct sd_buf *b, const unsigned char *data, size_t n) {
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    unsigned long v = (unsigned long)data[i] << 16 | (unsigned long)data[i + 1] << 8 | data[i + 2];
    char out[4] = { b64_alphabet[v >> 18], b64_alphabet[(v >> 12) & 63], b64_alphabet[(v >> 6) & 63],
                    b64_alphabet[v & 63] };
    sd_buf_add(b, out, 4);
  }
  if (n - i == 1) {
    unsigned long v = (unsigned long)data[i] << 16;
    char out[4] = { b64_alphabet[v >> 18], b64_alphabet[(v >> 12) & 63], '=', '=' };
    sd_buf_add(b, out, 4);
  } else if (n - i == 2) {
    unsigned long v = (unsigned long)data[i] << 16 | (unsigned long)data[i + 1] << 8;
    char out[4] = { b64_alphabet[v >> 18], b64_alphabet[(v >> 12) & 63], b64_alphabet[(v >> 6) & 63], '=' };
    sd_buf_add(b, out, 4);
  }
}

static int b64_value(char c) {
  const char *p = c ? strchr(b64_alphabet, c) : NULL;
  return p ? (int)(p - b64_alphabet) : -1;
}

int sd_intrinsic_base64_decode(struct sd_buf *b, const char *s, size_t n) {
  unsigned long acc = 0;
  int q = 0; /* characters in the current 4-character unit */
  size_t i = 0;
  for (; i < n; i++) {
    if (s[i] == '=') {
      /* "xx==" or "xxx=" ends the data; anything else is a bad ending. */
      if (q == 2 && i + 1 < n && s[i + 1] == '=')
        i += 2;
      else if (q == 3)
        i += 1;
      else
        return -1;
      break;
    }
    int v = b64_value(s[i]);
    if (v < 0)
      return -1;
    acc = acc << 6 | (unsigned long)v;
    if (++q == 4) {
      char out[3] = { (char)(acc >> 16), (char)(acc >> 8), (char)acc };
      sd_buf_add(b, out, 3);
      acc = 0;
      q = 0;
    }
  }
  if (i < n || q == 1)
    return -1;
  if (q == 2) {
    sd_buf_putc(b, (char)(acc >> 4));
  } else if (q == 3) {
    char out[2] = { (char)(acc >> 10), (char)(acc >> 2) };
    sd_buf_add(b, out, 2);
  }
  return 0;
}

/* Length of the valid UTF-8 sequence at s[0..n) (Unicode table 3-7), or 0
 * when it is malformed; *bad gets the length of the maximal malformed
 * subpart to replace with one U+FFFD. */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad) {
  unsigned char c = s[0];
  size_t need;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    need = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    need = 3;
    if (c == 0xe0)
      lo = 0xa0;
    else if (c == 0xed)
      hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 4;
    if (c == 0xf0)
      lo = 0x90;
    else if (c == 0xf4)
      hi = 0x8f;
  } else {
    *bad = 1;
    return 0;
  }
  for (size_t k = 1; k < need; k++) {
    unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xbf;
    if (k >= n || s[k] < min || s[k] > max) {
      *bad = k;
      return 0;
    }
  }
  return need;
}

void sd_intrinsic_put_utf8_lossy(struct sd_buf *b, const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t bad = 0, len = utf8_seq(s + i, n - i, &bad);
    if (len > 0) {
      sd_buf_add(b, (const char *)s + i, len);
      i += len;
    } else {
      sd_buf_puts(b, "\xef\xbf\xbd");
      i += bad;
    }
  }
}
