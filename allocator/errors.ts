// allocator/errors.ts — the allocator's error types. AllocConfigError: a bad preset, parameter name or
// value (message lists what is valid). AllocUsageError: an API misuse the model cannot absorb
// (free of an address it never handed out, buffer that is not ours, metadata buffer exhausted).

export class AllocConfigError extends Error {
  override readonly name = 'AllocConfigError';
  readonly kind = 'user';
  constructor(message: string, readonly param?: string, readonly valid?: readonly string[]) {
    super(message);
  }
}

export class AllocUsageError extends Error {
  override readonly name = 'AllocUsageError';
  constructor(message: string, readonly code: 'invalid_free' | 'bad_size' | 'bad_buffer' | 'capacity' | 'bad_thread') {
    super(message);
  }

  /** A limit of the model is the user's to raise; an invalid free or size past validation is a bug. */
  get kind(): 'user' | 'bug' {
    return this.code === 'invalid_free' || this.code === 'bad_size' ? 'bug' : 'user';
  }
}

export function allocInvalidFree(tid: number, addr: number): AllocUsageError {
  return new AllocUsageError(`free(tid=${tid}, 0x${addr.toString(16)}): not an address this allocator handed out`, 'invalid_free');
}

export function allocBadSize(tid: number, size: number, align: number): AllocUsageError {
  return new AllocUsageError(`malloc(tid=${tid}, size=${size}, align=${align}): size must be a non-negative integer`, 'bad_size');
}
