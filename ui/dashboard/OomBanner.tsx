// The OOM banner: the failing event, its op, size and thread, and the reason, then the figures of the
// report (SuperSlabs allocated and freed, mappings against the limit and what they hold, VmSize,
// VmRSS). Three sizes: full; compact (the failure and its reason: the figures are in the panels below);
// one line (the failing event and the last clause of the reason). Pure.

import type { ReplayOom } from '../../replayer/index.js';
import { formatBytes, formatCount } from '../format.js';
import { item, linePack, Lines, plain, type Line } from './lines.js';
import { vmaItems } from './Memory.js';
import type { DashboardTheme } from './theme.js';

export type OomBannerDetail = 'full' | 'compact' | 'line';

interface OomBannerProps {
  oom: ReplayOom;
  /** Failed allocations in all (more than one with --continue-after-oom). */
  count: number;
  width: number;
  /** Default full. */
  detail?: OomBannerDetail;
  theme: DashboardTheme;
}

export function oomBannerLines(p: OomBannerProps): Line[] {
  const o = p.oom;
  const title = plain(` OUT OF MEMORY at event ${formatCount(o.event)}${p.count > 1 ? ` (+${p.count - 1} more failed)` : ''} `, { bold: true, inverse: true, color: 'red' });
  const clauses = o.reason.split(/(?<=:) /);
  if (p.detail === 'line') return [[...title, { text: `  ${clauses[clauses.length - 1]}`, color: 'red' }]];
  const what = `${o.op}${o.what === 'stack' ? '' : ` of ${formatBytes(o.size)}`} by thread ${o.tid}`;
  const lines = [
    ...linePack([title, plain(what, { bold: true, color: 'red' })], p.width, 2),
    ...linePack(clauses.map((r) => plain(r, { color: 'red' })), p.width, 1),
  ];
  if (p.detail === 'compact') return lines;
  return [
    ...lines,
    ...linePack([
      item('SuperSlabs alloc', formatCount(o.ssAllocated)), item('freed', formatCount(o.ssFreed)),
      item('mappings', `${formatCount(o.mappings)} / ${formatCount(o.maxMapCount)}`),
      item('VmSize', formatBytes(o.vmSize)), item('VmRSS', formatBytes(o.vmRss)),
    ], p.width, 2),
    ...linePack([plain('VMAs:', { dim: true }), ...vmaItems({
      vmasSuperSlab: o.vmas.superSlab, vmasStack: o.vmas.stack, vmasLarge: o.vmas.large, vmasBaseline: o.vmas.baseline, vmasMerged: o.vmas.merged,
    })], p.width, 2),
  ];
}

export function OomBanner(p: OomBannerProps) {
  return <Lines lines={oomBannerLines(p)} width={p.width} theme={p.theme} />;
}
