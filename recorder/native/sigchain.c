/*
 * sigchain: the program's signal dispositions, kept here, with our handler in front (see sigchain.h
 * for what it owns and its invariants).
 *
 * A view is {fn, flags, mask}: fn is SIG_DFL, SIG_IGN or the program's handler (sa_handler or
 * sa_sigaction, told apart by SA_SIGINFO in flags). The kernel action derived from a view:
 *   SIG_IGN  -> SIG_IGN, as the program gave it;
 *   SIG_DFL  -> on_signal, SA_SIGINFO | SA_RESTART | SA_ONSTACK, empty mask;
 *   handler  -> on_signal, the program's mask and flags, plus SA_SIGINFO, minus SA_RESETHAND
 *               (emulated: on_signal falls the view back to SIG_DFL before calling the handler).
 * A view changes before the kernel action does, so a delivery in between already sees what the
 * program asked for.
 */
#define _GNU_SOURCE
#include "sigchain.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

static const int WATCHED[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
                              SIGPIPE, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGXCPU,
                              SIGXFSZ, SIGVTALRM, SIGPROF};

typedef struct {
  _Atomic uintptr_t fn; /* SIG_DFL, SIG_IGN or the program's handler */
  _Atomic int flags;    /* the program's sa_flags */
  sigset_t mask;        /* the program's sa_mask (only reported back) */
} view_t;

static view_t views[_NSIG];
static unsigned char watched[_NSIG];
static sigchain_hooks_t hooks;
static _Atomic int chain_lock_word;

static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
static sighandler_t (*real_signal)(int, sighandler_t);
static sighandler_t (*real_bsd_signal)(int, sighandler_t);
static sighandler_t (*real_sysv_signal)(int, sighandler_t);
static sighandler_t (*real_sigset)(int, sighandler_t);

void sigchain_resolve(void) {
  real_sigaction = dlsym(RTLD_NEXT, "sigaction");
  real_signal = dlsym(RTLD_NEXT, "signal");
  real_bsd_signal = dlsym(RTLD_NEXT, "bsd_signal");
  real_sysv_signal = dlsym(RTLD_NEXT, "sysv_signal");
  real_sigset = dlsym(RTLD_NEXT, "sigset");
}

static int is_watched(int sig) { return sig > 0 && sig < _NSIG && watched[sig]; }

/* The lock guarding view changes: taken with every signal blocked, so no handler can interrupt a
 * holder (a handler may itself call sigaction). */
static void chain_lock(sigset_t *saved) {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, saved);
  while (atomic_exchange_explicit(&chain_lock_word, 1, memory_order_acquire)) sched_yield();
}
static void chain_unlock(const sigset_t *saved) {
  atomic_store_explicit(&chain_lock_word, 0, memory_order_release);
  pthread_sigmask(SIG_SETMASK, saved, NULL);
}

static void view_load(int sig, struct sigaction *out) {
  memset(out, 0, sizeof *out);
  out->sa_sigaction = (void (*)(int, siginfo_t *, void *))atomic_load(&views[sig].fn);
  out->sa_flags = atomic_load(&views[sig].flags);
  out->sa_mask = views[sig].mask;
}

static void view_store(int sig, const struct sigaction *a) {
  views[sig].mask = a->sa_mask;
  atomic_store(&views[sig].flags, a->sa_flags);
  atomic_store(&views[sig].fn, (uintptr_t)a->sa_sigaction);
}

/* The program asked for SIG_DFL: flush, then die by the real default action. */
static void die_by(int sig, const siginfo_t *si) {
  if (hooks.fatal) hooks.fatal(sig);
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  real_sigaction(sig, &dfl, NULL);
  int synchronous = (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL) &&
                    si && si->si_code > 0;
  if (synchronous) return; /* the faulting instruction runs again and dies by the default action */
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  pthread_sigmask(SIG_UNBLOCK, &s, NULL);
  raise(sig);
}

static void on_signal(int sig, siginfo_t *si, void *uc) {
  int e = errno;
  if (hooks.received) hooks.received(sig, si);
  view_t *v = &views[sig];
  for (;;) {
    uintptr_t fn = atomic_load(&v->fn);
    int flags = atomic_load(&v->flags);
    if (fn == (uintptr_t)SIG_IGN) break;
    if (fn == (uintptr_t)SIG_DFL) { die_by(sig, si); break; }
    /* SA_RESETHAND: this delivery, and only this one, gets the handler */
    if ((flags & SA_RESETHAND) && !atomic_compare_exchange_strong(&v->fn, &fn, (uintptr_t)SIG_DFL)) continue;
    errno = e;
    if (flags & SA_SIGINFO) ((void (*)(int, siginfo_t *, void *))fn)(sig, si, uc);
    else ((void (*)(int))fn)(sig);
    return;
  }
  errno = e;
}

