/*
 * scaling: 100K, 500K, then 1M allocations of 16 B in sequence (DESIGN.md). Each test allocates its
 * pointer array (n x 8 B), allocates all blocks, frees all of them, then frees the array.
 * Marks `after-alloc` and `after-free` after each phase. Optional argv: the list of counts.
 * Prints `scaling: allocs=A frees=F seconds=S`.
 */
#include "common.h"

int main(int argc, char **argv) {
  long counts[16] = {100000, 500000, 1000000};
  int tests = 3;
  if (argc > 1) {
    tests = 0;
    for (int i = 1; i < argc && tests < 16; i++) counts[tests++] = atol(argv[i]);
  }
  long allocs = 0, frees = 0;
  double t0 = wl_now();
  for (int t = 0; t < tests; t++) {
    long n = counts[t];
    char **arr = wl_xmalloc((size_t)n * sizeof *arr);
    allocs++;
    for (long i = 0; i < n; i++) arr[i] = wl_xmalloc(16);
    allocs += n;
    wl_mark("after-alloc");
    for (long i = 0; i < n; i++) free(arr[i]);
    free(arr);
    frees += n + 1;
    wl_mark("after-free");
  }
  printf("scaling: allocs=%ld frees=%ld seconds=%.3f\n", allocs, frees, wl_now() - t0);
  return 0;
}
