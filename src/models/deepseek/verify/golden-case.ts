// A golden case folder (spec/golden/<case>): config.json, model.safetensors, expected.safetensors and manifest.json
// (layout: spec/golden/README.md). This reads the inputs and expected tensors and lists the runs this
// implementation reproduces: f32 runs with f32 GEMMs (gemm_impl "bf16" means dequantise, then an f32 GEMM) in
// either attention form, and the MTP case's two wirings.

import fs from 'node:fs';
import { basename, join } from 'node:path';
import type { TensorData } from '../../../ir/index.js';
import { SafetensorsFile } from '../../../io/safetensors.js';
import type { AttentionMode, MtpHidden } from '../settings.js';

export type GoldenRun =
  | { readonly kind: 'standard'; readonly name: string; readonly attention: AttentionMode }
  | { readonly kind: 'mtp'; readonly name: string; readonly attention: AttentionMode; readonly mtpHidden: MtpHidden };

export interface SkippedRun {
  readonly name: string;
  readonly reason: string;
}

interface ManifestRun {
  readonly attn_impl?: string;
  readonly gemm_impl?: string;
  readonly variant?: string;
}

const ATTENTION_MODES: readonly AttentionMode[] = ['absorb', 'naive'];

export class GoldenCase {
  private constructor(
    readonly dir: string,
    private readonly manifest: Record<string, unknown>,
    private readonly expected: SafetensorsFile,
  ) {}

  static open(dir: string): GoldenCase {
    for (const f of ['config.json', 'model.safetensors', 'expected.safetensors', 'manifest.json'])
      if (!fs.existsSync(join(dir, f))) throw new Error(`${dir}: not a golden model case: ${f} is missing`);
    const manifest = JSON.parse(fs.readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    return new GoldenCase(dir, manifest, SafetensorsFile.open(join(dir, 'expected.safetensors')));
  }

  get name(): string {
    return basename(this.dir);
  }

  has(name: string): boolean {
    return this.expected.has(name);
  }

  tensor(name: string): TensorData {
    return this.expected.readIR(name);
  }

  /** Token rows: prefill [B][S] and decode [B][steps] (step s feeds column s). */
  tokens(which: 'prefill' | 'decode'): number[][] {
    const t = this.tensor(`inputs.${which}_tokens`);
    const [rows, cols] = t.shape as [number, number];
    return Array.from({ length: rows }, (_, r) => Array.from(t.data.subarray(r * cols, (r + 1) * cols), Number));
  }

  /** The stored runs to reproduce, and those this implementation does not reproduce, with the reason. */
  runs(): { runs: GoldenRun[]; skipped: SkippedRun[] } {
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
      if (r.variant !== 'f32') skipped.push({ name, reason: `${r.variant ?? 'unknown'} reference run (accuracy reference, not the f32 code)` });
      else if (r.gemm_impl !== 'bf16') skipped.push({ name, reason: `gemm_impl ${r.gemm_impl}: FP8 GEMMs are not implemented; weights are dequantised to f32` });
      else if (!ATTENTION_MODES.includes(r.attn_impl as AttentionMode)) skipped.push({ name, reason: `unknown attn_impl ${r.attn_impl}` });
      else runs.push({ kind: 'standard', name, attention: r.attn_impl as AttentionMode });
    }
    return { runs, skipped };
  }

  close(): void {
    this.expected.close();
  }
}
