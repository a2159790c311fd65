// One DeepSeek-V3 training step on any backend, in the order spec/golden/v3-tiny-train states it (spec/techniques.md
// §Training): the loss graph and its gradient with respect to every parameter (reverse mode, src/autodiff), compiled
// and run; tied gradients summed; global-norm clipping; AdamW; then each MoE layer's bias update from that layer's
// own expert counts of this step's forward. The parameters, biases and optimizer state persist from step to step.

import { grad } from '../autodiff/index.js';
import type { Backend } from '../backends/backend.js';
import { tensorData, type Graph, type TensorData } from '../ir/index.js';
import type { LoadedModel } from '../models/deepseek/loaded-model.js';
import { nonFiniteElement } from '../models/deepseek/non-finite.js';
import type { AdamW } from './adamw.js';
import { gradientNorm, scaleGradient, type GradientNorm } from './grad-clip.js';
import { buildLossGraph } from './loss-graph.js';
import { TrainingParameters } from './parameters.js';
import { expertCounts, maxViolation, updateRouterBias } from './router-bias.js';
import { copyTiedParameters, tiedParameters, tieGradients, type TiedParameter } from './tied-parameters.js';

/** What a step takes from the schedules. */
export interface StepSettings {
  readonly lr: number;
  /** λ: loss.total = loss.main + λ · loss.mtp + loss.balance. */
  readonly mtpLambda: number;
  /** α of the sequence-wise balance loss. */
  readonly balanceAlpha: number;
  /** γ of the auxiliary-loss-free bias update. */
  readonly biasGamma: number;
}

export interface TrainerOptions {
  readonly batch: number;
  /** T, the tokens of each row. */
  readonly seqLen: number;
  /** The global gradient norm clipping bounds (torch's max_norm). */
  readonly maxNorm: number;
  /** The optimizer, which keeps its moments across steps (a fresh one, or one restored to resume). */
  readonly optimizer: AdamW;
  /**
   * Also take the gradient of loss.balance alone with respect to each router's gate (one more graph per step): the
   * balance term is too small to see in the full gate gradient, so the golden step checks it apart.
   */
  readonly balanceGradients?: boolean;
}

/** One MoE layer's auxiliary-loss-free bias update. */
export interface RouterUpdate {
  /** The HF layer index (an MTP module's block: num_hidden_layers + k). */
  readonly layer: number;
  /** Tokens of the batch routed to each expert (K choices per token). */
  readonly counts: readonly number[];
  readonly oldBias: Float32Array;
  readonly newBias: Float32Array;
  /** MaxVio_batch = (max c - mean c) / mean c. */
  readonly maxViolation: number;
}

export interface StepResult {
  /** The loss graph's outputs at the parameters before the step: loss.*, balance.*, route.*, fwd.* (loss-graph.ts). */
  readonly forward: Readonly<Record<string, TensorData>>;
  /** d loss.total / d parameter before clipping, each tied pair summed into its main tensor, in parameter order. */
  readonly gradients: ReadonlyMap<string, Float32Array>;
  /** The gradient of each tied copy's own use (the MTP path), by the copy's name. */
  readonly untied: ReadonlyMap<string, Float32Array>;
  /** With `balanceGradients`: d loss.balance / d gate, by the gate's name. */
  readonly balanceGradients?: ReadonlyMap<string, Float32Array>;
  readonly clip: GradientNorm;
  readonly routers: readonly RouterUpdate[];
}

/** A step whose losses or gradients are not finite: the parameters are left as they were. */
export class NonFiniteStep extends Error {
  override name = 'NonFiniteStep';
}

const scalar = (x: number): TensorData => tensorData('f32', [], Float32Array.of(x));

const f32Output = (outputs: Readonly<Record<string, TensorData>>, name: string): Float32Array => outputs[name]!.data as Float32Array;

export class Trainer {
  readonly parameters: TrainingParameters;
  private readonly lossGraph: Graph;
  private readonly gradientGraph: Graph;
  private readonly balanceGraph: Graph | undefined;
  private readonly ties: readonly TiedParameter[];
  /** Each MoE layer's HF index, gate and bias (none under softmax routing, which has no bias to update). */
  private readonly routers: readonly { readonly layer: number; readonly gate: string; readonly bias: string | undefined }[];

