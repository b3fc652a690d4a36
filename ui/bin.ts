#!/usr/bin/env node
// The `slabtrace` executable: runs the CLI and sets the exit code (never process.exit, so pending
// output is flushed).

import { cliMain } from './cli.js';

cliMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