static void kernel_action(const struct sigaction *prog, struct sigaction *k) {
  memset(k, 0, sizeof *k);
  if (prog->sa_handler == SIG_IGN) {
    k->sa_handler = SIG_IGN;
    k->sa_mask = prog->sa_mask;
    k->sa_flags = prog->sa_flags;
    return;
  }
  k->sa_sigaction = on_signal;
  if (prog->sa_handler == SIG_DFL) {
    sigemptyset(&k->sa_mask);
    k->sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  } else {
    k->sa_mask = prog->sa_mask;
    k->sa_flags = (prog->sa_flags | SA_SIGINFO) & ~SA_RESETHAND;
  }
}

void sigchain_init(const sigchain_hooks_t *h) {
  hooks = *h;
  sigset_t saved;
  chain_lock(&saved);
  for (size_t i = 0; i < sizeof WATCHED / sizeof WATCHED[0]; i++) {
    int sig = WATCHED[i];
    struct sigaction cur, k;
    if (real_sigaction(sig, NULL, &cur) != 0) continue;
    if (cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN) continue; /* someone else's handler */
    view_store(sig, &cur);
    watched[sig] = 1;
    kernel_action(&cur, &k);
    if (cur.sa_handler == SIG_DFL && real_sigaction(sig, &k, NULL) != 0) watched[sig] = 0;
  }
  chain_unlock(&saved);
}

/* ---- the interposed functions ---- */

EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  if (!real_sigaction) st_need_real();
  if (!is_watched(sig)) return real_sigaction(sig, act, old);
  sigset_t saved;
  chain_lock(&saved);
  struct sigaction prev, k;
  view_load(sig, &prev);
  int rc = 0;
  if (act) {
    kernel_action(act, &k);
    view_store(sig, act);
    rc = real_sigaction(sig, &k, NULL);
    if (rc != 0) view_store(sig, &prev);
  }
  int e = errno;
  chain_unlock(&saved);
  if (rc == 0 && old) *old = prev;
  errno = e;
  return rc;
}

/* signal() and its variants on a watched signal: a sigaction with their flags. */
static sighandler_t chain_signal(int sig, sighandler_t h, int flags, int mask_self) {
  if (h == SIG_ERR) { errno = EINVAL; return SIG_ERR; }
  struct sigaction a, old;
  memset(&a, 0, sizeof a);
  a.sa_handler = h;
  sigemptyset(&a.sa_mask);
  if (mask_self) sigaddset(&a.sa_mask, sig);
  a.sa_flags = flags;
  if (sigaction(sig, &a, &old) != 0) return SIG_ERR;
  return old.sa_handler;
}

/* BSD semantics (glibc's signal): restart, the signal blocked while its handler runs. */
EXPORT sighandler_t signal(int sig, sighandler_t h) {
  if (!real_signal) st_need_real();
  return is_watched(sig) ? chain_signal(sig, h, SA_RESTART, 1) : real_signal(sig, h);
}

EXPORT sighandler_t bsd_signal(int sig, sighandler_t h) {
  if (!real_bsd_signal) st_need_real();
  return is_watched(sig) ? chain_signal(sig, h, SA_RESTART, 1) : real_bsd_signal(sig, h);
}

/* System V semantics: one-shot, not blocked while the handler runs, no restart. */
EXPORT sighandler_t sysv_signal(int sig, sighandler_t h) {
  if (!real_sysv_signal) st_need_real();
  return is_watched(sig) ? chain_signal(sig, h, SA_RESETHAND | SA_NODEFER, 0) : real_sysv_signal(sig, h);
}

/* What signal() is renamed to by the headers in strict ISO C modes (e.g. -std=c11). */
EXPORT sighandler_t __sysv_signal(int sig, sighandler_t h) { return sysv_signal(sig, h); }

EXPORT sighandler_t sigset(int sig, sighandler_t disp) {
  if (!real_sigset) st_need_real();
  if (!is_watched(sig)) return real_sigset(sig, disp);
  sigset_t s, old;
  struct sigaction prev;
  sigemptyset(&s);
  sigaddset(&s, sig);
  if (disp == SIG_HOLD) {
    if (pthread_sigmask(SIG_BLOCK, &s, &old) != 0 || sigaction(sig, NULL, &prev) != 0) return SIG_ERR;
  } else {
    struct sigaction a;
    memset(&a, 0, sizeof a);
    a.sa_handler = disp;
    sigemptyset(&a.sa_mask);
    if (sigaction(sig, &a, &prev) != 0 || pthread_sigmask(SIG_UNBLOCK, &s, &old) != 0) return SIG_ERR;
  }
  return sigismember(&old, sig) ? SIG_HOLD : prev.sa_handler;
}
