// The temporary directory of one `record exec` run (raw log, shared page), and the removal of the
// ones left behind by recorders that died without cleaning up (SIGKILL, power loss).
// Owns: the directory name `slabtrace-exec-<pid>-XXXXXX` and its `owner` file (`<pid> <start>`,
// start = the recorder's start time in clock ticks since boot, field 22 of /proc/<pid>/stat).
// Invariants:
//  - A directory is stale only when its recorder is provably gone: its pid is not running, or runs
//    a process that started at another time (the pid was reused). A live recorder's directory, one
//    whose owner is unknown (another user's, an older naming) or unreadable, is never touched.
//  - Cleaning never throws: what cannot be removed is left for the next run.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'slabtrace-exec-';
const NAME = /^slabtrace-exec-(\d+)-[A-Za-z0-9]{6}$/;

/** Start time of a process in clock ticks since boot, or null (no such process, no /proc). */
function execTmpStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may contain spaces: count from the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function execTmpAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates this run's directory under `base`, named after our pid, with its owner file. */
export function execTmpCreate(base: string): string {
  const dir = mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
  writeFileSync(join(dir, 'owner'), `${process.pid} ${execTmpStartTime(process.pid) ?? ''}\n`);
  return dir;
}

/** Whether `dir` (a name matching ours, owned by us) belongs to a recorder that is gone. */
function execTmpIsStale(dir: string, pid: number): boolean {
  if (pid === process.pid) return false;
  if (!execTmpAlive(pid)) return true;
  let owner: string;
  try {
    owner = readFileSync(join(dir, 'owner'), 'utf8');
  } catch {
    return false; // being created right now, or not ours to judge
  }
  const [ownerPid, start] = owner.trim().split(' ');
  const now = execTmpStartTime(pid);
  return Number(ownerPid) === pid && !!start && now !== null && now !== start;
}

/** Removes the stale run directories under `base`; returns the paths removed. */
export function execTmpCleanStale(base: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return removed;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m) continue;
    const dir = join(base, name);
    try {
      if (uid !== undefined && statSync(dir).uid !== uid) continue;
      if (!execTmpIsStale(dir, Number(m[1]))) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // vanished meanwhile, or not removable: the next run tries again
    }
  }
  return removed;
}