  constructor(
    private readonly model: LoadedModel,
    private readonly backend: Backend,
    private readonly options: TrainerOptions,
  ) {
    this.parameters = new TrainingParameters(model);
    const layout = this.parameters.layout;
    this.lossGraph = buildLossGraph(model.config, model.settings, layout, { batch: options.batch, seqLen: options.seqLen });
    this.gradientGraph = grad(this.lossGraph, ['loss.total'], { weights: this.parameters.gradientTargets() });
    this.ties = tiedParameters(layout);
    this.routers = [...layout.layers, ...layout.mtp.map((m) => m.block)].flatMap((l) =>
      l.ffn.kind === 'moe' ? [{ layer: l.index, gate: l.ffn.moe.router.name, bias: l.ffn.moe.bias?.name }] : [],
    );
    this.balanceGraph = options.balanceGradients ? grad(this.lossGraph, ['loss.balance'], { weights: this.routers.map((r) => r.gate) }) : undefined;
  }

  /** The tokens as the graphs take them: i32 [batch, seqLen], every id below the vocabulary size. */
  private tokenInput(tokens: readonly (readonly number[])[]): TensorData {
    const { batch, seqLen } = this.options;
    const vocab = this.model.config.vocabSize;
    if (tokens.length !== batch || tokens.some((row) => row.length !== seqLen))
      throw new RangeError(`a training step takes ${batch} rows of ${seqLen} tokens, got ${tokens.length} rows of ${tokens.map((r) => r.length).join(', ')}`);
    const flat = tokens.flat();
    const bad = flat.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
    if (bad >= 0) throw new RangeError(`token ${flat[bad]} (row ${Math.floor(bad / seqLen)}, position ${bad % seqLen}) is not an id of the ${vocab}-token vocabulary`);
    return tensorData('i32', [batch, seqLen], Int32Array.from(flat));
  }

  private async run(graph: Graph, tokens: TensorData, s: StepSettings): Promise<Record<string, TensorData>> {
    const exe = await this.backend.compile(graph, this.parameters);
    try {
      return (await exe.run({ tokens, mtp_lambda: scalar(s.mtpLambda), balance_alpha: scalar(s.balanceAlpha) })).outputs;
    } finally {
      exe.dispose();
    }
  }

  /** The loss graph's outputs at the current parameters and biases, without a step (the loss after one). */
  async losses(tokens: readonly (readonly number[])[], s: StepSettings): Promise<Record<string, TensorData>> {
    return this.run(this.lossGraph, this.tokenInput(tokens), s);
  }

  /** One step on `tokens` ([batch][seqLen] ids): the parameters, biases and optimizer advance. */
  async step(tokens: readonly (readonly number[])[], s: StepSettings): Promise<StepResult> {
    const input = this.tokenInput(tokens);
    const outputs = await this.run(this.gradientGraph, input, s);
    const all = this.parameters.gradients(outputs);
    const forward = Object.fromEntries(Object.entries(outputs).filter(([name]) => !name.startsWith('grad.')));
    checkFinite([...Object.entries(forward).filter(([name]) => name.startsWith('loss.')), ...[...all].map(([n, g]) => [`grad.${n}`, tensorData('f32', this.parameters.shape(n), g)] as const)]);
    const balance = this.balanceGraph && (await this.run(this.balanceGraph, input, s));

    const gradients = tieGradients(all, this.ties);
    const clip = gradientNorm(gradients.values(), this.options.maxNorm);
    const clipped = new Map([...gradients].map(([name, g]) => [name, scaleGradient(g, clip.coef)]));
    this.options.optimizer.update(new Map([...gradients.keys()].map((name) => [name, this.parameters.values.get(name)!])), clipped, s.lr);
    copyTiedParameters(this.parameters.values, this.ties);

    const routers = this.routers.flatMap(({ layer, bias }): RouterUpdate[] => {
      if (bias === undefined) return [];
      const counts = expertCounts(outputs[`route.${layer}.indices`]!.data, this.model.config.nRoutedExperts);
      const oldBias = this.parameters.biases.get(bias)!;
      const newBias = updateRouterBias(oldBias, counts, s.biasGamma);
      this.parameters.biases.set(bias, newBias);
      return [{ layer, counts, oldBias, newBias, maxViolation: maxViolation(counts) }];
    });
    return {
      forward,
      gradients,
      untied: new Map(this.ties.map((t) => [t.copy, all.get(t.copy)!])),
      ...(balance ? { balanceGradients: new Map(this.routers.map((r) => [r.gate, f32Output(balance, `grad.${r.gate}`)])) } : {}),
      clip,
      routers,
    };
  }
}

/** Throws NonFiniteStep naming the first tensor holding NaN or ±inf, and where. */
function checkFinite(tensors: readonly (readonly [string, TensorData])[]): void {
  for (const [name, t] of tensors) {
    const bad = nonFiniteElement(t);
    if (bad !== undefined) throw new NonFiniteStep(`the training step computed ${name} that is not finite: ${bad}; the parameters are unchanged`);
  }
}
