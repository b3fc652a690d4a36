// Where the events of a native capture go: one trace for everything (`single`: the program, and with
// --follow-forks its children merged in), or one trace per process (`perProcess`, `-o DIR/`: files
// `<pid>-<name>.pb` and an index.json). One NativeOutput per trace: its writer, its thread lifecycle
// (NativeThreads) and the map from recorder thread ids to the trace's thread ids.
// Invariants:
//  - Thread ids: in a merged trace the recorder's own (unique per OS thread; 0 = the program's main
//    thread), in a per-process trace renumbered from 0 = the process's main thread, in order of first
//    appearance. An exec'd image's main thread is aliased to its process's main thread.
//  - A per-process trace is closed (footer) when its process's final image ended, aborted (no
//    footer: truncated) when it never did; the merged trace is closed iff the root ended.
//  - Files are named from the process's pid and final command name, unique within the directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  createTraceWriter, type TraceFooter, type TraceFooterExtra, type TraceHeaderInit, type TraceWriter, type TraceWriterOptions,
} from '../traces/index.js';
import type { NativeProcess } from './nativeProcs.js';
import { NativeThreads } from './nativeThreads.js';

export type NativeOutputSpec =
  | { kind: 'single'; dest: string | NodeJS.WritableStream }
  | { kind: 'perProcess'; dir: string };

/** One process's trace in per-process mode (the merged trace has one entry, for the root). */
export interface NativeOutputFile {
  file: string;
  pid: number;
  ppid: number;
  /** Command names of its images, in order (the last is the one that ran to the end). */
  images: string[];
  events: number;
  complete: boolean;
  root: boolean;
  end: string | null;
}

export class NativeOutput {
  readonly threads: NativeThreads;
  footer: TraceFooter | null = null;
  closed = false;
  private tmap = new Int32Array(256).fill(-1);
  private nextTid = 0;

  constructor(readonly w: TraceWriter, readonly file: string, private renumber: boolean) {
    this.threads = new NativeThreads(w, renumber);
  }

  /** The trace's thread id for a recorder thread id (assigned on first sight). */
  tid(r: number): number {
    const m = this.tmap;
    if (r < m.length) {
      const t = m[r];
      if (t >= 0) return t;
    }
    return this.assign(r, this.renumber ? this.nextTid++ : r);
  }

  /** Names recorder thread `r` as trace thread `t` (an exec'd image's main thread). */
  alias(r: number, t: number): void {
    this.assign(r, t);
    if (this.renumber && t >= this.nextTid) this.nextTid = t + 1;
  }

  private assign(r: number, t: number): number {
    if (r >= this.tmap.length) {
      const m = new Int32Array(Math.max(r + 1, this.tmap.length * 2)).fill(-1);
      m.set(this.tmap);
      this.tmap = m;
    }
    this.tmap[r] = t;
    return t;
  }
}

/** Header fields of a process's trace that come from the process table. */
function nativeProcessParams(p: NativeProcess): Record<string, string> {
  const last = p.images[p.images.length - 1];
  return {
    pid: String(p.pid),
    ppid: String(p.ppid),
    images: p.images.map((i) => i.name || '?').join(' > '),
    processEnd: last.end ? `${last.end.kind} ${last.end.code}` : 'none',
  };
}

function nativeFileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^\.+/, '_') || 'process';
}

export class NativeOutputs {
  private single: NativeOutput | null = null;
  private byProcess = new Map<number, NativeOutput>();
  private closing: Promise<unknown>[] = [];
  private names = new Set<string>();

  constructor(private spec: NativeOutputSpec, private header: TraceHeaderInit, private writer: TraceWriterOptions = {}) {
    if (spec.kind === 'perProcess') mkdirSync(spec.dir, { recursive: true });
  }

  get perProcess(): boolean { return this.spec.kind === 'perProcess'; }

  /** The output of process `p` (created on first use). */
  of(p: NativeProcess): NativeOutput {
    if (this.spec.kind === 'single') {
      this.single ??= new NativeOutput(createTraceWriter(this.spec.dest, this.header, this.writer), nativeDestName(this.spec.dest), false);
      return this.single;
    }
    let o = this.byProcess.get(p.index);
    if (!o) {
      const file = join(this.spec.dir, this.fileName(p));
      o = new NativeOutput(createTraceWriter(file, this.processHeader(p), this.writer), file, true);
      this.byProcess.set(p.index, o);
    }
    return o;
  }

