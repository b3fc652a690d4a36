// The `battle` workload (HAKMEM vs mimalloc vs glibc memory battle): for each scale N it allocates
// the pointer array (N × 8 B) and N blocks of 16 B, marks `measure-peak@<N>`, frees every block and
// the array, marks `flush@<N>` (the replayer flushes the allocator's magazines at a `flush` mark) and
// then `measure-after@<N>`. Scales default to 100K, 500K, 1M, 2M, 5M.

import { bulkWorkloadDefine } from './bulk.js';

export const battleWorkload = bulkWorkloadDefine({
  name: 'battle',
  summary: 'memory battle: N × 16 B for N in 100K..5M, with measure-peak / flush / measure-after marks',
  defaultScales: '100K,500K,1M,2M,5M',
  blockSize: 16,
  marksAfterAlloc: (n) => [`measure-peak@${n}`],
  marksAfterFree: (n) => [`flush@${n}`, `measure-after@${n}`],
});
