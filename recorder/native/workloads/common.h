/*
 * Shared helpers of the native workloads: marks (through libslabtrace when it is preloaded, a no-op
 * otherwise), a monotonic clock, and the one-line summary every workload prints on stdout
 * (`<name>: key=value ...`), which the tests compare with the captured trace.
 */
#ifndef SLABTRACE_WORKLOAD_COMMON_H
#define SLABTRACE_WORKLOAD_COMMON_H
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void (*wl_mark_fn)(const char *);
static wl_mark_fn wl_mark_ptr;
static int wl_mark_looked;

/* Records a mark when running under `slabtrace record exec`; does nothing otherwise. */
static void wl_mark(const char *name) {
  if (!wl_mark_looked) {
    wl_mark_looked = 1;
    wl_mark_ptr = (wl_mark_fn)dlsym(RTLD_DEFAULT, "slabtrace_mark");
  }
  if (wl_mark_ptr) wl_mark_ptr(name);
}

static double wl_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *wl_xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) { fprintf(stderr, "out of memory (%zu bytes)\n", n); exit(1); }
  return p;
}
#endif
