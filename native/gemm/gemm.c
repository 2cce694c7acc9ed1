/*
 * Single-precision GEMM for WebAssembly SIMD (128-bit), used by Model Studio's kernels on the
 * TF.js wasm backend, whose own matmul is slow at training shapes and 10x slower with a transposed
 * operand. Row-major; C[M,N] = op(A)[M,K] . op(B)[K,N] (+ bias[N]) (relu). Both operands are packed
 * into panels first, so transposes cost one pass over the input, not a strided inner loop.
 *
 * Build: native/gemm/build.sh (clang + wasm-ld). No libc: JS hands us all memory offsets.
 */
#include <wasm_simd128.h>

#define MR 4
#define NR 8
#define KC 256

typedef float f32;

/* Pack rows [i0, i0+mr) x cols [k0, k0+kc) of op(A) into Ap[kc][MR], zero-padding rows past mr. */
static void pack_a(const f32 *A, int lda, int transA, int i0, int mr, int k0, int kc, f32 *Ap) {
  for (int k = 0; k < kc; k++) {
    for (int i = 0; i < MR; i++) {
      f32 v = 0.0f;
      if (i < mr) v = transA ? A[(k0 + k) * lda + i0 + i] : A[(i0 + i) * lda + k0 + k];
      Ap[k * MR + i] = v;
    }
  }
}

/* Pack rows [k0, k0+kc) x cols [j0, j0+nr) of op(B) into Bp[kc][NR], zero-padding cols past nr. */
static void pack_b(const f32 *B, int ldb, int transB, int k0, int kc, int j0, int nr, f32 *Bp) {
  if (!transB && nr == NR) {
    for (int k = 0; k < kc; k++) {
      const f32 *src = B + (k0 + k) * ldb + j0;
      wasm_v128_store(Bp + k * NR, wasm_v128_load(src));
      wasm_v128_store(Bp + k * NR + 4, wasm_v128_load(src + 4));
    }
    return;
  }
  for (int k = 0; k < kc; k++) {
    for (int j = 0; j < NR; j++) {
      f32 v = 0.0f;
      if (j < nr) v = transB ? B[(j0 + j) * ldb + k0 + k] : B[(k0 + k) * ldb + j0 + j];
      Bp[k * NR + j] = v;
    }
  }
}

/* acc(MRxNR) = Ap . Bp over kc; then C tile (+)= acc. */
static void micro(int kc, const f32 *Ap, const f32 *Bp, f32 *C, int ldc, int mr, int nr, int accumulate) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(Bp + k * NR);
    v128_t b1 = wasm_v128_load(Bp + k * NR + 4);
    v128_t a = wasm_v128_load(Ap + k * MR);
    v128_t a0 = wasm_i32x4_shuffle(a, a, 0, 0, 0, 0);
    v128_t a1 = wasm_i32x4_shuffle(a, a, 1, 1, 1, 1);
    v128_t a2 = wasm_i32x4_shuffle(a, a, 2, 2, 2, 2);
    v128_t a3 = wasm_i32x4_shuffle(a, a, 3, 3, 3, 3);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
  }
  if (mr == MR && nr == NR) {
    f32 *r0 = C, *r1 = C + ldc, *r2 = C + 2 * ldc, *r3 = C + 3 * ldc;
    if (accumulate) {
      c00 = wasm_f32x4_add(c00, wasm_v128_load(r0)); c01 = wasm_f32x4_add(c01, wasm_v128_load(r0 + 4));
      c10 = wasm_f32x4_add(c10, wasm_v128_load(r1)); c11 = wasm_f32x4_add(c11, wasm_v128_load(r1 + 4));
      c20 = wasm_f32x4_add(c20, wasm_v128_load(r2)); c21 = wasm_f32x4_add(c21, wasm_v128_load(r2 + 4));
      c30 = wasm_f32x4_add(c30, wasm_v128_load(r3)); c31 = wasm_f32x4_add(c31, wasm_v128_load(r3 + 4));
    }
    wasm_v128_store(r0, c00); wasm_v128_store(r0 + 4, c01);
    wasm_v128_store(r1, c10); wasm_v128_store(r1 + 4, c11);
    wasm_v128_store(r2, c20); wasm_v128_store(r2 + 4, c21);
    wasm_v128_store(r3, c30); wasm_v128_store(r3 + 4, c31);
    return;
  }
  f32 tile[MR * NR] __attribute__((aligned(16)));
  wasm_v128_store(tile + 0, c00); wasm_v128_store(tile + 4, c01);
  wasm_v128_store(tile + 8, c10); wasm_v128_store(tile + 12, c11);
  wasm_v128_store(tile + 16, c20); wasm_v128_store(tile + 20, c21);
  wasm_v128_store(tile + 24, c30); wasm_v128_store(tile + 28, c31);
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) C[i * ldc + j] = (accumulate ? C[i * ldc + j] : 0.0f) + tile[i * NR + j];
}

