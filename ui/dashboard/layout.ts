// Fitting a screen of sections into the terminal's height by priority. A section comes in sizes, its
// variants, richest first (variant 0); the last is the smallest and may be empty (the section hidden).
// Sections sit in bands, top to bottom: a band is one column of sections, or columns side by side (as
// tall as the tallest); a visible band other than the first may have a blank line before it. Every
// section starts at its smallest variant and every gap off; then the upgrades, in priority order, are
// taken one by one when the screen still fits with them (a skipped upgrade does not stop later, smaller
// ones). Pure; knows nothing of what the sections show.
// Invariant: the chosen layout is no taller than the budget, unless the smallest variants alone are.

export interface LayoutSection {
  /** Number of variants (at least 1). */
  variants: number;
  /** Height in lines of variant `v` (0 = the richest). */
  height(v: number): number;
}

export interface LayoutBand {
  /** Names the band's gap (LayoutUpgrade.gap). */
  id: string;
  /** Section names per column (absent sections count as empty). */
  columns: string[][];
}

export interface LayoutUpgrade {
  /** Sections to bring to these variants (a section already as rich or richer is left as it is). */
  set?: Record<string, number>;
  /** Bands whose blank line before them to turn on. */
  gaps?: string[];
  /** Taken only when this holds for the layout so far. */
  when?: (choice: LayoutChoice) => boolean;
}

export interface LayoutChoice {
  variant: Record<string, number>;
  gap: Record<string, boolean>;
}

function bandHeight(band: LayoutBand, sections: Record<string, LayoutSection>, variant: Record<string, number>): number {
  let h = 0;
  for (const col of band.columns) {
    let c = 0;
    for (const id of col) {
      const s = sections[id];
      if (s) c += s.height(variant[id]);
    }
    if (c > h) h = c;
  }
  return h;
}

interface LayoutShown {
  band: LayoutBand;
  /** Lines, without the gap. */
  height: number;
  /** A blank line goes before the band. */
  gap: boolean;
}

/** The visible bands of `choice`, top to bottom (the first never has a gap). */
export function layoutShown(sections: Record<string, LayoutSection>, bands: LayoutBand[], choice: LayoutChoice): LayoutShown[] {
  const out: LayoutShown[] = [];
  for (const band of bands) {
    const height = bandHeight(band, sections, choice.variant);
    if (height > 0) out.push({ band, height, gap: out.length > 0 && choice.gap[band.id] === true });
  }
  return out;
}

/** Lines the layout takes: the visible bands and their gaps. */
export function layoutHeight(sections: Record<string, LayoutSection>, bands: LayoutBand[], choice: LayoutChoice): number {
  let total = 0;
  for (const s of layoutShown(sections, bands, choice)) total += s.height + (s.gap ? 1 : 0);
  return total;
}

/** The richest layout the upgrades reach within `budget` lines. */
export function layoutFit(sections: Record<string, LayoutSection>, bands: LayoutBand[], upgrades: LayoutUpgrade[], budget: number): LayoutChoice {
  const choice: LayoutChoice = { variant: {}, gap: {} };
  for (const [id, s] of Object.entries(sections)) choice.variant[id] = s.variants - 1;
  for (const up of upgrades) {
    if (up.when && !up.when(choice)) continue;
    const next: LayoutChoice = { variant: { ...choice.variant }, gap: { ...choice.gap } };
    let changed = false;
    for (const [id, v] of Object.entries(up.set ?? {})) {
      if (sections[id] && v < next.variant[id]) {
        next.variant[id] = v;
        changed = true;
      }
    }
    for (const g of up.gaps ?? []) {
      if (!next.gap[g]) {
        next.gap[g] = true;
        changed = true;
      }
    }
    if (changed && layoutHeight(sections, bands, next) <= budget) {
      choice.variant = next.variant;
      choice.gap = next.gap;
    }
  }
  return choice;
}
