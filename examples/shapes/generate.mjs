// Generates examples/shapes/data/<shape>/<shape>_NNN.png: 28×28 greyscale drawings of circles,
// squares and triangles at random positions, sizes, rotations and grey levels, with pixel noise.
// Deterministic (fixed seed): running it again writes the same files.
//   node examples/shapes/generate.mjs [perClass=150]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const SIZE = 28;
const SUPER = 4; // supersampling for smooth edges
const perClass = Number(process.argv[2] ?? 150);
const out = join(dirname(fileURLToPath(import.meta.url)), 'data');

// mulberry32: the same numbers on every machine
let state = 20261129;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (a, b) => a + (b - a) * rand();

/** Whether point (x, y) lies inside the shape (coordinates in pixels, centre cx, cy, radius r, angle a). */
const inside = {
  circle: (x, y, s) => (x - s.cx) ** 2 + (y - s.cy) ** 2 <= s.r ** 2,
  square: (x, y, s) => {
    const dx = x - s.cx, dy = y - s.cy;
    const u = Math.cos(s.a) * dx + Math.sin(s.a) * dy;
    const v = -Math.sin(s.a) * dx + Math.cos(s.a) * dy;
    const half = s.r * 0.8;
    return Math.abs(u) <= half && Math.abs(v) <= half;
  },
  triangle: (x, y, s) => {
    // equilateral triangle inscribed in the circle of radius r, rotated by a
    const p = [0, 1, 2].map((k) => [s.cx + s.r * Math.cos(s.a + (k * 2 * Math.PI) / 3), s.cy + s.r * Math.sin(s.a + (k * 2 * Math.PI) / 3)]);
    const side = (a, b) => (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
    const d1 = side(p[0], p[1]), d2 = side(p[1], p[2]), d3 = side(p[2], p[0]);
    return (d1 >= 0 && d2 >= 0 && d3 >= 0) || (d1 <= 0 && d2 <= 0 && d3 <= 0);
  },
};

function draw(shape) {
  const r = between(5, 11);
  const s = { r, cx: between(r, SIZE - r), cy: between(r, SIZE - r), a: between(0, 2 * Math.PI) };
  const background = between(0, 90);
  const ink = between(150, 255);
  const png = new PNG({ width: SIZE, height: SIZE, colorType: 0, inputColorType: 6 });
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let hits = 0;
      for (let sy = 0; sy < SUPER; sy++) {
        for (let sx = 0; sx < SUPER; sx++) if (inside[shape](x + (sx + 0.5) / SUPER, y + (sy + 0.5) / SUPER, s)) hits++;
      }
      const cover = hits / (SUPER * SUPER);
      const v = Math.round(Math.min(255, Math.max(0, background + (ink - background) * cover + between(-20, 20))));
      png.data.set([v, v, v, 255], (y * SIZE + x) * 4);
    }
  }
  return PNG.sync.write(png, { colorType: 0, inputColorType: 6 });
}

rmSync(out, { recursive: true, force: true });
let bytes = 0;
for (let i = 0; i < perClass; i++) {
  for (const shape of Object.keys(inside)) {
    const file = join(out, shape, `${shape}_${String(i).padStart(3, '0')}.png`);
    mkdirSync(dirname(file), { recursive: true });
    const buf = draw(shape);
    bytes += buf.length;
    writeFileSync(file, buf);
  }
}
console.log(`wrote ${perClass * 3} images (${(bytes / 1024).toFixed(0)} KiB) to ${out}`);
