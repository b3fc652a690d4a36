// `slabtrace dump FILE [--from N] [--limit N]`: events as JSON lines, e.g.
// {"i":0,"op":"alloc","tid":0,"id":0,"size":9}. Streams; stops reading once the limit is reached.

import type { Command } from 'commander';
import { openTrace, traceEventToJson } from '../../traces/index.js';
import { optInteger } from './options.js';
import { traceSource } from './source.js';
import { stdoutWrite } from './stdout.js';

export function dumpRegister(program: Command): void {
  program
    .command('dump')
    .description('print events as JSON lines')
    .argument('<file>', 'trace file (- for stdin)')
    .option('--from <n>', 'first event index to print', optInteger, 0)
    .option('--limit <n>', 'print at most this many events', optInteger)
    .option('--lenient', 'skip bad events instead of failing')
    .option('--allow-truncated', 'dump a trace without footer up to its last complete chunk')
    .action(async (file: string, opts: { from: number; limit?: number; lenient?: boolean; allowTruncated?: boolean }) => {
      await dumpRun(file, opts);
    });
}

async function dumpRun(file: string, opts: { from: number; limit?: number; lenient?: boolean; allowTruncated?: boolean }): Promise<void> {
  const end = opts.limit === undefined ? Infinity : opts.from + opts.limit;
  const reader = await openTrace(traceSource(file), { lenient: opts.lenient, allowTruncated: opts.allowTruncated || opts.limit !== undefined });
  try {
    for await (const b of reader.batches()) {
      if (b.first + b.count <= opts.from) continue;
      const lines: string[] = [];
      for (let i = Math.max(0, opts.from - b.first); i < b.count && b.first + i < end; i++) {
        lines.push(JSON.stringify({ i: b.first + i, ...traceEventToJson(b, i) }));
      }
      if (lines.length && !(await stdoutWrite(`${lines.join('\n')}\n`))) return;
      if (b.first + b.count >= end) return;
    }
  } finally {
    await reader.close();
  }
}
