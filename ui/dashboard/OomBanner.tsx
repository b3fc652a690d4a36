// The OOM banner: the failing event, thread, op, size and reason, then the figures of the report
// (SuperSlabs allocated and freed, mappings against the limit and what they hold, VmSize, VmRSS). Pure.

import type { ReplayOom } from '../../replayer/index.js';
import { formatBytes, formatCount } from '../format.js';
import { item, linePack, Lines, plain, type Line } from './lines.js';
import { vmaItems } from './Memory.js';
import type { DashboardTheme } from './theme.js';

export interface OomBannerProps {
  oom: ReplayOom;
  /** Failed allocations in all (more than one with --continue-after-oom). */
  count: number;
  width: number;
  theme: DashboardTheme;
}

export function oomBannerLines(p: OomBannerProps): Line[] {
  const o = p.oom;
  const title = ` OUT OF MEMORY at event ${formatCount(o.event)}${p.count > 1 ? ` (+${p.count - 1} more failed)` : ''} `;
  return [
    plain(title, { bold: true, inverse: true, color: 'red' }),
    ...linePack([
      item('op', o.op, 'red'), ...(o.what === 'stack' ? [] : [item('size', formatBytes(o.size), 'red')]), item('thread', String(o.tid), 'red'),
    ], p.width, 2),
    ...linePack(o.reason.split(/(?<=:) /).map((r) => plain(r, { color: 'red' })), p.width, 1),
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
