// Errors crossing the worker boundary: serialised to plain data (name, code, message, stack and the
// location fields of a TraceError) and rebuilt on the host with the same name and code, so the CLI
// classifies them exactly as if the replay had run in-process. Bounded: messages and fields are cut to
// a few KiB (a message may quote user data: a 300 KB op name), and a user's error (kind 'user', not a
// bug) carries no stack.

export interface ReplayErrorData {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, string | number | undefined>;
}

const CARRIED = ['code', 'kind', 'file', 'offset', 'chunk', 'event', 'expected', 'detail', 'path'];
/** Longest message or field carried (characters). */
const REPLAY_ERROR_MAX = 4096;

function cut(s: string, max = REPLAY_ERROR_MAX): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters)`;
}

export function replayErrorToData(err: unknown): ReplayErrorData {
  if (!(err instanceof Error)) return { name: 'Error', message: cut(String(err)), fields: {} };
  const fields: Record<string, string | number | undefined> = {};
  for (const k of CARRIED) {
    const v = (err as unknown as Record<string, unknown>)[k];
    if (typeof v === 'string') fields[k] = cut(v);
    else if (typeof v === 'number') fields[k] = v;
  }
  const users = fields.kind === 'user'; // the user's mistake: no stack (it may quote their data)
  return { name: err.name, message: cut(err.message), stack: users || !err.stack ? undefined : cut(err.stack, 4 * REPLAY_ERROR_MAX), fields };
}

export function replayErrorFromData(d: ReplayErrorData): Error {
  const err = new Error(d.message);
  err.name = d.name;
  if (d.stack) err.stack = d.stack;
  Object.assign(err, d.fields);
  return err;
}
