// Why a program could not be interposed: looks at the executable `record exec` ran (resolved like
// execvp: a name without '/' through PATH; a #! script's interpreter, through `env` too) for what
// makes the dynamic loader ignore LD_PRELOAD: no PT_INTERP (statically linked, static-pie included)
// or a set-user/group-ID bit. Used only after a capture recorded nothing, to say why in one line.
// Invariant: never throws; what it cannot read is 'unknown'.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export type ExecProbeKind = 'static' | 'setuid' | 'dynamic' | 'unknown';

export interface ExecProbe {
  kind: ExecProbeKind;
  /** The file that decided it (the interpreter, for a script), or '' if not found. */
  path: string;
}

const PT_INTERP = 3;
const HEAD = 4096;

/** The file execvp would run for `name` (PATH search for a bare name), or ''. */
export function execProbeResolve(name: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (name.includes('/')) return isAbsolute(name) ? name : resolve(cwd, name);
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const p = join(dir || '.', name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return '';
}

function execProbeHead(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(HEAD);
    return b.subarray(0, readSync(fd, b, 0, HEAD, 0));
  } finally {
    closeSync(fd);
  }
}

/** Whether an ELF image has a PT_INTERP program header (null: not ELF or unreadable). */
function execProbeHasInterp(b: Buffer): boolean | null {
  if (b.length < 52 || b.readUInt32BE(0) !== 0x7f454c46) return null;
  const is64 = b[4] === 2;
  const le = b[5] === 1;
  const u16 = (o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const phoff = is64 ? Number(le ? b.readBigUInt64LE(32) : b.readBigUInt64BE(32)) : u32(28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  if (phoff + phnum * phentsize > b.length) return null;
  for (let i = 0; i < phnum; i++) if (u32(phoff + i * phentsize) === PT_INTERP) return true;
  return false;
}

/** What kind of executable `command` (argv[0]) names; `depth` bounds #! chains. */
export function execProbe(command: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), depth = 0): ExecProbe {
  const path = execProbeResolve(command, env, cwd);
  if (!path) return { kind: 'unknown', path: '' };
  try {
    if ((statSync(path).mode & 0o6000) !== 0) return { kind: 'setuid', path };
    const head = execProbeHead(path);
    if (head.subarray(0, 2).toString('latin1') === '#!' && depth < 4) {
      const words = head.subarray(2, head.indexOf(10) < 0 ? head.length : head.indexOf(10)).toString('utf8').trim().split(/\s+/);
      const interp = words[0]?.endsWith('/env') && words[1] ? words[1] : words[0] ?? '';
      return interp ? execProbe(interp, env, cwd, depth + 1) : { kind: 'unknown', path };
    }
    const interp = execProbeHasInterp(head);
    return { kind: interp === null ? 'unknown' : interp ? 'dynamic' : 'static', path };
  } catch {
    return { kind: 'unknown', path };
  }
}
