/**
 * The curl command Deploy shows: a predict request with a real row of the test split (report.json's
 * `sample`), so the answer means something; the form's fields give each feature's kind. An image is sent
 * inline as base64 when small, else read from its file by the shell. No `vscode`.
 */
import { promises as fsp } from 'node:fs';
import { curlExample, type TryItForm } from '../protocol/webview';

/** Images up to this size go into the command itself; bigger ones are read by `base64` when it runs. */
const INLINE_IMAGE_BYTES = 3 * 1024;
const IMAGE_TOKEN = '__MODEL_STUDIO_IMAGE_B64__';

const shellQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** The instance a person would send: the sample's values typed as the model takes them (numbers as numbers). */
export async function exampleInstance(form: TryItForm | null, sample: Record<string, unknown> | null): Promise<{ instance: Record<string, unknown>; imageFile?: string }> {
  const instance: Record<string, unknown> = {};
  let imageFile: string | undefined;
  for (const f of form?.fields ?? []) {
    const v = sample?.[f.name];
    switch (f.kind) {
      case 'number': {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        instance[f.name] = Number.isFinite(n) ? n : null;
        break;
      }
      case 'choice':
        instance[f.name] = v === undefined || v === null || v === '' ? f.options[0] ?? null : typeof v === 'string' ? v : String(v);
        break;
      case 'text':
        instance[f.name] = typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
        break;
      case 'image': {
        const file = typeof v === 'string' ? v : undefined;
        const stat = file ? await fsp.stat(file).catch(() => undefined) : undefined;
        if (file && stat?.isFile() && stat.size <= INLINE_IMAGE_BYTES) instance[f.name] = { b64: (await fsp.readFile(file)).toString('base64') };
        else if (file && stat?.isFile()) {
          instance[f.name] = { b64: IMAGE_TOKEN };
          imageFile = file;
        } else instance[f.name] = { b64: '<base64 of a PNG or JPEG>' };
        break;
      }
    }
  }
  return { instance, imageFile };
}

export async function deployCurl(url: string, name: string, form: TryItForm | null, sample: Record<string, unknown> | null): Promise<string> {
  const { instance, imageFile } = await exampleInstance(form, sample);
  const curl = curlExample(url, name, instance);
  // the shell reads a big image itself: close the quote, substitute, reopen
  return imageFile ? curl.replace(IMAGE_TOKEN, () => `'"$(base64 < ${shellQuote(imageFile)} | tr -d '\\n')"'`) : curl;
}
