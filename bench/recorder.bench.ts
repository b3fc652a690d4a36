// Recorder benchmark: the real generators writing protobuf files — events/s (target >= 10 M/s) and the
// Larson trace's bytes per event (targets: <= 3.0 plain, <= 1.5 gzip) for the OOM report's
// configuration `8 128 1024 1 12345 4`.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordWorkload } from '../recorder/index.js';

async function timeRecord(file: string, workload: string, args: string[], opts: Record<string, unknown>): Promise<{ events: number; seconds: number; bytes: number }> {
  const t0 = performance.now();
  const footer = await recordWorkload(workload, args, file, opts);
  const seconds = (performance.now() - t0) / 1000;
  return { events: Number(footer.events), seconds, bytes: statSync(file).size };
}

export async function benchRecorder(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'slabtrace-bench-rec-'));
  try {
    const larsonArgs = ['10', '8', '128', '1024', '1', '12345', '4'];
    const ops = 10_000_000;
    const pb = await timeRecord(join(dir, 'larson.pb'), 'larson', larsonArgs, { ops });
    const gz = await timeRecord(join(dir, 'larson.pb.gz'), 'larson', larsonArgs, { ops });
    const battle = await timeRecord(join(dir, 'battle.pb'), 'battle', [], {});
    const f = {
      larsonEventsPerSec: pb.events / pb.seconds,
      larsonBytesPerEvent: pb.bytes / pb.events,
      larsonGzipBytesPerEvent: gz.bytes / gz.events,
      larsonGzipEventsPerSec: gz.events / gz.seconds,
      battleEventsPerSec: battle.events / battle.seconds,
    };
    console.log(`larson 8 128 1024 1 12345 4 (--ops ${ops}): ${pb.events} events in ${pb.seconds.toFixed(2)} s = ${(f.larsonEventsPerSec / 1e6).toFixed(1)} M events/s (target >= 10)`);
    console.log(`larson bytes/event: ${f.larsonBytesPerEvent.toFixed(3)} plain (target <= 3.0), ${f.larsonGzipBytesPerEvent.toFixed(3)} gzip (target <= 1.5); gzip writes at ${(f.larsonGzipEventsPerSec / 1e6).toFixed(1)} M events/s`);
    console.log(`battle (100K..5M): ${battle.events} events = ${(f.battleEventsPerSec / 1e6).toFixed(1)} M events/s`);
    return f;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
