// Types of examplesArchive.mjs (plain JS: esbuild.mjs imports it before anything is compiled).
export declare function describeExample(readme: string): { title: string; summary: string };
/** Writes the examples archive; returns the names of the examples in it. */
export declare function writeExamplesArchive(examplesDir: string, outFile: string): string[];
