/*
 * battle: for each scale in 100K, 500K, 1M, 2M, 5M (DESIGN.md): allocate the pointer array and N
 * blocks of 16 B, mark `measure-peak`, free all blocks and the array, mark `flush`, mark
 * `measure-after`. Optional argv: the list of scales. Prints `battle: allocs=A frees=F seconds=S`.
 */
#include "common.h"

int main(int argc, char **argv) {
  long scales[16] = {100000, 500000, 1000000, 2000000, 5000000};
  int n_scales = 5;
  if (argc > 1) {
    n_scales = 0;
    for (int i = 1; i < argc && n_scales < 16; i++) scales[n_scales++] = atol(argv[i]);
  }
  long allocs = 0, frees = 0;
  double t0 = wl_now();
  for (int s = 0; s < n_scales; s++) {
    long n = scales[s];
    void **arr = wl_xmalloc((size_t)n * sizeof *arr);
    for (long i = 0; i < n; i++) arr[i] = wl_xmalloc(16);
    allocs += n + 1;
    wl_mark("measure-peak");
    for (long i = 0; i < n; i++) free(arr[i]);
    free(arr);
    frees += n + 1;
    wl_mark("flush");
    wl_mark("measure-after");
  }
  printf("battle: allocs=%ld frees=%ld seconds=%.3f\n", allocs, frees, wl_now() - t0);
  return 0;
}
