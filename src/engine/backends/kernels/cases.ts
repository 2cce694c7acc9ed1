/**
 * Inputs for every kernel we replace that has a stock counterpart, from a seeded generator: the
 * start-up self-check runs one `tiny` case per kernel; the equivalence tests run many random ones
 * (odd sizes, batch 1, strides, both paddings, transposed operands). One place, so a kernel added to
 * the table without a case is caught by a test.
 */
export interface CaseInput { shape: number[]; dtype: 'float32' | 'int32'; values: Float32Array | Int32Array }
export interface KernelCase { inputs: Record<string, CaseInput>; attrs: Record<string, unknown>; label: string }
export type CaseMaker = (r: () => number, tiny: boolean) => KernelCase;

const size = (shape: number[]) => shape.reduce((p, q) => p * q, 1);
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

function floats(r: () => number, shape: number[]): CaseInput {
  const values = new Float32Array(size(shape));
  for (let i = 0; i < values.length; i++) values[i] = r() * 2 - 1;
  return { shape, dtype: 'float32', values };
}

function ints(r: () => number, shape: number[], lo: number, hi: number): CaseInput {
  const values = new Int32Array(size(shape));
  for (let i = 0; i < values.length; i++) values[i] = int(r, lo, hi);
  return { shape, dtype: 'int32', values };
}

/** Output size of a convolution or pooling window along one axis, as TF computes it. */
function outSize(n: number, f: number, s: number, d: number, pad: 'same' | 'valid'): number {
  const ef = (f - 1) * d + 1;
  return pad === 'same' ? Math.ceil(n / s) : Math.ceil((n - ef + 1) / s);
}

interface ConvGeom {
  b: number; h: number; w: number; cin: number; cout: number; fh: number; fw: number;
  stride: [number, number]; dil: [number, number]; pad: 'same' | 'valid'; oh: number; ow: number;
}

function convGeom(r: () => number, tiny: boolean, allowDilation: boolean): ConvGeom {
  for (;;) {
    const b = tiny ? 2 : r() < 0.25 ? 1 : int(r, 1, 4);
    const h = tiny ? 5 : int(r, 1, 13), w = tiny ? 6 : int(r, 1, 13);
    const cin = tiny ? 3 : int(r, 1, 9), cout = tiny ? 5 : int(r, 1, 19);
    const fh = tiny ? 3 : int(r, 1, 5), fw = tiny ? 2 : int(r, 1, 5);
    const dilated = allowDilation && !tiny && r() < 0.25;
    const stride: [number, number] = tiny ? [2, 1] : dilated ? [1, 1] : [int(r, 1, 3), int(r, 1, 3)];
    const dil: [number, number] = dilated ? [int(r, 1, 3), int(r, 1, 2)] : [1, 1];
    const pad = tiny ? 'same' : r() < 0.5 ? 'same' : 'valid';
    const oh = outSize(h, fh, stride[0], dil[0], pad), ow = outSize(w, fw, stride[1], dil[1], pad);
    if (oh > 0 && ow > 0) return { b, h, w, cin, cout, fh, fw, stride, dil, pad, oh, ow };
  }
}

const describe = (g: ConvGeom) =>
  `x[${g.b},${g.h},${g.w},${g.cin}] f[${g.fh},${g.fw},${g.cin},${g.cout}] stride ${g.stride} dilation ${g.dil} ${g.pad}`;

function matmulShapes(r: () => number, tiny: boolean) {
  const M = tiny ? 5 : r() < 0.2 ? 1 : int(r, 1, 70);
  const N = tiny ? 9 : r() < 0.2 ? 1 : int(r, 1, 70);
  const K = tiny ? 7 : r() < 0.1 ? int(r, 250, 600) : int(r, 1, 70);
  const transA = tiny ? true : r() < 0.5;
  const transB = tiny ? false : r() < 0.5;
  const batched = !tiny && r() < 0.3;
  const batch = batched ? [int(r, 1, 3)] : [];
  const broadcastB = batched && r() < 0.4;
  const aShape = [...batch, ...(transA ? [K, M] : [M, K])];
  const bShape = [...(broadcastB ? [] : batch), ...(transB ? [N, K] : [K, N])];
  return { M, N, K, transA, transB, aShape, bShape };
}

