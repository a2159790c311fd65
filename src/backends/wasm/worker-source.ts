// The script of a GEMM worker thread, as source text: a worker started from text needs no file of its own, so the
// same script runs in Node (`worker_threads`, eval) and in a page (a Blob URL), from the sources or a build alike.
// It imports nothing: it instantiates the GEMM module (gemm.ts) on the shared linear memory and then, for each job
// the main thread posts in the job header (thread-pool.ts), runs the calls given to its thread index.

/** Int32 slots of the job header: generation, workers still running, calls, job address, stop flag, error flag. */
export const HEADER = { generation: 0, running: 1, calls: 2, job: 3, stop: 4, failed: 5 } as const;
export const HEADER_SLOTS = 8;
/** Int32s per call in a job: thread, then gemm's nine arguments. */
export const CALL_INTS = 10;

const BODY = `
function serve(memory, module, index, headerAt, ready) {
  const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
  const h = new Int32Array(memory.buffer, headerAt, ${HEADER_SLOTS});
  let generation = Atomics.load(h, ${HEADER.generation});
  ready();
  for (;;) {
    Atomics.wait(h, ${HEADER.generation}, generation);
    generation = Atomics.load(h, ${HEADER.generation});
    if (Atomics.load(h, ${HEADER.stop})) return;
    try {
      const calls = h[${HEADER.calls}];
      const job = new Int32Array(memory.buffer, h[${HEADER.job}], calls * ${CALL_INTS});
      for (let c = 0; c < job.length; c += ${CALL_INTS}) {
        if (job[c] === index) gemm(job[c + 1], job[c + 2], job[c + 3], job[c + 4], job[c + 5], job[c + 6], job[c + 7], job[c + 8], job[c + 9]);
      }
    } catch (e) {
      Atomics.store(h, ${HEADER.failed}, 1);
    }
    if (Atomics.sub(h, ${HEADER.running}, 1) === 1) Atomics.notify(h, ${HEADER.running});
  }
}
`;

/** For `new Worker(source, { eval: true })` in Node: the start message arrives on parentPort. */
export const NODE_WORKER_SOURCE = `${BODY}
const { parentPort } = require('node:worker_threads');
parentPort.once('message', (m) => serve(m.memory, m.module, m.index, m.headerAt, () => parentPort.postMessage('ready')));
`;

/** For a Web Worker from a Blob URL. */
export const WEB_WORKER_SOURCE = `${BODY}
self.onmessage = (e) => serve(e.data.memory, e.data.module, e.data.index, e.data.headerAt, () => self.postMessage('ready'));
`;
