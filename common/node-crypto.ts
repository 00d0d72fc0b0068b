// node:crypto on first use: see common/random.ts for what loading it costs. A plain `import`
// would load it (and build its ES facade) wherever the importing module is on the path.
import type { Hash } from 'node:crypto';

export type { Hash };

export function createHash(algo: string): Hash {
  return process.getBuiltinModule('node:crypto').createHash(algo);
}
