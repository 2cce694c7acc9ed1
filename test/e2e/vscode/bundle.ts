import * as path from 'node:path';
import { build } from 'esbuild';

/**
 * The API suite (suite.ts) as one CommonJS file an extension host can load (`vscode` stays external),
 * written to `outFile` (in the run's temp folder).
 */
export async function bundleSuite(outFile: string): Promise<string> {
  await build({ entryPoints: [path.join(__dirname, 'suite.ts')], outfile: outFile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning' });
  return outFile;
}
