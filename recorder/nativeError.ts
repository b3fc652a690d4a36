// NativeCaptureError: why native capture (`record exec`) could not run or could not read its log.
// Codes: NO_NATIVE (no compiler / unsupported platform / build failed: `reason` says which and what to
// install), COMMAND_NOT_FOUND (ENOENT), COMMAND_CANNOT_RUN (EACCES and the like), CORRUPT_LOG (bad
// magic or record in the raw log, with its byte offset). Only the CLI edge turns these into exit codes.

export type NativeCaptureErrorCode = 'NO_NATIVE' | 'COMMAND_NOT_FOUND' | 'COMMAND_CANNOT_RUN' | 'CORRUPT_LOG';

export class NativeCaptureError extends Error {
  readonly kind = 'user';
  readonly code: NativeCaptureErrorCode;
  readonly file: string;
  readonly offset: number;

  constructor(code: NativeCaptureErrorCode, message: string, file = '', offset = -1) {
    super(file ? `${file}${offset >= 0 ? `: byte ${offset}` : ''}: ${code}: ${message}` : `${code}: ${message}`);
    this.name = 'NativeCaptureError';
    this.code = code;
    this.file = file;
    this.offset = offset;
  }
}
