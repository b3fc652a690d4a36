/*
 * crash: when the process gets a fatal signal (SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL), report which
 * event the crashing thread was performing (`crash sig=… idx=… tid=… op=…` on fd 3), then die of the
 * same signal (SA_RESETHAND), so that the parent sees both the event and the signal.
 * Invariants: the handler is async-signal-safe (write(2) of a stack buffer only); each thread says
 * where it is through t_where (the main thread: g_main_where), written before every event; handlers
 * run on an alternate stack where one was set (the main thread's is static, a worker's is in its slot).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "replay.h"

crash_where g_main_where = { (uint64_t)-1, 0, -1 };
__thread crash_where *t_where;

static char main_altstack[65536];
static const int FATAL[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };

static size_t put(char *out, size_t n, const char *s) {
  size_t k = strlen(s);
  memcpy(out + n, s, k);
  return n + k;
}

static void crash_handler(int sig) {
  char line[160];
  size_t n = put(line, 0, "crash sig=");
  n += fmt_u64(line + n, (uint64_t)sig);
  crash_where *w = t_where;
  if (w && w->op >= 0) {
    n = put(line, n, " idx=");
    n += fmt_u64(line + n, w->idx);
    n = put(line, n, " tid=");
    n += fmt_u64(line + n, w->tid);
    n = put(line, n, " op=");
    n += fmt_u64(line + n, (uint64_t)w->op);
  }
  line[n++] = '\n';
  ssize_t ignored = write(3, line, n);
  (void)ignored;
  raise(sig);
}

void crash_altstack(void *mem, size_t len) {
  stack_t ss = { .ss_sp = mem, .ss_size = len, .ss_flags = 0 };
  sigaltstack(&ss, NULL);
}

void crash_altstack_off(void) {
  stack_t ss = { .ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE };
  sigaltstack(&ss, NULL);
}

void crash_install(void) {
  t_where = &g_main_where;
  crash_altstack(main_altstack, sizeof main_altstack);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = crash_handler;
  sa.sa_flags = (int)(SA_ONSTACK | SA_RESETHAND | SA_NODEFER);
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof FATAL / sizeof FATAL[0]; i++) sigaction(FATAL[i], &sa, NULL);
}
