// The process structure of a native capture: which images (libslabtrace's `proc` ids: the program,
// each image it execs, each followed child and its images) belong to which OS process, in which
// order, and how each ended. Found by one pass over the raw log (nativeProcScan) before the
// conversion, so that the conversion knows every process's name, images and end from its start.
// Owns: NativeImage, NativeProcess, NativeProcTable, the pairing of an exec'd image with its
// predecessor.
// Invariants:
//  - A process is named by (pid, start time) from its images' PROC_START records: exec keeps both,
//    a new process (even one reusing a pid) differs in one. Its images are ordered by their
//    PROC_START sequence numbers; the last one is final.
//  - Image 0 is the recorded program's first image; its process is the root (process 0).
//  - An image with records but no PROC_START (its start was lost) is a process of its own, pid 0.
//  - Processes are numbered in the order their first image started (the root first).
import { createReadStream } from 'node:fs';
import { RAW_END_KINDS, RAW_OP, RAW_REC_WORDS, RawChunker, rawName, type RawEndKind } from './nativeRaw.js';

const TWO32 = 4294967296;

export interface NativeImageEnd { kind: RawEndKind; code: number }

export interface NativeImage {
  /** libslabtrace's image id (the chunk header's `proc`). */
  proc: number;
  pid: number;
  ppid: number;
  /** Start time of the OS process (clock ticks since boot). */
  start: number;
  /** Sequence number of PROC_START (-1 unknown). */
  startSeq: number;
  /** Recorder thread id of the thread that announced the image (its main thread; -1 unknown). */
  mainTid: number;
  /** Command name at the image's start (the kernel's comm, 15 characters at most). */
  name: string;
  /** Base name of the file it last tried to exec ('' when it never did). */
  execName: string;
  /** Its PROC_END, or null (it exec'd, or died without writing it). */
  end: NativeImageEnd | null;
  /** Raw records of this image in the log. */
  records: number;
  /** Index of its process, and its position among the process's images. */
  process: number;
  position: number;
}

export interface NativeProcess {
  index: number;
  pid: number;
  ppid: number;
  /** Index of the parent process if it was recorded, else -1. */
  parent: number;
  root: boolean;
  images: NativeImage[];
}

export class NativeProcTable {
  readonly images = new Map<number, NativeImage>();
  readonly processes: NativeProcess[] = [];

  /** The image `proc`; an unknown one becomes a process of its own (its PROC_START was lost). */
  image(proc: number): NativeImage {
    let img = this.images.get(proc);
    if (!img) {
      img = nativeImageNew(proc);
      this.images.set(proc, img);
      this.addProcess([img]);
    }
    return img;
  }

  processOf(img: NativeImage): NativeProcess { return this.processes[img.process]; }

  isFinal(img: NativeImage): boolean {
    const p = this.processes[img.process];
    return p.images[p.images.length - 1] === img;
  }

  /** The root process (the program's), or null when nothing was recorded. */
  get root(): NativeProcess | null { return this.processes[0]?.root ? this.processes[0] : null; }

  addProcess(images: NativeImage[]): NativeProcess {
    const first = images[0];
    const p: NativeProcess = { index: this.processes.length, pid: first.pid, ppid: first.ppid, parent: -1, root: first.proc === 0, images };
    images.forEach((img, i) => { img.process = p.index; img.position = i; });
    this.processes.push(p);
    return p;
  }
}

function nativeImageNew(proc: number): NativeImage {
  return { proc, pid: 0, ppid: 0, start: 0, startSeq: -1, mainTid: -1, name: '', execName: '', end: null, records: 0, process: -1, position: 0 };
}

/** Collects the structure records of a raw log, chunk by chunk; table() groups them. */
export class NativeProcScan {
  private imgs = new Map<number, NativeImage>();
  private nameSeq = new Map<number, number>();
  private execSeq = new Map<number, number>();

  /** RawChunkFn: notes the structure records of one chunk. */
  readonly chunk = (u32: Uint32Array, at: number, n: number, tid: number, proc: number): void => {
    const img = this.get(proc);
    img.records += n;
    for (let i = 0; i < n; i++) {
      const p = at + i * RAW_REC_WORDS;
      const op = u32[p] & 0x7f;
      if (op < RAW_OP.PROC_START || (op > RAW_OP.PROC_END && op < RAW_OP.PROC_NAME)) continue;
      const seq = (u32[p] >>> 8) + u32[p + 1] * 16777216;
      this.note(img, op, seq, tid, u32[p + 2], u32[p + 3], u32[p + 4], u32[p + 5]);
    }
  };

  private get(proc: number): NativeImage {
    let img = this.imgs.get(proc);
    if (!img) { img = nativeImageNew(proc); this.imgs.set(proc, img); }
    return img;
  }

  private note(img: NativeImage, op: number, seq: number, tid: number, pLo: number, pHi: number, lo: number, hi: number): void {
    if (op === RAW_OP.PROC_START) {
      Object.assign(img, { pid: pLo, ppid: pHi, start: lo + hi * TWO32, startSeq: seq, mainTid: tid });
    } else if (op === RAW_OP.PROC_END) {
      img.end = { kind: RAW_END_KINDS[pLo & 255] ?? 'exit', code: lo | 0 };
    } else if (op === RAW_OP.PROC_NAME && seq >= (this.nameSeq.get(img.proc) ?? -1)) {
      img.name = rawName(pLo, pHi, lo, hi);
      this.nameSeq.set(img.proc, seq);
    } else if (op === RAW_OP.EXEC && seq >= (this.execSeq.get(img.proc) ?? -1)) {
      img.execName = rawName(pLo, pHi, lo, hi);
      this.execSeq.set(img.proc, seq);
    }
  }

  /** Groups the images into processes (see the invariants above). */
  table(): NativeProcTable {
    const t = new NativeProcTable();
    const groups = new Map<string, NativeImage[]>();
    for (const img of this.imgs.values()) {
      t.images.set(img.proc, img);
      const key = img.startSeq >= 0 ? `${img.pid}:${img.start}` : `lone:${img.proc}`;
      const g = groups.get(key);
      if (g) g.push(img); else groups.set(key, [img]);
    }
    const chains = [...groups.values()].map((g) => g.sort((a, b) => a.startSeq - b.startSeq));
    const firstSeq = (g: NativeImage[]): number => (g[0].proc === 0 ? -Infinity : g[0].startSeq < 0 ? Infinity : g[0].startSeq);
    chains.sort((a, b) => firstSeq(a) - firstSeq(b) || a[0].proc - b[0].proc);
    for (const chain of chains) t.addProcess(chain);
    nativeProcParents(t);
    return t;
  }
}

/** Each process's parent: the latest recorded process with its parent pid that started before it. */
function nativeProcParents(t: NativeProcTable): void {
  for (const p of t.processes) {
    if (p.root || p.ppid === 0) continue;
    const seq = p.images[0].startSeq;
    for (const q of t.processes) {
      if (q !== p && q.pid === p.ppid && q.images[0].startSeq < seq) p.parent = q.index;
    }
  }
}

/** Pass 1: reads the whole raw log for its process structure. */
export async function nativeProcScan(rawPath: string, brokenLog = false): Promise<NativeProcTable> {
  const scan = new NativeProcScan();
  const chunker = new RawChunker(rawPath, brokenLog);
  for await (const buf of createReadStream(rawPath, { highWaterMark: 1 << 20 })) {
    chunker.feed(buf as Buffer, scan.chunk);
  }
  return scan.table();
}