export const KERNEL_CASES: Record<string, CaseMaker> = {
  BatchMatMul(r, tiny) {
    const s = matmulShapes(r, tiny);
    return {
      inputs: { a: floats(r, s.aShape), b: floats(r, s.bShape) },
      attrs: { transposeA: s.transA, transposeB: s.transB },
      label: `a[${s.aShape}] b[${s.bShape}] tA ${s.transA} tB ${s.transB}`,
    };
  },
  _FusedMatMul(r, tiny) {
    const s = matmulShapes(r, tiny);
    const activation = tiny ? 'relu' : ['linear', 'relu', 'relu6'][int(r, 0, 2)];
    const withBias = tiny || r() < 0.7;
    const a = floats(r, s.aShape);
    a.values = a.values.map((v) => v * 3); // so relu6 clips somewhere
    return {
      inputs: { a, b: floats(r, s.bShape), ...(withBias ? { bias: floats(r, [s.N]) } : {}) },
      attrs: { transposeA: s.transA, transposeB: s.transB, activation, leakyreluAlpha: 0.2 },
      label: `a[${s.aShape}] b[${s.bShape}] tA ${s.transA} tB ${s.transB} ${activation}${withBias ? ' +bias' : ''}`,
    };
  },
  Conv2D(r, tiny) {
    const g = convGeom(r, tiny, true);
    return {
      inputs: { x: floats(r, [g.b, g.h, g.w, g.cin]), filter: floats(r, [g.fh, g.fw, g.cin, g.cout]) },
      attrs: { strides: g.stride, pad: g.pad, dataFormat: 'NHWC', dilations: g.dil },
      label: describe(g),
    };
  },
  Conv2DBackpropInput(r, tiny) {
    const g = convGeom(r, tiny, false);
    return {
      inputs: { dy: floats(r, [g.b, g.oh, g.ow, g.cout]), filter: floats(r, [g.fh, g.fw, g.cin, g.cout]) },
      attrs: { strides: g.stride, pad: g.pad, dataFormat: 'NHWC', inputShape: [g.b, g.h, g.w, g.cin] },
      label: describe(g),
    };
  },
  Conv2DBackpropFilter(r, tiny) {
    const g = convGeom(r, tiny, false);
    return {
      inputs: { x: floats(r, [g.b, g.h, g.w, g.cin]), dy: floats(r, [g.b, g.oh, g.ow, g.cout]) },
      attrs: { strides: g.stride, pad: g.pad, dataFormat: 'NHWC', filterShape: [g.fh, g.fw, g.cin, g.cout] },
      label: describe(g),
    };
  },
  MaxPoolGrad(r, tiny) {
    const b = tiny ? 2 : int(r, 1, 3), h = tiny ? 6 : int(r, 2, 12), w = tiny ? 5 : int(r, 2, 12), c = tiny ? 3 : int(r, 1, 6);
    const pool = tiny ? 2 : int(r, 1, 3), stride = tiny ? 2 : int(r, 1, 3);
    const pad = tiny || r() < 0.5 ? 'same' : 'valid';
    const oh = outSize(h, pool, stride, 1, pad), ow = outSize(w, pool, stride, 1, pad);
    if (oh <= 0 || ow <= 0) return KERNEL_CASES.MaxPoolGrad(r, true);
    const input = floats(r, [b, h, w, c]);
    if (tiny || r() < 0.5) input.values = input.values.map((v) => Math.max(0, v)); // ties, as after a relu
    // `output` is what MaxPool gave; our kernel and the stock ones recompute the argmax from `input`.
    return {
      inputs: { dy: floats(r, [b, oh, ow, c]), input, output: floats(r, [b, oh, ow, c]) },
      attrs: { filterSize: [pool, pool], strides: [stride, stride], pad },
      label: `x[${b},${h},${w},${c}] pool ${pool} stride ${stride} ${pad}`,
    };
  },
  Sum(r, tiny) {
    const rank = tiny ? 3 : int(r, 1, 4);
    const shape = tiny ? [4, 3, 5] : Array.from({ length: rank }, () => int(r, 1, 7));
    const choices: Array<number[] | number | null> = [null, [0], [rank - 1], Array.from({ length: rank }, (_, i) => i)];
    if (rank > 2) choices.push([0, 1], [1, rank - 1], [rank - 2, rank - 1]);
    const axis = tiny ? [0, 1] : choices[int(r, 0, choices.length - 1)];
    const keepDims = tiny ? false : r() < 0.5;
    return { inputs: { x: floats(r, shape) }, attrs: { axis, keepDims }, label: `x[${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}` };
  },
  Unpack(r, tiny) {
    const shape = tiny ? [3, 4, 2] : Array.from({ length: int(r, 1, 4) }, () => int(r, 1, 6));
    const axis = tiny ? 1 : int(r, 0, shape.length - 1);
    return { inputs: { value: floats(r, shape) }, attrs: { axis }, label: `x[${shape}] axis ${axis}` };
  },
  GatherV2(r, tiny) {
    const rows = tiny ? 7 : int(r, 1, 30), d = tiny ? 3 : int(r, 1, 9);
    const idShape = tiny ? [2, 3] : r() < 0.5 ? [int(r, 1, 12)] : [int(r, 1, 4), int(r, 1, 6)];
    return {
      inputs: { x: floats(r, [rows, d]), indices: ints(r, idShape, 0, rows - 1) },
      attrs: { axis: 0, batchDims: 0 },
      label: `x[${rows},${d}] ids[${idShape}]`,
    };
  },
  UnsortedSegmentSum(r, tiny) {
    const n = tiny ? 9 : int(r, 1, 40), segments = tiny ? 4 : int(r, 1, 15), d = tiny ? 3 : int(r, 1, 6);
    return {
      inputs: { x: floats(r, [n, d]), segmentIds: ints(r, [n], 0, segments - 1) },
      attrs: { numSegments: segments },
      label: `x[${n},${d}] into ${segments} segments`,
    };
  },
};
