// Whether a run holds the whole model in memory (Session) or streams it layer by layer (StreamedSession): it
// streams when the checkpoint's tensors do not fit the memory budget (the machine's memory unless the caller gives
// less), so a checkpoint larger than memory runs instead of failing.

import type { Backend } from '../../backends/backend.js';
import type { LoadedModel } from './loaded-model.js';
import { Session, type ModelSession, type SessionOptions } from './session.js';
import { StreamedSession } from './streamed-session.js';

/** The bytes of every tensor of the checkpoint as stored (from the headers; nothing is read). */
export function checkpointBytes(model: LoadedModel): number {
  const ckpt = model.weights.checkpoint;
  return ckpt.names().reduce((n, name) => n + ckpt.info(name).byteLength, 0);
}

export interface SessionPlan {
  readonly streamed: boolean;
  /** checkpointBytes of the model. */
  readonly weightBytes: number;
  readonly memoryBudget: number;
}

export function planSession(model: LoadedModel, memoryBudget: number): SessionPlan {
  const weightBytes = checkpointBytes(model);
  return { streamed: weightBytes > memoryBudget, weightBytes, memoryBudget };
}

export function openSession(model: LoadedModel, backend: Backend, options: SessionOptions, plan: SessionPlan): ModelSession {
  return plan.streamed ? new StreamedSession(model, backend, options) : new Session(model, backend, options);
}
