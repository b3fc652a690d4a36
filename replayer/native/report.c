/*
 * report: the lines the replayer sends to its parent on fd 3, `kind key=value key=value\n` (values are
 * decimal integers or strings without spaces). Built in a fixed buffer and written with one write(2)
 * (< PIPE_BUF), so that lines of different threads never interleave; no stdio, no malloc.
 */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>
#include "replay.h"

#define REPORT_FD 3

size_t fmt_u64(char *out, uint64_t v) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  return n;
}

static void rl_put(rline *l, const char *s, size_t n) {
  if (l->n + n > sizeof l->buf - 2) n = sizeof l->buf - 2 - l->n;
  memcpy(l->buf + l->n, s, n);
  l->n += n;
}

void rl_start(rline *l, const char *kind) {
  l->n = 0;
  rl_put(l, kind, strlen(kind));
}

static void rl_key(rline *l, const char *key) {
  rl_put(l, " ", 1);
  rl_put(l, key, strlen(key));
  rl_put(l, "=", 1);
}

void rl_u64(rline *l, const char *key, uint64_t v) {
  char num[24];
  rl_key(l, key);
  rl_put(l, num, fmt_u64(num, v));
}

/** Strings are sent with spaces and newlines replaced by '_' (the parser splits on spaces). */
void rl_str(rline *l, const char *key, const char *v) {
  rl_key(l, key);
  for (const char *s = v; *s; s++) {
    char c = (*s == ' ' || *s == '\n' || *s == '=') ? '_' : *s;
    rl_put(l, &c, 1);
  }
}

void rl_send(rline *l) {
  l->buf[l->n++] = '\n';
  size_t off = 0;
  while (off < l->n) {
    ssize_t w = write(REPORT_FD, l->buf + off, l->n - off);
    if (w <= 0) return;
    off += (size_t)w;
  }
}

void report_error(const char *code, const char *text) {
  rline l;
  rl_start(&l, "error");
  rl_str(&l, "code", code);
  rl_str(&l, "text", text);
  rl_send(&l);
  _exit(70);
}
