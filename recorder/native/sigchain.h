/*
 * sigchain: the program's view of its signal dispositions, with libslabtrace's handler in front of
 * every signal whose default action ends the process ("watched" signals).
 *
 * Owns: the interposed sigaction, signal, bsd_signal, sysv_signal, __sysv_signal and sigset; what
 * the program set for each watched signal (handler, flags, mask); the kernel-level handler.
 * Invariants:
 *  - The program sees exactly the dispositions it set: sigaction / signal report them back, its
 *    handler is called with the kernel's own arguments, SA_RESETHAND is honoured.
 *  - For a watched signal the kernel holds our handler unless the program asked for SIG_IGN (then
 *    the kernel ignores it, as asked). So a signal the program leaves at, or resets to, SIG_DFL
 *    (e.g. a cleanup handler that does signal(sig, SIG_DFL); raise(sig)) still passes through us:
 *    hooks->fatal(sig) runs (the final flush), then the process dies by the signal's real default.
 *  - Every delivery first calls hooks->received(sig, info), whatever the disposition.
 *  - The kernel-level handler takes no lock and allocates nothing; it reads the view with atomic
 *    loads. The hooks must be async-signal-safe. Changing a view takes a lock held with all
 *    signals blocked (a handler may call sigaction: it cannot interrupt a holder).
 *  - Signals that already had a handler when sigchain_init ran (another preloaded library's) are
 *    not watched: their calls go straight through.
 */
#ifndef SLABTRACE_SIGCHAIN_H
#define SLABTRACE_SIGCHAIN_H
#include <signal.h>

typedef struct {
  /* Every delivery of a watched signal, before the program's disposition is applied. */
  void (*received)(int sig, const siginfo_t *info);
  /* The program's disposition is SIG_DFL: the process is about to die by sig. */
  void (*fatal)(int sig);
} sigchain_hooks_t;

/* Resolves the real functions (called by preload.c's resolve_real, with dlsym's allocations served
 * from its bootstrap arena). */
void sigchain_resolve(void);
/* Takes over the watched signals that are at SIG_DFL or SIG_IGN (once recording is on). */
void sigchain_init(const sigchain_hooks_t *hooks);

/* Provided by preload.c: resolves every real function once (sigchain_resolve included). */
void st_need_real(void);
#endif
