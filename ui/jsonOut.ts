// `--json` output written incrementally: a top-level object one key at a time, and any long array (marks,
// threads, timeline rows) one element per line, through a writer with backpressure, so a result with
// millions of marks never becomes one string (V8 caps strings near 512 MiB) and a reader sees output at
// once. The text is valid JSON, pretty-printed like JSON.stringify(value, null, 2) except that the
// elements of long arrays stay on one line each.

/** A trace header's parameters (strings in the format) with the numbers as numbers, for --json. */
export function jsonTypedParams(params: Record<string, string>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params)) out[k] = /^-?\d+(\.\d+)?$/.test(v) && Number.isFinite(Number(v)) ? Number(v) : v;
  return out;
}

/** Arrays longer than this are written one element per line. */
const JSON_LONG_ARRAY = 16;

type Write = (text: string) => Promise<boolean>;

function indent(text: string, pad: string): string {
  return text.replace(/\n/g, `\n${pad}`);
}

/** Writes `value` as JSON (then a newline); resolves false if the reader went away. */
export async function jsonWrite(value: unknown, write: Write): Promise<boolean> {
  if (!await jsonWriteValue(value, write, '')) return false;
  return write('\n');
}

/** An array written from values in memory and then JSON texts from a stream (e.g. marks spilled to a file). */
export class JsonArrayStream {
  constructor(readonly head: unknown[], readonly rest: AsyncIterable<string>) {}
}

async function jsonWriteValue(value: unknown, write: Write, pad: string): Promise<boolean> {
  if (value instanceof JsonArrayStream) return jsonWriteStream(value, write, pad);
  if (Array.isArray(value) && value.length > JSON_LONG_ARRAY) return jsonWriteArray(value, write, pad);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return write(indent(JSON.stringify(value, null, 2) ?? 'null', pad));
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return write('{}');
  if (!await write('{\n')) return false;
  const inner = `${pad}  `;
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i]!;
    if (!await write(`${inner}${JSON.stringify(k)}: `)) return false;
    if (!await jsonWriteValue(v, write, inner)) return false;
    if (!await write(i < entries.length - 1 ? ',\n' : '\n')) return false;
  }
  return write(`${pad}}`);
}

async function jsonWriteArray(items: unknown[], write: Write, pad: string): Promise<boolean> {
  const inner = `${pad}  `;
  if (!await write('[\n')) return false;
  const BATCH = 512;
  for (let i = 0; i < items.length; i += BATCH) {
    const end = Math.min(items.length, i + BATCH);
    const lines: string[] = [];
    for (let j = i; j < end; j++) lines.push(`${inner}${JSON.stringify(items[j]) ?? 'null'}${j < items.length - 1 ? ',' : ''}`);
    if (!await write(`${lines.join('\n')}\n`)) return false;
  }
  return write(`${pad}]`);
}

async function jsonWriteStream(value: JsonArrayStream, write: Write, pad: string): Promise<boolean> {
  const inner = `${pad}  `;
  let first = true;
  let lines: string[] = [];
  const put = (text: string): void => {
    lines.push(`${first ? '' : ',\n'}${inner}${text}`);
    first = false;
  };
  if (!await write('[\n')) return false;
  for (const v of value.head) put(JSON.stringify(v) ?? 'null');
  for await (const text of value.rest) {
    put(text);
    if (lines.length >= 512) {
      if (!await write(lines.join(''))) return false;
      lines = [];
    }
  }
  return write(`${lines.join('')}${first ? '' : '\n'}${pad}]`);
}
