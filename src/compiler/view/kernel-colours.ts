// Fill colours for the kernels of a drawing (html.ts, dot.ts): kernels that meet in the drawing (one reads what the
// other wrote, or they run one after the other) as far apart as the palette allows, and otherwise each kernel its own
// colour while the palette lasts. Hues a golden angle apart alone put kernels 21 or 144 apart within a few degrees of
// each other at the same lightness.

/** The palette: light fills (dark text stays readable) at HUES hues, each at three lightness steps. */
const HUES = 48;
const LIGHTNESS = [0.84, 0.74, 0.92] as const;
const SATURATION = 0.7;
/** A kernel's colour also keeps away from the kernels this many places before it in execution order. */
const ORDER_WINDOW = 3;
/** An OKLab distance at which two fills are told apart at a glance; farther apart from its neighbours gains nothing. */
const NEAR_ENOUGH = 0.1;

interface Candidate {
  readonly hex: string;
  /** OKLab coordinates, where Euclidean distance follows perceived difference. */
  readonly lab: readonly [number, number, number];
}

function hslRgb(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [channel(0), channel(8), channel(4)];
}

/** sRGB in [0, 1] to OKLab (Björn Ottosson's matrices). */
function oklab([r, g, b]: readonly number[]): [number, number, number] {
  const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const [lr, lg, lb] = [linear(r!), linear(g!), linear(b!)];
  const l = Math.cbrt(0.4122214708 * lr + 0.5363325363 * lg + 0.0514459929 * lb);
  const m = Math.cbrt(0.2119034982 * lr + 0.6806995457 * lg + 0.1073969561 * lb);
  const s = Math.cbrt(0.0883024619 * lr + 0.2817188376 * lg + 0.6299787005 * lb);
  return [0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s, 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s, 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s];
}

const hex = (rgb: readonly number[]) => `#${rgb.map((c) => Math.round(c * 255).toString(16).padStart(2, '0')).join('')}`;

const PALETTE: readonly Candidate[] = LIGHTNESS.flatMap((l) =>
  Array.from({ length: HUES }, (_, i) => {
    const rgb = hslRgb((360 * i) / HUES, SATURATION, l);
    return { hex: hex(rgb), lab: oklab(rgb) };
  }),
);

const distance = (a: Candidate, b: Candidate): number => Math.hypot(a.lab[0] - b.lab[0], a.lab[1] - b.lab[1], a.lab[2] - b.lab[2]);

/** The perceived difference between two colours of the palette (OKLab distance). */
export function colourDistance(a: string, b: string): number {
  const [pa, pb] = [PALETTE.find((c) => c.hex === a), PALETTE.find((c) => c.hex === b)];
  if (pa === undefined || pb === undefined) throw new Error(`colourDistance: ${pa ? b : a} is not a kernel colour`);
  return distance(pa, pb);
}

/**
 * A colour for each of `count` kernels, in order: the one farthest from the colours of the kernels `meets` lists
 * before it and of those that ran just before it, up to NEAR_ENOUGH; among those, an unused colour while any is left
 * (the one farthest from every colour used so far, so that the palette spreads over the whole drawing rather than
 * piling up at its extremes), else the least used.
 */
export function kernelColours(count: number, meets: ReadonlyMap<number, ReadonlySet<number>>): string[] {
  const chosen: Candidate[] = [];
  const uses = PALETTE.map(() => 0);
  const nearestUsed = PALETTE.map(() => Infinity);
  for (let k = 0; k < count; k++) {
    const near = new Set([...(meets.get(k) ?? [])].filter((j) => j < k));
    for (let j = Math.max(0, k - ORDER_WINDOW); j < k; j++) near.add(j);
    const score = (i: number): number[] => [Math.min(NEAR_ENOUGH, ...[...near].map((j) => distance(PALETTE[i]!, chosen[j]!))), uses[i] === 0 ? nearestUsed[i]! : -uses[i]!];
    let best = 0;
    let bestScore = score(0);
    for (let i = 1; i < PALETTE.length; i++) {
      const s = score(i);
      if (s[0]! > bestScore[0]! || (s[0] === bestScore[0] && s[1]! > bestScore[1]!)) [best, bestScore] = [i, s];
    }
    const colour = PALETTE[best]!;
    chosen.push(colour);
    uses[best]!++;
    PALETTE.forEach((c, i) => (nearestUsed[i] = Math.min(nearestUsed[i]!, distance(c, colour))));
  }
  return chosen.map((c) => c.hex);
}
