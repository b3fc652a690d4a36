// Every command of the CLI, registered in the order --help lists them.

import type { Command } from 'commander';
import { allocatorsRegister } from './allocators.js';
import { examplesFor } from './examples.js';
import { compareRegister } from './compare.js';
import { convertRegister } from './convert.js';
import { cutRegister } from './cut.js';
import { demoRegister } from './demo.js';
import { dumpRegister } from './dump.js';
import { importRegister } from './import.js';
import { infoRegister } from './info.js';
import { presetsRegister } from './presets.js';
import { recordRegister } from './record.js';
import { replayRegister } from './replay.js';
import { shrinkRegister } from './shrink.js';

export function commandsRegister(program: Command): void {
  recordRegister(program);
  replayRegister(program);
  compareRegister(program);
  demoRegister(program);
  infoRegister(program);
  dumpRegister(program);
  convertRegister(program);
  cutRegister(program);
  shrinkRegister(program);
  importRegister(program);
  presetsRegister(program);
  allocatorsRegister(program);
  for (const cmd of program.commands) commandsAddExamples(cmd, cmd.name());
}

/** Ends the help of `cmd` (at `path` below `slabtrace`) and of its subcommands with their examples. */
function commandsAddExamples(cmd: Command, path: string): void {
  const text = examplesFor(path);
  if (text) cmd.addHelpText('after', text);
  for (const sub of cmd.commands) commandsAddExamples(sub, `${path} ${sub.name()}`);
}
