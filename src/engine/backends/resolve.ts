/**
 * Finding optional packages: from our own node_modules, or from the folder the extension installs
 * native packages into (`nativeDir`, or env MODEL_STUDIO_NATIVE_DIR).
 */
import * as path from 'node:path';

/** The resolved entry file of `pkg`, or null when it is not installed anywhere we look. */
export function resolveNative(pkg: string, nativeDir?: string): string | null {
  const paths = [
    ...(nativeDir ? [nativeDir, path.join(nativeDir, 'node_modules')] : []),
    process.cwd(),
    __dirname,
  ];
  try {
    return require.resolve(pkg, { paths });
  } catch {
    return null;
  }
}

/**
 * A real dynamic import(), kept out of reach of the TypeScript/esbuild CommonJS rewrite, for
 * ES-module-only packages (`webgpu`) and for packages that must load after globals are set.
 */
export const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
