// Every property test runs with a fixed seed unless FC_SEED says otherwise, so `npm test` is reproducible;
// fast-check prints the seed and path of a failure, which FC_SEED (and fc's `path` option) replay.
import fc from 'fast-check';

const seedEnv = process.env.FC_SEED;
const seed = seedEnv === undefined ? 20261130 : seedEnv === 'random' ? Date.now() ^ (Math.random() * 2 ** 31) : Number(seedEnv);
if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got ${JSON.stringify(seedEnv)}`);
fc.configureGlobal({ seed, numRuns: Number(process.env.FC_RUNS ?? 100) });
