// A one-node ONNX model, Y = A @ W with W an initializer (so onnxruntime packs it once, as dsv3 packs a weight),
// written as protobuf bytes by hand: the peer benchmark needs nothing else of ONNX.

import { ByteWriter } from '../src/backends/wasm/byte-writer.js';

const VARINT = 0;
const BYTES = 2;
const FLOAT = 1;

const field = (w: ByteWriter, n: number, type: number) => w.uleb((n << 3) | type);
const int = (w: ByteWriter, n: number, value: number) => {
  field(w, n, VARINT);
  w.uleb(value);
};
const message = (w: ByteWriter, n: number, fill: (m: ByteWriter) => void) => {
  field(w, n, BYTES);
  w.sized(fill);
};
const text = (w: ByteWriter, n: number, s: string) => message(w, n, (m) => m.write(new TextEncoder().encode(s)));

/** ValueInfoProto of an f32 tensor. */
const valueInfo = (w: ByteWriter, n: number, name: string, shape: readonly number[]) =>
  message(w, n, (v) => {
    text(v, 1, name);
    message(v, 2, (type) =>
      message(type, 1, (tensor) => {
        int(tensor, 1, FLOAT);
        message(tensor, 2, (s) => shape.forEach((d) => message(s, 1, (dim) => int(dim, 1, d))));
      }),
    );
  });

/** The model bytes of Y[m, n] = A[m, k] @ W[k, n], W = `weight` (row-major). */
export function onnxMatmul(m: number, k: number, n: number, weight: Float32Array): Uint8Array {
  const w = new ByteWriter();
  int(w, 1, 8); // ir_version
  message(w, 8, (o) => int(o, 2, 17)); // opset_import: the default domain, opset 17
  message(w, 7, (g) => {
    message(g, 1, (node) => {
      text(node, 1, 'A');
      text(node, 1, 'W');
      text(node, 2, 'Y');
      text(node, 4, 'MatMul');
    });
    text(g, 2, 'matmul');
    message(g, 5, (t) => {
      int(t, 1, k);
      int(t, 1, n);
      int(t, 2, FLOAT);
      text(t, 8, 'W');
      message(t, 9, (raw) => raw.write(new Uint8Array(weight.buffer, weight.byteOffset, weight.byteLength)));
    });
    valueInfo(g, 11, 'A', [m, k]);
    valueInfo(g, 12, 'Y', [m, n]);
  });
  return w.result();
}
