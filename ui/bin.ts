#!/usr/bin/env node
// The `slabtrace` executable: runs the CLI and sets the exit code (never process.exit, so pending
// output is flushed).

import { cliMain } from './cli.js';
import { stdoutFailure, stdoutWatch } from './commands/stdout.js';
import { EXIT_USAGE } from './exitCodes.js';

stdoutWatch();
process.on('exit', () => {
  const f = stdoutFailure();
  if (f && f.code !== 'EPIPE' && !process.exitCode) {
    process.stderr.write(`slabtrace: <stdout>: write failed: ${f.message}\n`);
    process.exitCode = EXIT_USAGE;
  }
});

cliMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
