// Option parsers and helpers shared by the commands: strict numbers and sizes (commander turns an
// InvalidArgumentError into a usage error, exit 2), repeatable options, and interrupt handling.

import { InvalidArgumentError } from 'commander';

export function optInteger(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(text.trim());
  const mult = m ? ({ '': 1, k: 1e3, m: 1e6, g: 1e9 } as Record<string, number>)[m[2].toLowerCase()] : NaN;
  const value = m ? Math.round(Number(m[1]) * mult) : NaN;
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`expected a non-negative integer like 1000, 64K or 2M (got '${text}')`);
  return value;
}

export function optNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`expected a positive number (got '${text}')`);
  return value;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, kb: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mb: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gb: 2 ** 30, gib: 2 ** 30, t: 2 ** 40, tb: 2 ** 40, tib: 2 ** 40 };

/** "512M", "100G", "4096" → bytes (binary units). */
export function optSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  const value = m && unit ? Math.round(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError(`expected a size like 4096, 512M or 100G (got '${text}')`);
  return value;
}

export function optCollect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export { withInterrupt } from '../interrupt.js';