/*
 * C[M,N] = op(A) . op(B). A is M x K (K x M when transA), B is K x N (N x K when transB).
 * work must hold M*KC + KC*NR floats (rounded up to MR rows).
 */
__attribute__((export_name("sgemm")))
void sgemm(int M, int N, int K, const f32 *A, int transA, const f32 *B, int transB, f32 *C, f32 *work) {
  const int lda = transA ? M : K;
  const int ldb = transB ? K : N;
  const int mPanels = (M + MR - 1) / MR;
  f32 *Ap = work;
  f32 *Bp = work + mPanels * MR * KC;
  if (K == 0) {
    for (int i = 0; i < M * N; i++) C[i] = 0.0f;
    return;
  }
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = K - k0 < KC ? K - k0 : KC;
    for (int p = 0; p < mPanels; p++) {
      const int i0 = p * MR;
      pack_a(A, lda, transA, i0, M - i0 < MR ? M - i0 : MR, k0, kc, Ap + p * MR * kc);
    }
    for (int j0 = 0; j0 < N; j0 += NR) {
      const int nr = N - j0 < NR ? N - j0 : NR;
      pack_b(B, ldb, transB, k0, kc, j0, nr, Bp);
      for (int p = 0; p < mPanels; p++) {
        const int i0 = p * MR;
        micro(kc, Ap + p * MR * kc, Bp, C + i0 * N + j0, N, M - i0 < MR ? M - i0 : MR, nr, k0 > 0);
      }
    }
  }
}

/* C[M,N] += bias[N] (when bias), then the activation: 0 none, 1 relu, 2 relu6. */
__attribute__((export_name("bias_act")))
void bias_act(f32 *C, int M, int N, const f32 *bias, int act) {
  for (int i = 0; i < M; i++) {
    f32 *row = C + i * N;
    if (bias) for (int j = 0; j < N; j++) row[j] += bias[j];
    if (act == 1) for (int j = 0; j < N; j++) row[j] = row[j] > 0.0f ? row[j] : 0.0f;
    else if (act == 2) for (int j = 0; j < N; j++) row[j] = row[j] > 0.0f ? (row[j] < 6.0f ? row[j] : 6.0f) : 0.0f;
  }
}

/*
 * im2col for NHWC: cols[(b, oy, ox)][(ky, kx, c)] = x[b, oy*sh + ky*dh - padT, ox*sw + kx*dw - padL, c]
 * (zero outside), so conv2d is cols . filter[(ky, kx, c)][cout].
 */
__attribute__((export_name("im2col")))
void im2col(const f32 *x, int B, int H, int W, int C, int OH, int OW, int FH, int FW,
            int sh, int sw, int dh, int dw, int padT, int padL, f32 *cols) {
  const int rowLen = FH * FW * C;
  for (int b = 0; b < B; b++)
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        f32 *dst = cols + ((b * OH + oy) * OW + ox) * rowLen;
        for (int ky = 0; ky < FH; ky++) {
          const int iy = oy * sh + ky * dh - padT;
          for (int kx = 0; kx < FW; kx++) {
            const int ix = ox * sw + kx * dw - padL;
            f32 *d = dst + (ky * FW + kx) * C;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
              for (int c = 0; c < C; c++) d[c] = 0.0f;
            } else {
              const f32 *s = x + ((b * H + iy) * W + ix) * C;
              for (int c = 0; c < C; c++) d[c] = s[c];
            }
          }
        }
      }
}

/* The adjoint of im2col: dx = 0, then dx[b, iy, ix, c] += cols[...] for every place im2col read it. */
__attribute__((export_name("col2im")))
void col2im(const f32 *cols, int B, int H, int W, int C, int OH, int OW, int FH, int FW,
            int sh, int sw, int dh, int dw, int padT, int padL, f32 *dx) {
  const int rowLen = FH * FW * C;
  for (int i = 0; i < B * H * W * C; i++) dx[i] = 0.0f;
  for (int b = 0; b < B; b++)
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        const f32 *src = cols + ((b * OH + oy) * OW + ox) * rowLen;
        for (int ky = 0; ky < FH; ky++) {
          const int iy = oy * sh + ky * dh - padT;
          if (iy < 0 || iy >= H) continue;
          for (int kx = 0; kx < FW; kx++) {
            const int ix = ox * sw + kx * dw - padL;
            if (ix < 0 || ix >= W) continue;
            const f32 *s = src + (ky * FW + kx) * C;
            f32 *d = dx + ((b * H + iy) * W + ix) * C;
            for (int c = 0; c < C; c++) d[c] += s[c];
          }
        }
      }
}

