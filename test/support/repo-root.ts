// The repository root, found from the compiled file's location: the nearest folder above with codegen.yml
// and chaincode/, so that tests and benchmarks run from dist/ and from any private output folder
// (`tsc --outDir .tmp/x`) alike.

import { existsSync } from 'node:fs';
import path from 'node:path';

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'codegen.yml')) && existsSync(path.join(dir, 'chaincode', 'package.json')))
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root above ${from}`);
  }
}

export const REPO_ROOT = findRepoRoot(__dirname);