  /** Process `p` ended: its per-process trace gets its footer (the merged one waits for finish). */
  end(p: NativeProcess, extra: TraceFooterExtra): void {
    const o = this.byProcess.get(p.index);
    if (!o || o.closed) return;
    o.closed = true;
    this.closing.push(o.w.close(extra).then((f) => { o.footer = f; }));
  }

  /** Waits for writers that asked for it (backpressure) and for traces being closed. */
  async drain(): Promise<void> {
    const waits: Promise<unknown>[] = this.closing.splice(0);
    for (const o of this.all()) if (!o.closed && o.w.needsDrain) waits.push(o.w.drain());
    await Promise.all(waits);
  }

  get needsDrain(): boolean {
    if (this.closing.length > 0) return true;
    for (const o of this.all()) if (!o.closed && o.w.needsDrain) return true;
    return false;
  }

  /**
   * Ends every trace: the merged one closed if `rootComplete` (else aborted, truncated); per-process
   * traces not closed yet are aborted. Returns one entry per trace written, in process order.
   */
  async finish(processes: NativeProcess[], rootComplete: boolean, extra: TraceFooterExtra): Promise<NativeOutputFile[]> {
    if (this.spec.kind === 'single' && !this.single) {
      // nothing was recorded: the destination still gets a trace (empty, and truncated)
      this.single = new NativeOutput(createTraceWriter(this.spec.dest, this.header, this.writer), nativeDestName(this.spec.dest), false);
    }
    if (this.single && !this.single.closed) {
      this.single.closed = true;
      if (rootComplete) this.single.footer = await this.single.w.close(extra);
      else await this.single.w.abort();
    }
    for (const o of this.byProcess.values()) {
      if (!o.closed) { o.closed = true; this.closing.push(o.w.abort()); }
    }
    await this.drain();
    const files = processes.flatMap((p) => this.result(p, rootComplete));
    if (files.length === 0 && this.single) files.push(this.emptyResult(this.single));
    if (this.spec.kind === 'perProcess') {
      const processes = files.map((f) => ({ ...f, file: basename(f.file) }));
      writeFileSync(join(this.spec.dir, 'index.json'), JSON.stringify({ command: this.header.params?.command ?? '', processes }, null, 1) + '\n');
    }
    return files;
  }

  /** After a failure: every trace still open ends without a footer; no index is written. */
  async abort(): Promise<void> {
    for (const o of this.all()) {
      if (!o.closed) { o.closed = true; this.closing.push(o.w.abort()); }
    }
    await Promise.allSettled(this.closing.splice(0));
  }

  /** Any output's writer (the merged one, or each process's). */
  private *all(): Iterable<NativeOutput> {
    if (this.single) yield this.single;
    yield* this.byProcess.values();
  }

  private result(p: NativeProcess, rootComplete: boolean): NativeOutputFile[] {
    const o = this.spec.kind === 'single' ? (p.root ? this.single : null) : this.byProcess.get(p.index);
    if (!o) return [];
    const last = p.images[p.images.length - 1];
    return [{
      file: o.file, pid: p.pid, ppid: p.ppid, images: p.images.map((i) => i.name), events: o.w.events,
      complete: this.spec.kind === 'single' ? rootComplete : o.footer !== null, root: p.root,
      end: last.end ? `${last.end.kind} ${last.end.code}` : null,
    }];
  }

  private emptyResult(o: NativeOutput): NativeOutputFile {
    return { file: o.file, pid: 0, ppid: 0, images: [], events: 0, complete: false, root: true, end: null };
  }

  private fileName(p: NativeProcess): string {
    const name = p.root && this.header.workload ? this.header.workload : p.images[p.images.length - 1].name;
    const stem = `${p.pid || `image${p.images[0].proc}`}-${nativeFileSafe(name)}`;
    const ext = (this.writer.format === 'json' ? '.json' : '.pb') + (this.writer.gzip ? '.gz' : '');
    let file = `${stem}${ext}`;
    for (let i = 2; this.names.has(file); i++) file = `${stem}-${i}${ext}`;
    this.names.add(file);
    return file;
  }

  private processHeader(p: NativeProcess): TraceHeaderInit {
    const h = this.header;
    if (p.root) return { ...h, params: { ...h.params, ...nativeProcessParams(p) } };
    const last = p.images[p.images.length - 1];
    return {
      ...h, workload: last.name || 'process', args: [],
      params: { capture: h.params?.command ?? '', followForks: 'true', ...nativeProcessParams(p) },
    };
  }
}

function nativeDestName(dest: string | NodeJS.WritableStream): string {
  return typeof dest === 'string' ? dest : '-';
}
