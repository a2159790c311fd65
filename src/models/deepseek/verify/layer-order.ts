// The order in which the model computes the tensors of a dump (docs/checking-a-port.md §Tensor names), so that a
// report can name the first one that diverges: the phases in order (prefill, decode.0, decode.1, ...), in each the
// embedding, then layer by layer the attention, the router's input, scores and choices, the MLP or MoE output and
// the block output, then the final norm, the logits and the MTP modules; tensors of no phase (caches after the
// run) come last, by layer. A name may carry a prefix before its phase (a golden run's name, a "replay " label).
// Names this does not know keep their given order, after the known ones of their phase.

/** Where a tensor stands in the computation: compare these lexicographically. */
type Position = readonly [phase: number, layer: number, stage: number];

const AFTER_LAYERS = 1e9;

/** Stages within a layer (or within an MTP module, whose names carry no layer number). */
const STAGES: readonly (readonly [RegExp, number])[] = [
  [/^linear\.layers\.(\d+)\.attn\./, 0],
  [/^attn(?:\.(\d+))?$/, 1],
  [/^gate(?:\.(\d+))?\.input$/, 2],
  [/^gate(?:\.(\d+))?\.scores$/, 3],
  [/^gate(?:\.(\d+))?\.indices$/, 4],
  [/^gate(?:\.(\d+))?\.weights$/, 5],
  [/^linear\.layers\.(\d+)\.ffn\./, 6],
  [/^ffn(?:\.(\d+))?$/, 7],
  [/^block(?:\.(\d+))?$/, 8],
  [/^cache\.(\d+)\./, 9],
];

const AFTER_STAGES: Readonly<Record<string, number>> = { final_norm: 0, logits_all: 1, logits: 2 };

/** Layer and stage of a name within its phase, or undefined when the name is unknown. */
function stageOf(rest: string): readonly [number, number] | undefined {
  if (rest === 'embed') return [-1, 0];
  if (rest in AFTER_STAGES) return [AFTER_LAYERS, AFTER_STAGES[rest]!];
  const mtp = /^mtp\.(?:(\d+)\.)?(.+)$/.exec(rest);
  if (mtp) {
    const inner = stageOf(mtp[2]!);
    return inner && [AFTER_LAYERS + 1 + Number(mtp[1] ?? 0), inner[1] + (inner[0] === AFTER_LAYERS ? 10 : 0)];
  }
  for (const [pattern, stage] of STAGES) {
    const m = pattern.exec(rest);
    if (m) return [Number(m[1] ?? 0), stage];
  }
  return undefined;
}

function positionOf(name: string): Position {
  const phased = /(?:^|[. ])(prefill|decode\.(\d+))\.(.+)$/.exec(name);
  if (phased) {
    const phase = phased[2] === undefined ? 0 : 1 + Number(phased[2]);
    return [phase, ...(stageOf(phased[3]!) ?? [Infinity, Infinity])];
  }
  // No phase: the MTP modules (they run with the prefill), and tensors after the run (caches).
  const rest = /(?:^|[. ])((?:mtp|cache)\..+)$/.exec(name)?.[1];
  const stage = rest === undefined ? undefined : stageOf(rest);
  if (stage && rest!.startsWith('mtp.')) return [0, ...stage];
  return [Infinity, ...(stage ?? [Infinity, Infinity])];
}

function before(a: Position, b: Position): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** `items` sorted into the order the model computes them (stable: ties and unknown names keep their order). */
export function inLayerOrder<T>(items: readonly T[], nameOf: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, at: positionOf(nameOf(item)) }));
  return keyed.sort((x, y) => before(x.at, y.at)).map((k) => k.item);
}
