// A golden case folder (spec/golden/<case>): config.json, model.safetensors, expected.safetensors and manifest.json
// (layout: spec/golden/README.md). This reads the inputs and expected tensors and lists the runs this
// implementation reproduces: the f32 runs in either attention form, with f32 GEMMs (gemm_impl "bf16" means
// dequantise, then an f32 GEMM) or FP8 GEMMs (gemm_impl "fp8", with the run's scale_fmt and its reach), and the
// MTP case's two wirings; a training case (its manifest has hyperparameters) is one training step. The float64
// runs are accuracy references of other code, not reproduced.
// The folder is a FileSet: a directory (directoryFiles, Node) or the case's files in memory (memoryFiles).

import type { TensorData } from '../../../ir/index.js';
import { readJson, type FileSet } from '../../../io/file-set.js';
import { isJSONObject, SafetensorsFile } from '../../../io/safetensors.js';
import type { ScaleFormat } from '../../../ops/index.js';
import type { TrainingHyperparameters } from '../../../training/hyperparameters.js';
import type { AttentionMode, GemmMode, MtpHidden, Ue8m0Reach } from '../settings.js';

/** How a run's Linear layers ran: the model settings that reproduce it. */
export interface GoldenGemm {
  readonly gemm: GemmMode;
  readonly scaleFmt: ScaleFormat;
  readonly ue8m0Reach: Ue8m0Reach;
}

export type GoldenRun =
  | { readonly kind: 'standard'; readonly name: string; readonly attention: AttentionMode; readonly linear: GoldenGemm }
  | { readonly kind: 'mtp'; readonly name: string; readonly attention: AttentionMode; readonly mtpHidden: MtpHidden }
  | { readonly kind: 'training'; readonly name: string; readonly attention: AttentionMode; readonly hyperparameters: TrainingHyperparameters };

