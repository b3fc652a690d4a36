// The `scaling` workload (HAKMEM's scaling test): for each size n in 100K, 500K, 1M it allocates
// its pointer array (n × 8 B, itself an allocation), n blocks of 16 B, then frees every block in
// allocation order and the array. Marks `after-alloc@<n>` and `after-free@<n>` follow each phase.

import { bulkWorkloadDefine } from './bulk.js';

export const scalingWorkload = bulkWorkloadDefine({
  name: 'scaling',
  summary: 'n × 16 B for n in 100K, 500K, 1M in sequence: allocate all, free all (HAKMEM scaling test)',
  defaultScales: '100K,500K,1M',
  blockSize: 16,
  marksAfterAlloc: (n) => [`after-alloc@${n}`],
  marksAfterFree: (n) => [`after-free@${n}`],
});
