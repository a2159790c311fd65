// The input of `dsv3 eplb`: one case in the golden files' fields (spec/golden/README.md §The EPLB cases), checked field by
// field so a bad file is refused naming the field and what was expected. Extra fields (name, the expected outputs)
// are ignored; num_layers and num_logical_experts, when given, must match weight's shape. Sizes given as overrides
// (`dsv3 eplb --replicas R ...`) replace the file's or stand in for missing ones. What the values must satisfy
// beyond their types (positive sizes, a rectangular finite weight, the official divisibility) is rebalanceExperts'
// to check.

export interface EplbInput {
  readonly weight: number[][];
  readonly numReplicas: number;
  readonly numGroups: number;
  readonly numNodes: number;
  readonly numGpus: number;
}

const SIZE_FIELDS = { num_replicas: 'numReplicas', num_groups: 'numGroups', num_nodes: 'numNodes', num_gpus: 'numGpus' } as const;

/** Sizes that replace the file's, by field. */
export type EplbSizeOverrides = Partial<Record<keyof typeof SIZE_FIELDS, number>>;

/** `json` (a parsed file, `source` naming it) as rebalanceExperts' arguments, `overrides` replacing its sizes. */
export function parseEplbInput(json: unknown, source: string, overrides: EplbSizeOverrides = {}): EplbInput {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${source}: expected a JSON object with weight, num_replicas, num_groups, num_nodes and num_gpus`);
  const fields = json as Record<string, unknown>;
  const sizes = {} as Record<(typeof SIZE_FIELDS)[keyof typeof SIZE_FIELDS], number>;
  for (const [field, key] of Object.entries(SIZE_FIELDS)) {
    const value = overrides[field as keyof typeof SIZE_FIELDS] ?? fields[field];
    if (value === undefined) throw new Error(`${source}: missing field ${field} (a positive integer)`);
    if (typeof value !== 'number') throw new Error(`${source}: ${field} must be a number, got ${JSON.stringify(value)}`);
    sizes[key] = value;
  }
  const weight = fields.weight;
  if (weight === undefined) throw new Error(`${source}: missing field weight (the load of each expert, [layers][experts] numbers)`);
  if (!Array.isArray(weight) || !weight.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'number')))
    throw new Error(`${source}: weight must be a [layers][experts] array of numbers`);
  const rows = weight as number[][];
  const shape = { num_layers: rows.length, num_logical_experts: rows[0]?.length };
  for (const [field, actual] of Object.entries(shape))
    if (fields[field] !== undefined && fields[field] !== actual) throw new Error(`${source}: ${field} is ${JSON.stringify(fields[field])} but weight has ${actual}`);
  return { weight: rows, ...sizes };
}