/** The manifest's hyperparameters of a training case, or undefined for a case of another kind. */
function trainingHyperparameters(manifest: Record<string, unknown>, where: string): TrainingHyperparameters | undefined {
  const h = manifest.hyperparameters as Record<string, unknown> | undefined;
  if (h === undefined) return undefined;
  const number = (key: string): number => {
    const x = h[key];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${where}: hyperparameters.${key} must be a number, got ${JSON.stringify(x)}`);
    return x;
  };
  const betas = h.betas;
  if (!Array.isArray(betas) || betas.length !== 2 || !betas.every((b) => typeof b === 'number')) throw new Error(`${where}: hyperparameters.betas must be two numbers, got ${JSON.stringify(betas)}`);
  return {
    mtpLambda: number('mtp_lambda'),
    balanceAlpha: number('balance_alpha'),
    biasGamma: number('bias_update_gamma'),
    lr: number('lr'),
    betas: [betas[0], betas[1]],
    eps: number('eps'),
    weightDecay: number('weight_decay'),
    clip: number('max_grad_norm'),
  };
}

export interface SkippedRun {
  readonly name: string;
  readonly reason: string;
}

interface ManifestRun {
  readonly attn_impl?: string;
  readonly gemm_impl?: string;
  readonly variant?: string;
  readonly 'Linear.scale_fmt_at_run'?: string | null;
  readonly ue8m0_all?: boolean;
}

const ATTENTION_MODES: readonly AttentionMode[] = ['absorb', 'naive'];

/** The official gemm_impl names: "bf16" dequantises the weights (our dequant), "fp8" runs act_quant + fp8_gemm. */
const GEMM_IMPLS: Readonly<Record<string, GemmMode>> = { bf16: 'dequant', fp8: 'fp8' };

/** The settings of a manifest run, or why they cannot be reproduced. */
function runGemm(r: ManifestRun): GoldenGemm | string {
  const gemm = GEMM_IMPLS[r.gemm_impl ?? ''];
  if (gemm === undefined) return `unknown gemm_impl ${r.gemm_impl}`;
  const fmt = r['Linear.scale_fmt_at_run'] ?? 'none';
  if (fmt !== 'none' && fmt !== 'ue8m0') return `unknown scale_fmt ${fmt}`;
  return { gemm, scaleFmt: fmt, ue8m0Reach: r.ue8m0_all === true ? 'all' : 'official' };
}

export class GoldenCase {
  private constructor(
    /** The case's folder, which also holds its checkpoint (config.json, model.safetensors). */
    readonly files: FileSet,
    private readonly manifest: Record<string, unknown>,
    private readonly expected: SafetensorsFile,
  ) {}

  static open(files: FileSet): GoldenCase {
    for (const f of ['config.json', 'model.safetensors', 'expected.safetensors', 'manifest.json'])
      if (!files.has(f)) throw new Error(`${files.location}: not a golden model case: ${f} is missing`);
    const manifest = readJson(files, 'manifest.json');
    if (!isJSONObject(manifest)) throw new Error(`${files.pathOf('manifest.json')}: expected a JSON object`);
    return new GoldenCase(files, manifest, SafetensorsFile.open(files.open('expected.safetensors')));
  }

  /** The folder's last path component (v3-tiny-f32). */
  get name(): string {
    return this.files.location.split(/[\\/]/).filter((part) => part !== '').at(-1) ?? this.files.location;
  }

  /** The expected tensors' names. */
  names(): readonly string[] {
    return this.expected.names();
  }

  has(name: string): boolean {
    return this.expected.has(name);
  }

  tensor(name: string): TensorData {
    return this.expected.readIR(name);
  }

  /** Official module paths (`layers.0.attn.wq_a`) to Hugging Face tensor names, from the manifest's table. */
  officialToHf(): Map<string, string> {
    const table = (this.manifest.hf_to_official_names ?? {}) as Record<string, string>;
    return new Map(Object.entries(table).map(([hf, official]) => [official, hf]));
  }

  /** The official module paths of the Linear calls captured for `run` (`<run>.decode.0.linear.<path>.{x,y}`). */
  linearCaptures(run: string): string[] {
    const prefix = `${run}.decode.0.linear.`;
    return this.expected.names().flatMap((n) => (n.startsWith(prefix) && n.endsWith('.x') ? [n.slice(prefix.length, -2)] : []));
  }

  /** Token rows: prefill [B][S], decode [B][steps] (step s feeds column s), or a training case's batch [B][T]. */
  tokens(which: 'prefill' | 'decode' | 'training'): number[][] {
    const t = this.tensor(which === 'training' ? 'inputs.tokens' : `inputs.${which}_tokens`);
    const [rows, cols] = t.shape as [number, number];
    return Array.from({ length: rows }, (_, r) => Array.from(t.data.subarray(r * cols, (r + 1) * cols), Number));
  }

  /** The stored runs to reproduce, and those this implementation does not reproduce, with the reason. */
  runs(): { runs: GoldenRun[]; skipped: SkippedRun[] } {
    // The training case's stored step is its float32 absorb run (the f64 and naive runs are accuracy references).
    const hyperparameters = trainingHyperparameters(this.manifest, this.files.pathOf('manifest.json'));
    if (hyperparameters !== undefined) return { runs: [{ kind: 'training', name: 'train', attention: 'absorb', hyperparameters }], skipped: [] };
    if (this.manifest.mtp !== undefined) {
      const wirings = [['mtp', 'last_block'], ['mtp_hpost', 'final_norm']] as const;
      return { runs: wirings.flatMap(([name, mtpHidden]) => ATTENTION_MODES.map((attention) => ({ kind: 'mtp' as const, name, attention, mtpHidden }))), skipped: [] };
    }
    const runs: GoldenRun[] = [];
    const skipped: SkippedRun[] = [];
    const stored = this.expected.names();
    for (const [name, r] of Object.entries((this.manifest.runs ?? {}) as Record<string, ManifestRun>)) {
      // Some runs (the sensitivity probes) are described in the manifest but have no stored tensors.
      if (!stored.some((n) => n.startsWith(`${name}.`))) continue;
      const linear = runGemm(r);
      if (r.variant !== 'f32') skipped.push({ name, reason: `${r.variant ?? 'unknown'} reference run (accuracy reference, not the f32 code)` });
      else if (typeof linear === 'string') skipped.push({ name, reason: linear });
      else if (!ATTENTION_MODES.includes(r.attn_impl as AttentionMode)) skipped.push({ name, reason: `unknown attn_impl ${r.attn_impl}` });
      else runs.push({ kind: 'standard', name, attention: r.attn_impl as AttentionMode, linear });
    }
    return { runs, skipped };
  }

  close(): void {
    this.expected.close();
  }
}
