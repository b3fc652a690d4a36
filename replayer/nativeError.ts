// NativeReplayError: why a replay through a real allocator (`--native`) cannot run here — the user's
// environment or arguments, never our bug (the CLI edge turns it into exit 2 with its one-line message).
// Codes: NO_NATIVE (the replayer was not built: no C compiler, not Linux; the message says what to do),
// NO_ALLOCATOR (a known allocator whose library is not installed: the message names the Debian
// package), NO_LIBRARY (a library path that does not exist), NOT_AN_ALLOCATOR (a library that does not
// define malloc, so preloading it would replay through glibc).

export type NativeReplayErrorCode = 'NO_NATIVE' | 'NO_ALLOCATOR' | 'NO_LIBRARY' | 'NOT_AN_ALLOCATOR';

export class NativeReplayError extends Error {
  readonly kind = 'user';
  readonly code: NativeReplayErrorCode;

  constructor(code: NativeReplayErrorCode, message: string) {
    super(message);
    this.name = 'NativeReplayError';
    this.code = code;
  }
}
