// The examples as one file (dist/examples.json.gz), for "Model Studio: Open Example…": the shapes example
// alone is 600 PNGs, and a VSIX should hold a few dozen files. gzip of
//   { format: "model-studio-examples", version: 1, examples: [{ name, title, summary, files: [{ path, base64 }] }] }
// The reader is src/host/examples.ts. Built by esbuild.mjs (every build), so a checkout and a VSIX agree.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

/** Title (the README's first heading) and summary (its first paragraph) of an example folder. */
export function describeExample(readme) {
  const lines = readme.split(/\r?\n/);
  const heading = lines.find((l) => /^#\s/.test(l));
  const start = lines.findIndex((l, i) => i > lines.indexOf(heading) && l.trim() !== '');
  const paragraph = [];
  for (let i = start; i >= 0 && i < lines.length && lines[i].trim() !== '' && !/^(#|\s{4})/.test(lines[i]); i += 1) paragraph.push(lines[i].trim());
  return { title: heading ? heading.replace(/^#\s+/, '').trim() : '', summary: paragraph.join(' ').replace(/[*`]/g, '') };
}

function filesOf(dir, rel = '') {
  const out = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const p = path.join(rel, name);
    const st = statSync(path.join(dir, p));
    if (st.isDirectory()) out.push(...filesOf(dir, p));
    else if (st.isFile()) out.push(p.split(path.sep).join('/'));
  }
  return out;
}

/** Writes every subfolder of `examplesDir` that has a *.model.{yaml,yml,json} into one gzipped JSON file. */
export function writeExamplesArchive(examplesDir, outFile) {
  const examples = [];
  for (const name of readdirSync(examplesDir).sort()) {
    const dir = path.join(examplesDir, name);
    if (!statSync(dir).isDirectory()) continue;
    const files = filesOf(dir);
    if (!files.some((f) => /\.model\.(ya?ml|json)$/.test(f))) continue;
    const readme = files.includes('README.md') ? readFileSync(path.join(dir, 'README.md'), 'utf8') : '';
    examples.push({ name, ...describeExample(readme), files: files.map((f) => ({ path: f, base64: readFileSync(path.join(dir, f)).toString('base64') })) });
  }
  writeFileSync(outFile, gzipSync(JSON.stringify({ format: 'model-studio-examples', version: 1, examples }), { level: 9 }));
  return examples.map((e) => e.name);
}
