import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { Scenario } from '../scenario';
import type { Workbench } from '../workbench';
import { newRunOf, runDirs, until, type World } from '../world';

const MODEL = `# Dark or light 8×8 pictures: an image model that trains in seconds (end-to-end tests).
name: pictures
task: classification
data:
  source: pictures
  format: images
  label: shade
  image: { size: [8, 8], channels: 1, scale: unit }
  split: { validation: 0.2, test: 0.2, seed: 1, stratify: true }
model:
  layers:
    - { type: flatten }
    - { type: dense, units: 8, activation: relu }
train:
  epochs: 15
  batchSize: 8
  optimizer: { type: adam, learningRate: 0.05 }
  seed: 1
  backend: cpu
`;

/** An 8×8 grey PNG, dark (0–60) or light (190–255), with some noise. */
function picture(shade: 'dark' | 'light', seed: number): Buffer {
  const png = new PNG({ width: 8, height: 8, colorType: 0, inputColorType: 0 });
  let s = seed;
  for (let i = 0; i < 64; i += 1) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const noise = s % 60;
    const v = shade === 'dark' ? noise : 195 + noise;
    png.data[i * 4] = v;
    png.data[i * 4 + 1] = v;
    png.data[i * 4 + 2] = v;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: 0 });
}

async function writeDataset(w: World): Promise<void> {
  for (const shade of ['dark', 'light'] as const) {
    const dir = path.join(w.ws, 'pictures', shade);
    await fsp.mkdir(dir, { recursive: true });
    for (let i = 0; i < 16; i += 1) await fsp.writeFile(path.join(dir, `${shade}_${String(i).padStart(2, '0')}.png`), picture(shade, i + 1 + (shade === 'dark' ? 0 : 100)));
  }
  await fsp.writeFile(path.join(w.ws, 'pictures.model.yaml'), MODEL);
}

/** The prediction Try it shows on its own once an image arrives: the top label, and probabilities that sum to 1. */
async function predicted(wb: Workbench): Promise<string> {
  const frame = wb.dashboard();
  await until('the prediction of the new image', async () => (await frame.locator('[data-testid="prediction-label"]').count()) === 1 && (await frame.locator('[data-testid="probability"]').count()) === 2, 60_000);
  const ps = (await frame.locator('[data-testid="probability"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-p'))))) as number[];
  if (Math.abs(ps.reduce((a, b) => a + b, 0) - 1) > 1e-3) throw new Error(`the class probabilities sum to ${ps.join(' + ')}`);
  return (await frame.locator('[data-testid="prediction-label"]').textContent()) ?? '';
}

async function caption(wb: Workbench, want: RegExp): Promise<void> {
  const el = wb.dashboard().locator('[data-testid="image-caption-image"]');
  await until(`the image field saying ${want}`, async () => want.test((await el.textContent({ timeout: 1000 })) ?? ''), 30_000);
}

/**
 * Try it on an image model, as a person would: choose a picture in the file dialog, see its thumbnail and
 * the class probabilities; drop another one onto the field; a typed path outside the workspace is refused.
 */
export const imageTryIt: Scenario = {
  name: 'Try it on an image model: choose or drop a picture, see it and the class probabilities',

  async workbench(w, wb) {
    const { page } = wb;
    await writeDataset(w);
    await wb.closeAllEditors();
    await wb.openFile('pictures.model.yaml');
    const before = await runDirs(w, 'pictures');
    await wb.palette('Model Studio: Train Model');
    await newRunOf(w, 'pictures', before);
    await wb.dashboardShows('completed', 15);
    const frame = wb.dashboard();
    await frame.locator('[data-testid="choose-image"]').waitFor({ timeout: 60_000 });

    // Choose Image…: the browser workbench's own file dialog (a quick input), as in Save
    const light = path.join(w.ws, 'pictures', 'light', 'light_03.png');
    await frame.locator('[data-testid="choose-image"]').click();
    const input = wb.input;
    await input.waitFor({ state: 'visible', timeout: 20_000 });
    await until('the typed path', async () => {
      if ((await input.inputValue()) === light) return true;
      await input.fill('');
      await input.pressSequentially(light, { delay: 5 });
      return (await input.inputValue()) === light;
    }, 30_000, 250);
    await input.press('Enter');
    await caption(wb, /^light_03\.png$/);
    const src = await frame.locator('[data-testid="image-image"]').getAttribute('src');
    if (!src?.startsWith('data:image/png;base64,')) throw new Error(`no thumbnail: ${src?.slice(0, 40)}`);
    const first = await predicted(wb);
    if (first !== 'light') throw new Error(`a light picture was predicted ${first}`);

    // drop a file from the desktop onto the field
    const dark = (await fsp.readFile(path.join(w.ws, 'pictures', 'dark', 'dark_05.png'))).toString('base64');
    await frame.locator('[data-testid="drop-image"]').evaluate((zone, b64) => {
      // runs in the webview (a browser): its DOM classes, which Node's types do not know
      const g = globalThis as unknown as {
        DataTransfer: new () => { items: { add(f: unknown): void } };
        DragEvent: new (type: string, init: object) => Event;
      };
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new g.DataTransfer();
      data.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      zone.dispatchEvent(new g.DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, dark);
    await caption(wb, /^dropped\.png$/);
    const second = await predicted(wb);
    if (second !== 'dark') throw new Error(`a dark picture was predicted ${second}`);

    // a path typed into the field is the page's word only: outside the workspace it is refused
    const typed = frame.locator('[data-testid="path-image"] input');
    await typed.fill('/etc/hostname');
    await typed.press('Enter');
    await caption(wb, /outside the workspace/);
    await typed.fill('pictures/light/light_07.png');
    await typed.press('Enter');
    await caption(wb, /^light_07\.png$/);
    const third = await predicted(wb);
    if (third !== 'light') throw new Error(`a light picture was predicted ${third}`);
    await frame.locator('[data-testid="tryit"]').evaluate((e) => e.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: path.join(wb.resultsDir, 'try-it-image.png') });
  },
};
