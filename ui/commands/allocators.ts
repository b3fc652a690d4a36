// `slabtrace allocators [--json]`: the real allocators a native replay (`replay --native`, `compare
// --native`) can use here — each known name, whether its library is installed, the file and version the
// replay process would get, and the Debian/Ubuntu package that provides it. Any other malloc library
// can be given by path. Exit 2 when the native replayer itself is not built (no C compiler).

import type { Command } from 'commander';
import { nativeAllocatorsList, type NativeAllocatorStatus } from '../../replayer/index.js';
import { formatTable } from '../format.js';
import { nativeCli } from './replayOptions.js';

export function allocatorsRegister(program: Command): void {
  program
    .command('allocators')
    .description('list the real allocators `replay --native` can use here')
    .option('--json', 'print them as JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await nativeCli(() => nativeAllocatorsList());
      process.stdout.write(opts.json ? `${JSON.stringify(list, null, 2)}\n` : allocatorsText(list));
    });
}

function allocatorsText(list: NativeAllocatorStatus[]): string {
  const cols = [
    { title: 'name', align: 'left' as const }, { title: 'status', align: 'left' as const }, { title: 'library', align: 'left' as const },
    { title: 'version', align: 'left' as const }, { title: 'package', align: 'left' as const },
  ];
  const rows = list.map((a) => [a.name, a.available ? 'available' : 'not installed', a.library ?? a.soname ?? '', a.version ?? '', a.debianPackage]);
  return `${formatTable(cols, rows)}\n\nAny other malloc library: --native PATH/TO/lib.so (preloaded with LD_PRELOAD).\n`;
}
