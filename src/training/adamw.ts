// AdamW as torch.optim.AdamW runs it on float32 CPU tensors (torch 2.6 `_single_tensor_adamw`: no amsgrad, not
// maximising, not capturable), element by element in this order. Scalars are computed in double as Python does
// and rounded to f32 once; every f32 operation is rounded once (fround of the double result, which is the correctly
// rounded f32 result for +, -, ×, ÷ and sqrt of f32 operands):
//   p ← f32(p · f32(1 - lr·wd))                                       decoupled weight decay, first
//   m ← f32(m + f32(f32(1 - β1) · f32(g - m)))                        exp_avg.lerp_(g, 1 - β1)
//   v ← f32(f32(v · f32(β2)) + f32(f32(f32(1 - β2) · g) · g))         exp_avg_sq.mul_(β2).addcmul_(g, g, 1 - β2)
//   den ← f32(f32(f32(sqrt v) / f32(sqrt(1 - β2^t))) + f32(eps))
//   p ← f32(p + f32(f32(f32(-lr / (1 - β1^t)) · m) / den))          param.addcdiv_(m, den, -step_size)
// At t = 1 (m = v = 0) this is the golden's order bit for bit (spec/golden/v3-tiny-train). Later steps are not
// checked against torch: its vectorised lerp may fuse the multiply-add, and this rounds m's update once.
// A parameter with an all-zero gradient (an expert no token reached) still decays, as the golden step requires.

const f32 = Math.fround;

export interface AdamWOptions {
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
}

function checkOptions(o: AdamWOptions): void {
  const [b1, b2] = o.betas;
  if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) throw new RangeError(`AdamW betas must lie in [0, 1), got ${o.betas.join(', ')}`);
  if (!(o.eps >= 0)) throw new RangeError(`AdamW eps must be >= 0, got ${o.eps}`);
  if (!(o.weightDecay >= 0)) throw new RangeError(`AdamW weightDecay must be >= 0, got ${o.weightDecay}`);
  if (!(o.lr >= 0) || !Number.isFinite(o.lr)) throw new RangeError(`AdamW lr must be a finite number >= 0, got ${o.lr}`);
}

/** The moments of one parameter. */
export interface Moments {
  readonly m: Float32Array;
  readonly v: Float32Array;
}

export class AdamW {
  private readonly moments = new Map<string, Moments>();
  private steps = 0;

  constructor(readonly options: AdamWOptions) {
    checkOptions(options);
  }

  /** Steps taken so far (torch's `step` of each parameter: every parameter steps together here). */
  get step(): number {
    return this.steps;
  }

  /** The moments of parameter `name`, once it has stepped. */
  state(name: string): Moments | undefined {
    return this.moments.get(name);
  }

  /** Continues a saved run: `steps` taken and each parameter's moments (copied), as `step` and state() gave them. */
  restore(steps: number, moments: ReadonlyMap<string, Moments>): void {
    if (!Number.isSafeInteger(steps) || steps < 0) throw new RangeError(`AdamW.restore: steps must be an integer >= 0, got ${steps}`);
    if (steps === 0 && moments.size > 0) throw new RangeError('AdamW.restore: moments given for an optimizer that has taken no step');
    this.moments.clear();
    for (const [name, { m, v }] of moments) {
      if (m.length !== v.length) throw new RangeError(`AdamW.restore: the moments of ${name} have ${m.length} and ${v.length} elements`);
      this.moments.set(name, { m: Float32Array.from(m), v: Float32Array.from(v) });
    }
    this.steps = steps;
  }

  /**
   * One step over every parameter, updating `params` in place from `grads` (already clipped), with the learning
   * rate `lr` (a schedule's; default the options'). Every parameter needs a gradient of its own length.
   */
  update(params: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>, lr = this.options.lr): void {
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (g === undefined) throw new RangeError(`AdamW: parameter ${name} has no gradient (give zeros for a parameter nothing reached)`);
      if (g.length !== p.length) throw new RangeError(`AdamW: the gradient of ${name} has ${g.length} elements, the parameter ${p.length}`);
    }
    checkOptions({ ...this.options, lr });
    this.steps++;
    const t = this.steps;
    const [b1, b2] = this.options.betas;
    const decay = f32(1 - lr * this.options.weightDecay);
    const w1 = f32(1 - b1);
    const beta2 = f32(b2);
    const w2 = f32(1 - b2);
    const correction2 = f32(Math.sqrt(1 - b2 ** t));
    const eps = f32(this.options.eps);
    const stepSize = f32(-lr / (1 - b1 ** t));
    for (const [name, p] of params) {
      const g = grads.get(name)!;
      let s = this.moments.get(name);
      if (s === undefined) this.moments.set(name, (s = { m: new Float32Array(p.length), v: new Float32Array(p.length) }));
      const { m, v } = s;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]!;
        m[i] = m[i]! + f32(w1 * f32(gi - m[i]!));
        v[i] = f32(v[i]! * beta2) + f32(f32(w2 * gi) * gi);
        const den = f32(f32(Math.sqrt(v[i]!)) / correction2) + eps;
        p[i] = f32(p[i]! * decay) + f32(f32(stepSize * m[i]!) / f32(den));
      }
    }
  }
}
