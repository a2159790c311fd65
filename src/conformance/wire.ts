// Conformance cases and outputs as plain JSON, so a case built in Node (with a checkpoint's weights) runs unchanged
// in a browser page: the graph as its printed text, tensors as dtype, shape and base64 storage bytes.

import { allocStorage, byteSize, numel, parseGraph, printGraph, tensorData, type DType, type TensorData } from '../ir/index.js';
import type { ConformanceCase } from './case.js';

export interface WireTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly base64: string;
}

export interface WireCase {
  readonly name: string;
  readonly graph: string;
  readonly inputs: Readonly<Record<string, WireTensor>>;
  readonly weights: Readonly<Record<string, WireTensor>>;
}

const CHUNK = 0x8000;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

export function toWireTensor(t: TensorData): WireTensor {
  return { dtype: t.dtype, shape: [...t.shape], base64: toBase64(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)) };
}

export function fromWireTensor(w: WireTensor): TensorData {
  const binary = atob(w.base64);
  const data = allocStorage(w.dtype, numel(w.shape));
  const bytes = new Uint8Array(data.buffer, data.byteOffset, numel(w.shape) * byteSize(w.dtype));
  for (let i = 0; i < bytes.length; i++) bytes[i] = binary.charCodeAt(i);
  return tensorData(w.dtype, w.shape, data);
}

const mapValues = <A, B>(record: Readonly<Record<string, A>>, f: (a: A) => B): Record<string, B> => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));

export const toWireCase = (c: ConformanceCase): WireCase => ({
  name: c.name,
  graph: printGraph(c.graph),
  inputs: mapValues(c.inputs, toWireTensor),
  weights: mapValues(c.weights, toWireTensor),
});

export const fromWireCase = (w: WireCase): ConformanceCase => ({
  name: w.name,
  graph: parseGraph(w.graph),
  inputs: mapValues(w.inputs, fromWireTensor),
  weights: mapValues(w.weights, fromWireTensor),
});

export const toWireOutputs = (outputs: Readonly<Record<string, TensorData>>): Record<string, WireTensor> => mapValues(outputs, toWireTensor);
export const fromWireOutputs = (outputs: Readonly<Record<string, WireTensor>>): Record<string, TensorData> => mapValues(outputs, fromWireTensor);