/*
 * MaxPool gradient (NHWC): dx = 0, then each dy goes to the first maximum of its window in
 * row-major window order (the stock cpu kernel's rule, which matters for ties such as relu zeros).
 */
__attribute__((export_name("max_pool_grad")))
void max_pool_grad(const f32 *dy, const f32 *x, int B, int H, int W, int C, int OH, int OW,
                   int FH, int FW, int sh, int sw, int dh, int dw, int padT, int padL, f32 *dx) {
  for (int i = 0; i < B * H * W * C; i++) dx[i] = 0.0f;
  for (int b = 0; b < B; b++)
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        const f32 *g = dy + ((b * OH + oy) * OW + ox) * C;
        for (int c = 0; c < C; c++) {
          f32 best = -__builtin_inff();
          int at = -1;
          for (int ky = 0; ky < FH; ky++) {
            const int iy = oy * sh + ky * dh - padT;
            if (iy < 0 || iy >= H) continue;
            for (int kx = 0; kx < FW; kx++) {
              const int ix = ox * sw + kx * dw - padL;
              if (ix < 0 || ix >= W) continue;
              const int i = ((b * H + iy) * W + ix) * C + c;
              if (x[i] > best) { best = x[i]; at = i; }
            }
          }
          if (at >= 0) dx[at] += g[c];
        }
      }
}

/*
 * Fused Adam step over n floats, in place on w, m, v (tfjs-core's formula):
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g²;  w -= lr (m / c1) / (sqrt(v / c2) + eps)
 * with c1 = 1 - b1^t and c2 = 1 - b2^t.
 */
__attribute__((export_name("adam")))
void adam(f32 *w, f32 *m, f32 *v, const f32 *g, int n, f32 b1, f32 b2, f32 eps, f32 lr, f32 c1, f32 c2) {
  const f32 g1 = 1.0f - b1, g2 = 1.0f - b2;
  int i = 0;
  const v128_t vb1 = wasm_f32x4_splat(b1), vb2 = wasm_f32x4_splat(b2), vg1 = wasm_f32x4_splat(g1), vg2 = wasm_f32x4_splat(g2);
  const v128_t vc1 = wasm_f32x4_splat(c1), vc2 = wasm_f32x4_splat(c2), veps = wasm_f32x4_splat(eps), vlr = wasm_f32x4_splat(lr);
  for (; i + 4 <= n; i += 4) {
    v128_t gi = wasm_v128_load(g + i);
    v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), vb1), wasm_f32x4_mul(gi, vg1));
    v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), vb2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), vg2));
    wasm_v128_store(m + i, mi);
    wasm_v128_store(v + i, vi);
    v128_t step = wasm_f32x4_div(wasm_f32x4_div(mi, vc1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, vc2)), veps));
    wasm_v128_store(w + i, wasm_f32x4_sub(wasm_v128_load(w + i), wasm_f32x4_mul(vlr, step)));
  }
  for (; i < n; i++) {
    const f32 gi = g[i];
    const f32 mi = m[i] * b1 + gi * g1;
    const f32 vi = v[i] * b2 + gi * gi * g2;
    m[i] = mi;
    v[i] = vi;
    w[i] -= lr * ((mi / c1) / (__builtin_sqrtf(vi / c2) + eps));
  }
}

/* out[j] = sum_i x[i, j] for x[outer, inner] (a bias gradient: sum over every axis but the last). */
__attribute__((export_name("col_sum")))
void col_sum(const f32 *x, int outer, int inner, f32 *out) {
  for (int j = 0; j < inner; j++) out[j] = 0.0f;
  for (int i = 0; i < outer; i++) {
    const f32 *row = x + i * inner;
    int j = 0;
    for (; j + 4 <= inner; j += 4) wasm_v128_store(out + j, wasm_f32x4_add(wasm_v128_load(out + j), wasm_v128_load(row + j)));
    for (; j < inner; j++) out[j] += row[j];
  }
}

/* out[i] = sum_j x[i, j] for x[outer, inner]. */
__attribute__((export_name("row_sum")))
void row_sum(const f32 *x, int outer, int inner, f32 *out) {
  for (int i = 0; i < outer; i++) {
    const f32 *row = x + i * inner;
    v128_t acc = wasm_f32x4_splat(0.0f);
    int j = 0;
    for (; j + 4 <= inner; j += 4) acc = wasm_f32x4_add(acc, wasm_v128_load(row + j));
    f32 s = wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) + wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3);
    for (; j < inner; j++) s += row[j];
    out[i] = s;
  }
}
