// Errors crossing the worker boundary: serialised to plain data (name, code, message, stack and the
// location fields of a TraceError) and rebuilt on the host with the same name and code, so the CLI
// classifies them exactly as if the replay had run in-process.

export interface ReplayErrorData {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, string | number | undefined>;
}

const CARRIED = ['code', 'file', 'offset', 'chunk', 'event', 'expected', 'detail', 'path'];

export function replayErrorToData(err: unknown): ReplayErrorData {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: Record<string, string | number | undefined> = {};
  for (const k of CARRIED) {
    const v = (err as unknown as Record<string, unknown>)[k];
    if (typeof v === 'string' || typeof v === 'number') fields[k] = v;
  }
  return { name: err.name, message: err.message, stack: err.stack, fields };
}

export function replayErrorFromData(d: ReplayErrorData): Error {
  const err = new Error(d.message);
  err.name = d.name;
  if (d.stack) err.stack = d.stack;
  Object.assign(err, d.fields);
  return err;
}
