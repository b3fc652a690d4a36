/*
 * probe: which shared object defines the malloc this process calls (LD_PRELOAD puts a library in front
 * of glibc; a name ld.so could not load leaves glibc's), its family (glibc, mimalloc, jemalloc,
 * tcmalloc, else "other") and its version as the library itself reports it.
 * Runs before the baseline is taken (dlsym may allocate); results are static strings.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <stdlib.h>
#include <string.h>
#include "replay.h"

static char version[64];

static const char *family_of(const char *file) {
  const char *base = strrchr(file, '/');
  base = base ? base + 1 : file;
  if (strstr(base, "mimalloc")) return "mimalloc";
  if (strstr(base, "jemalloc")) return "jemalloc";
  if (strstr(base, "tcmalloc")) return "tcmalloc";
  if (strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0) return "glibc";
  return "other";
}

static void put_version_int(int v) {
  /* mimalloc: mi_version() is major*100 + minor*10 + patch (209 = 2.0.9) */
  char a[24], b[24], c[24];
  size_t na = fmt_u64(a, (uint64_t)(v / 100)), nb = fmt_u64(b, (uint64_t)(v / 10 % 10)), nc = fmt_u64(c, (uint64_t)(v % 10));
  size_t n = 0;
  memcpy(version + n, a, na); n += na; version[n++] = '.';
  memcpy(version + n, b, nb); n += nb; version[n++] = '.';
  memcpy(version + n, c, nc); n += nc;
  version[n] = 0;
}

static void copy_version(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n >= sizeof version) n = sizeof version - 1;
  if (n) memcpy(version, s, n);
  version[n] = 0;
}

static void probe_version(const char *family) {
  if (strcmp(family, "glibc") == 0) {
    copy_version(gnu_get_libc_version());
  } else if (strcmp(family, "mimalloc") == 0) {
    int (*mi_version)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "mi_version");
    if (mi_version) put_version_int(mi_version());
  } else if (strcmp(family, "jemalloc") == 0) {
    int (*mallctl)(const char *, void *, size_t *, void *, size_t) =
      (int (*)(const char *, void *, size_t *, void *, size_t))dlsym(RTLD_DEFAULT, "mallctl");
    const char *v = NULL;
    size_t len = sizeof v;
    if (mallctl && mallctl("version", &v, &len, NULL, 0) == 0) {
      copy_version(v);
      char *dash = strchr(version, '-'); /* "5.3.0-0-g54eaed1d…": the release is enough */
      if (dash) *dash = 0;
    }
  } else if (strcmp(family, "tcmalloc") == 0) {
    const char *(*tc_version)(int *, int *, const char **) = (const char *(*)(int *, int *, const char **))dlsym(RTLD_DEFAULT, "tc_version");
    int ma, mi;
    const char *patch;
    if (tc_version) copy_version(tc_version(&ma, &mi, &patch));
  }
  if (!version[0]) copy_version("unknown");
}

void probe_malloc(const char **file, const char **family, const char **ver) {
  Dl_info info;
  void *(*volatile fn)(size_t) = malloc;
  *file = (dladdr((void *)fn, &info) && info.dli_fname) ? info.dli_fname : "unknown";
  *family = family_of(*file);
  probe_version(*family);
  *ver = version;
}
