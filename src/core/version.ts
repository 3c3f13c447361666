/**
 * The product version, from package.json only. The esbuild bundles (scripts/build.mjs,
 * scripts/extensionBuild.mjs) write it in as `__SECURE_TRANSFER_VERSION__`; unbundled code (tsc's
 * out/, the tests) reads it from the package.json above this file.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

declare const __SECURE_TRANSFER_VERSION__: string | undefined;

function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'secure-transfer' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no (readable) package.json here: look further up
    }
    if (path.dirname(dir) === dir) return '0.0.0-unknown';
  }
}

export const VERSION: string = typeof __SECURE_TRANSFER_VERSION__ === 'string' ? __SECURE_TRANSFER_VERSION__ : packageVersion();
