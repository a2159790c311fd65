// `dsv3 quantize`: an f32/bf16/f16 checkpoint in DeepSeek's FP8 layout (models/deepseek/quantize.ts).

import { quantizeCheckpoint } from '../../models/deepseek/quantize.js';
import { backendList, DEFAULT_BACKEND, openBackend } from '../backends.js';
import { FP8_BLOCK } from '../../models/deepseek/layout.js';
import { EXIT, integerOption, refuseExisting, UsageError, type Command } from '../command.js';
import { commandProgress, QUIET_HELP, QUIET_OPTION } from '../progress.js';

export const quantize: Command = {
  name: 'quantize',
  summary: "convert an f32/bf16/f16 checkpoint into DeepSeek's FP8 layout (e4m3 weights, block scales)",
  help: `Usage: dsv3 quantize --model DIR --out DIR2 [--scale-fmt ue8m0] [--block-size B] [--backend NAME] [--force] [--quiet]

Writes DIR2/model.safetensors and DIR2/config.json: every Linear weight (attention projections, MLP and expert
projections, eh_proj) as F8_E4M3 with an F32 weight_scale_inv of one scale per BxB block (128x128 by default;
partial blocks at the edges), and every other tensor (embeddings, norms, router, head) unchanged. Per block:
  scale_inv = max(amax(|block|), 1e-4) / 448   (ue8m0: rounded up to a power of two)
  w8 = e4m3fn(w / scale_inv), saturating
config.json gains quantization_config {fp8, e4m3, dynamic, weight_block_size [B, B]} (and scale_fmt "ue8m0" when
asked). The folder's other files (tokenizer and the like) are copied. The result runs with --gemm fp8 (activations
then quantised per 1xB tile) or --gemm dequant. DIR2 is built under a temporary name beside it and renamed when
complete, replacing an existing DIR2 (--force) whole: a killed run leaves the old folder or the new one, never a
partial file or a mix of old and new files.
A weight holding NaN or ±inf is refused, naming the tensor and the element.

  --model DIR         the checkpoint to convert: config.json and model.safetensors (or an index and shards)
  --out DIR2          the folder to write; it must not exist yet (see --force)
  --scale-fmt FMT     none (default) or ue8m0: power-of-two weight scales, and ue8m0 activation scales for
                      the plain Linear layers when the result runs with --gemm fp8 (DeepSeek-V3.1's format)
  --block-size B      the edge of the square weight blocks and of the activation tiles (default 128, as
                      DeepSeek-V3); a matrix whose sides are not multiples of B gets partial edge blocks
  --backend NAME      the backend that quantizes the blocks (default ${DEFAULT_BACKEND}):
${backendList('                        ')}
  --force             replace DIR2 whole if it exists, every file in it (without --force, an existing DIR2
                      stops the command before any work); DIR2 must not be or hold DIR
${QUIET_HELP}`,
  options: {
    model: { type: 'string' },
    out: { type: 'string' },
    'scale-fmt': { type: 'string', default: 'none' },
    'block-size': { type: 'string', default: String(FP8_BLOCK) },
    backend: { type: 'string', default: DEFAULT_BACKEND },
    force: { type: 'boolean', default: false },
    ...QUIET_OPTION,
  },
  async run(values) {
    const model = values.model as string | undefined;
    const out = values.out as string | undefined;
    const scaleFmt = values['scale-fmt'] as string;
    if (model === undefined) throw new UsageError('dsv3 quantize: --model DIR is required');
    if (out === undefined) throw new UsageError('dsv3 quantize: --out DIR2 is required');
    if (scaleFmt !== 'none' && scaleFmt !== 'ue8m0') throw new UsageError(`dsv3 quantize: --scale-fmt must be none or ue8m0, got "${scaleFmt}"`);
    const block = integerOption('quantize', 'block-size', values['block-size'] as string, 1);
    refuseExisting('quantize', out, values.force === true, 'folder');
    const progress = commandProgress(values);
    const backend = await openBackend(values.backend as string, 'quantize', progress);
    try {
      const r = await quantizeCheckpoint(model, out, { scaleFmt, block, force: values.force === true, backend, progress });
      console.log(`wrote ${out}: ${r.quantized} Linear weights in FP8 (${scaleFmt === 'ue8m0' ? 'ue8m0' : 'f32'} scales per ${block}x${block} block), ${r.copied} tensors copied`);
      return EXIT.ok;
    } finally {
      backend.dispose();
    }
  },
};
