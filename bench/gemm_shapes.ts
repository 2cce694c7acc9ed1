/**
 * The matrix products the three benchmark models really run, per training step (batch sizes of
 * models.ts), as C[M×N] = op(A)·op(B) with K the inner size. Conv layers are listed as the GEMMs of
 * im2col (rows = batch·outHeight·outWidth, K = kernel height·width·input channels).
 * Shared by bench/gemm.ts (ours) and bench/torch_gemm.py (OpenBLAS through PyTorch, shapes as JSON).
 */
export interface GemmShape { name: string; M: number; N: number; K: number; transA: boolean; transB: boolean }

const shape = (name: string, M: number, N: number, K: number, transA = false, transB = false): GemmShape =>
  ({ name, M, N, K, transA, transB });

export const GEMM_SHAPES: GemmShape[] = [
  shape('mlp dense1 forward', 128, 256, 784),
  shape('mlp dense1 weight grad', 784, 256, 128, true),
  shape('mlp dense2 forward', 128, 128, 256),
  shape('mlp dense2 input grad', 128, 256, 128, false, true),
  shape('mlp dense2 weight grad', 256, 128, 128, true),
  shape('cnn conv1 forward', 64 * 26 * 26, 16, 9),
  shape('cnn conv1 filter grad', 9, 16, 64 * 26 * 26, true),
  shape('cnn conv2 forward', 64 * 11 * 11, 32, 144),
  shape('cnn conv2 input grad', 64 * 11 * 11, 144, 32, false, true),
  shape('cnn conv2 filter grad', 144, 32, 64 * 11 * 11, true),
  shape('lstm input projection (100 steps)', 6400, 256, 64),
  shape('lstm recurrent step', 64, 256, 64),
  shape('lstm recurrent step input grad', 64, 64, 256, false, true),
  shape('lstm recurrent weight grad (100 steps)', 64, 256, 6400, true),
];

export const gflop = (s: GemmShape) => (2 * s.M * s.N * s.K) / 1e9;
