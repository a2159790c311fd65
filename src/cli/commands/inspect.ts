// `dsv3 inspect`: what a config.json describes: its settings, parameter counts, the KV cache each attention
// form needs per token, and the kernels the compiled CPU backend runs for a decode step. Reads only config.json.

import { inTask } from '../../backends/progress.js';
import { compile } from '../../compiler/compile.js';
import { directoryFiles } from '../../io/local-files.js';
import { loadModelConfig, type ModelConfig } from '../../models/deepseek/config.js';
import { modelLayout } from '../../models/deepseek/layout.js';
import { activeYarn, softmaxScale } from '../../models/deepseek/rope.js';
import { defaultSettings } from '../../models/deepseek/settings.js';
import { kvCacheBytesPerToken, parameterCounts } from '../../models/deepseek/stats.js';
import { EXIT, UsageError, type Command } from '../command.js';
import { DEFAULT_BACKEND, openKernelBackend } from '../backends.js';
import { commandProgress, QUIET_HELP, QUIET_OPTION } from '../progress.js';
import { describeLayerKernels, kernelsByLayer, stepCompile, stepGraph } from './model-step.js';

const count = (n: number) => `${n.toLocaleString('en-US')} (${n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : `${(n / 1e6).toFixed(2)}M`})`;

function settings(c: ModelConfig): string[] {
  const yarn = activeYarn(c);
  return [
    `model type            ${c.modelType}`,
    `layers                ${c.numHiddenLayers} (${c.firstKDenseReplace} dense, ${c.numHiddenLayers - c.firstKDenseReplace} MoE)${c.numNextnPredictLayers ? ` + ${c.numNextnPredictLayers} MTP` : ''}`,
    `hidden size           ${c.hiddenSize}; vocab ${c.vocabSize}; dense MLP ${c.intermediateSize}`,
    `attention             ${c.numAttentionHeads} heads; q_lora ${c.qLoraRank || 'none'}; kv_lora ${c.kvLoraRank}; nope ${c.qkNopeHeadDim} / rope ${c.qkRopeHeadDim} / v ${c.vHeadDim}`,
    `experts               ${c.nRoutedExperts} routed (top ${c.numExpertsPerTok}) + ${c.nSharedExperts} shared, ${c.moeIntermediateSize} wide`,
    `routing               ${c.scoringFunc}, ${c.topkMethod}, ${c.nGroup} groups (top ${c.topkGroup}), scale ${c.routedScalingFactor}`,
    `rope                  theta ${c.ropeTheta}; ${yarn ? `YaRN factor ${yarn.factor} from ${yarn.originalMaxPositionEmbeddings}` : 'no YaRN'}; softmax scale ${softmaxScale(c).toPrecision(7)}`,
    `max positions         ${c.maxPositionEmbeddings}`,
    `weights               ${c.quantization ? `FP8 e4m3, 128x128 block scales${c.quantization.scaleFmt === 'ue8m0' ? ', ue8m0 activation scales' : ''}` : 'unquantised'}`,
  ];
}

/** The kernels of one decode step (batch 1) as the default backend runs it: in all, and per decoder layer. */
async function decodeKernels(c: ModelConfig): Promise<string[]> {
  const settings = defaultSettings(c);
  const layout = modelLayout(c);
  const graph = stepGraph(c, settings, layout, { phase: 'decode', batch: 1, seqLen: 1 });
  const backend = await openKernelBackend(DEFAULT_BACKEND, 'inspect');
  try {
    const step = stepCompile(backend, graph, c, settings, 1);
    const program = compile(graph, step.options);
    return [`compiled decode step  ${program.kernels.length} kernels (${step.description})`, `  per layer           ${describeLayerKernels(kernelsByLayer(program, layout), layout)}`];
  } finally {
    backend.dispose();
  }
}

export const inspect: Command = {
  name: 'inspect',
  summary: 'summarise a config: settings, parameter counts, KV cache per token',
  help: `Usage: dsv3 inspect --model DIR [--quiet]

Reads DIR/config.json and prints its settings, the parameter count (total, and activated per token, counting
only the top-k routed experts of each MoE layer; the MTP modules separately), and the KV-cache bytes per token
over the main layers for absorbed MLA (kv_lora + rope per layer), naive MLA (per-head K and V) and standard
multi-head attention with head dim qk_nope_head_dim (2·heads·head_dim per layer), in bf16 and f32; and the
kernels one decode step compiles to on the CPU backend (batch 1, with the composites it claims), in all and per
decoder layer (dsv3 compile --model DIR shows them).

${QUIET_HELP}`,
  options: { model: { type: 'string' }, ...QUIET_OPTION },
  async run(values) {
    const dir = values.model as string | undefined;
    if (dir === undefined) throw new UsageError('dsv3 inspect: --model DIR is required');
    const c = loadModelConfig(directoryFiles(dir));
    const p = parameterCounts(c);
    const lines = [...settings(c), '', `parameters            ${count(p.total)}`, `activated per token   ${count(p.activated)}`];
    const mtpLabel = c.numNextnPredictLayers === 1 ? 'MTP module' : `${c.numNextnPredictLayers} MTP modules`;
    if (p.mtp) lines.push(`${mtpLabel.padEnd(22)}${count(p.mtp)} (activated ${count(p.mtpActivated)}), sharing the embedding and head`);
    lines.push('', 'KV cache per token     bf16            f32');
    const [bf16, f32] = [kvCacheBytesPerToken(c, 2), kvCacheBytesPerToken(c, 4)];
    for (const [label, key] of [['absorbed MLA', 'absorbed'], ['naive MLA', 'naive'], ['standard MHA', 'mha']] as const)
      lines.push(`  ${label.padEnd(20)} ${bf16[key].toLocaleString('en-US').padStart(12)} B  ${f32[key].toLocaleString('en-US').padStart(12)} B`);
    lines.push('', ...(await inTask(commandProgress(values), 'compiling a decode step', undefined, () => decodeKernels(c))));
    console.log(lines.join('\n'));
    return EXIT.ok;
  },
};
