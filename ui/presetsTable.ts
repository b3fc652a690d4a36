// The presets as plain text (`slabtrace presets`): one line per preset saying what it models, then the
// parameters that differ between presets as a table, then the ones they share. Pure: the allocator's
// presets and parameter specs in, text out.

import { DEFAULT_PARAMS, PARAM_SPECS, PRESET_NAMES, PRESETS } from '../allocator/index.js';
import { formatTable } from './format.js';

function fmt(v: unknown): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}

export function presetsTableText(): string {
  const lines: string[] = [];
  const w = Math.max(...PRESET_NAMES.map((n) => n.length));
  for (const n of PRESET_NAMES) lines.push(`${n.padEnd(w)}  ${PRESETS[n].models}`);
  lines.push('');
  const differing = PARAM_SPECS.map((s) => s.name).filter((k) => new Set(PRESET_NAMES.map((n) => fmt(PRESETS[n].params[k]))).size > 1);
  const cols = [{ title: 'parameter', align: 'left' as const }, ...PRESET_NAMES.map((n) => ({ title: n.replace('hakmem-', ''), align: 'left' as const }))];
  lines.push(formatTable(cols, differing.map((k) => [k, ...PRESET_NAMES.map((n) => fmt(PRESETS[n].params[k]))])));
  lines.push('', 'common: ' + PARAM_SPECS.map((s) => s.name).filter((k) => !differing.includes(k)).map((k) => `${k}=${fmt(DEFAULT_PARAMS[k])}`).join(' '));
  return lines.join('\n');
}
