import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Where the copies of `dependency` that fabric-shim loads in this chaincode server live: the one beside the
 * devnet's shim (the CLI it runs) and the one beside the chaincode package's own fabric-shim, if that is
 * another copy. For the devnet's preloads, which adjust those libraries before the shim loads them.
 */
export function shimDependencyCopies(dependency: string): string[] {
  const from = [__filename];
  const i = process.argv.indexOf('--module-path');
  const modulePath = i >= 0 ? process.argv[i + 1] : undefined;
  if (modulePath) from.push(path.join(path.resolve(modulePath), 'package.json'));
  const found = new Set<string>();
  for (const origin of from) {
    try {
      const shim = createRequire(origin).resolve('fabric-shim/package.json');
      found.add(createRequire(shim).resolve(dependency));
    } catch {
      // No fabric-shim, or no such dependency of it, reachable from there: nothing to adjust.
    }
  }
  return [...found];
}
