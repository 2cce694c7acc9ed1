/*
 * Model Studio's kernels for the TF.js wasm backend, in WebAssembly SIMD (128-bit), on several threads.
 *
 * One module, one shared linear memory, one instance per thread (the main thread and one worker_thread
 * per extra core). The main thread posts a job (a kind, its arguments and a number of tiles); every
 * thread, the main one included, claims tiles with an atomic compare-and-swap until none are left;
 * the main thread then sleeps (memory.atomic.wait32) until the last tile is done. Idle workers sleep
 * in memory.atomic.wait32 too: nothing spins while there is no work.
 *
 * GEMM: row-major C[M,N] = op(A)[M,K] . op(B)[K,N] (+ bias[N]) (relu / relu6), batched, packed into
 * panels (so transposed operands cost one pass, not a strided inner loop), blocked for the caches
 * (KC x NC panels of B, MC x KC of A), a 4x8 register micro-kernel. Built twice: plain SIMD, and
 * relaxed SIMD where f32x4.relaxed_madd can be one fused multiply-add (build.sh; the JS side picks
 * the one this engine validates). Also im2col/col2im for convolutions, the max-pool gradient, a
 * fused Adam step, column/row sums and the fused LSTM sequence.
 *
 * Build: native/gemm/build.sh (clang + wasm-ld 19). No libc: JS hands us all memory offsets.
 */
#include <wasm_simd128.h>
#include <stdatomic.h>

typedef float f32;
typedef unsigned long long u64;

#ifdef RELAXED
#define MADD(a, b, c) wasm_f32x4_relaxed_madd(a, b, c)
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul(a, b), c)
#endif

#define MR 4
#define NR 8
#define KC 256
#define MC_MAX 96
#define NC_MAX 256
#define EXPORT(name) __attribute__((export_name(#name)))

/* ------------------------------------------------------------------ threads */

enum { JOB_GEMM = 1, JOB_IM2COL, JOB_COL2IM, JOB_MAXPOOL_GRAD, JOB_ADAM, JOB_ROW_SUM, JOB_LSTM_FWD, JOB_LSTM_BWD, JOB_RELU_MASK, JOB_MAXPOOL, JOB_SCATTER };

/* What a job needs; the main thread writes it between PREP and publish, workers copy it after claiming. */
typedef struct {
  int kind, ntiles;
  int i[40];
  f32 f[8];
} Job;

#define PREP 0xffffffffu
static Job job;
static _Atomic u64 next;      /* (job sequence << 32) | next tile; tile PREP while the main thread writes the job */
static _Atomic int done;      /* tiles finished in this job */
static _Atomic int gen;       /* bumped once per job: idle workers wait on it */
static _Atomic int failed;    /* set by a worker that trapped: the main thread stops waiting */
static unsigned seq;
static int workers;           /* worker threads that have started (the main thread adds them) */
static f32 *workspace;        /* per-thread scratch: thread t uses workspace + t * ws_stride */
static int ws_stride;

EXPORT(gen_addr) int *gen_addr(void) { return (int *)&gen; }
EXPORT(done_addr) int *done_addr(void) { return (int *)&done; }
EXPORT(failed_addr) int *failed_addr(void) { return (int *)&failed; }
EXPORT(set_workers) void set_workers(int n) { workers = n; }
EXPORT(set_workspace) void set_workspace(f32 *ws, int stride) { workspace = ws; ws_stride = stride; }
/* Floats of scratch each thread needs (packed A and B blocks, an edge tile, LSTM rows). */
EXPORT(workspace_floats) int workspace_floats(void) { return MC_MAX * KC + KC * NC_MAX + MR * NR + 64; }

static void run_tile(const Job *j, int t, f32 *ws);

static void begin(int kind, int ntiles) {
  seq++;
  atomic_store(&next, ((u64)seq << 32) | PREP);
  job.kind = kind;
  job.ntiles = ntiles;
}

/* Claims and runs tiles of the current job until none are left. */
static void work(int tid) {
  f32 *ws = workspace + tid * ws_stride;
  for (;;) {
    u64 v = atomic_load(&next);
    unsigned t = (unsigned)v;
    if (t == PREP) return;
    Job j = job; /* read before the claim: a successful CAS proves it was this job's (see build notes) */
    if (t >= (unsigned)j.ntiles) return;
    if (!atomic_compare_exchange_weak(&next, &v, v + 1)) continue;
    run_tile(&j, (int)t, ws);
    if (atomic_fetch_add(&done, 1) + 1 == j.ntiles) __builtin_wasm_memory_atomic_notify((int *)&done, 1);
  }
}

/* Main thread: publish the job, wake the workers, work, then sleep until every tile is done. */
static void run(void) {
  int n = job.ntiles;
  atomic_store(&done, 0);
  atomic_store(&next, (u64)seq << 32);
  if (workers > 0 && n > 1) {
    atomic_fetch_add(&gen, 1);
    __builtin_wasm_memory_atomic_notify((int *)&gen, workers);
  }
  work(0);
  for (;;) {
    int d = atomic_load(&done);
    if (d >= n || atomic_load(&failed)) break;
    __builtin_wasm_memory_atomic_wait32((int *)&done, d, -1);
  }
  atomic_store(&next, ((u64)seq << 32) | PREP);
}

/* A worker's whole life: sleep until a job is posted, help with it, sleep again. */
EXPORT(worker_loop) void worker_loop(int tid) {
  int seen = atomic_load(&gen);
  for (;;) {
    __builtin_wasm_memory_atomic_wait32((int *)&gen, seen, -1);
    seen = atomic_load(&gen);
    work(tid);
  }
}

/* ------------------------------------------------------------------ GEMM */

/* Pack rows [i0, i0+mc) x cols [k0, k0+kc) of op(A) into MR-row panels Ap[p][k][MR], zero-padded. */
static void pack_a(const f32 *A, int lda, int transA, int i0, int mc, int k0, int kc, f32 *Ap) {
  for (int p = 0; p < mc; p += MR) {
    const int mr = mc - p < MR ? mc - p : MR;
    f32 *dst = Ap + p * kc;
    if (transA) {
      for (int k = 0; k < kc; k++) {
        const f32 *src = A + (k0 + k) * lda + i0 + p;
        int i = 0;
        for (; i < mr; i++) dst[k * MR + i] = src[i];
        for (; i < MR; i++) dst[k * MR + i] = 0.0f;
      }
    } else {
      int i = 0;
      for (; i < mr; i++) {
        const f32 *src = A + (i0 + p + i) * lda + k0;
        for (int k = 0; k < kc; k++) dst[k * MR + i] = src[k];
      }
      for (; i < MR; i++)
        for (int k = 0; k < kc; k++) dst[k * MR + i] = 0.0f;
    }
  }
}

/* Pack rows [k0, k0+kc) x cols [j0, j0+nc) of op(B) into NR-col panels Bp[q][k][NR], zero-padded. */
static void pack_b(const f32 *B, int ldb, int transB, int k0, int kc, int j0, int nc, f32 *Bp) {
  for (int q = 0; q < nc; q += NR) {
    const int nr = nc - q < NR ? nc - q : NR;
    f32 *dst = Bp + q * kc;
    if (!transB && nr == NR) {
      for (int k = 0; k < kc; k++) {
        const f32 *src = B + (k0 + k) * ldb + j0 + q;
        wasm_v128_store(dst + k * NR, wasm_v128_load(src));
        wasm_v128_store(dst + k * NR + 4, wasm_v128_load(src + 4));
      }
    } else if (!transB) {
      for (int k = 0; k < kc; k++) {
        const f32 *src = B + (k0 + k) * ldb + j0 + q;
        int j = 0;
        for (; j < nr; j++) dst[k * NR + j] = src[j];
        for (; j < NR; j++) dst[k * NR + j] = 0.0f;
      }
    } else {
      int j = 0;
      for (; j < nr; j++) {
        const f32 *src = B + (j0 + q + j) * ldb + k0;
        for (int k = 0; k < kc; k++) dst[k * NR + j] = src[k];
      }
      for (; j < NR; j++)
        for (int k = 0; k < kc; k++) dst[k * NR + j] = 0.0f;
    }
  }
}

/* acc(4x8) = Ap . Bp over kc (4x8 with splat loads beat 4x12, 5x8 and 6x8 here: V8 has 16 SIMD registers), then C (+)= acc for the mr x nr corner (via `edge` when partial). */
static void micro(int kc, const f32 *Ap, const f32 *Bp, f32 *C, int ldc, int mr, int nr, int accumulate, f32 *edge) {
  v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    const v128_t b0 = wasm_v128_load(Bp), b1 = wasm_v128_load(Bp + 4);
    v128_t a = wasm_v128_load32_splat(Ap);
    c00 = MADD(a, b0, c00); c01 = MADD(a, b1, c01);
    a = wasm_v128_load32_splat(Ap + 1);
    c10 = MADD(a, b0, c10); c11 = MADD(a, b1, c11);
    a = wasm_v128_load32_splat(Ap + 2);
    c20 = MADD(a, b0, c20); c21 = MADD(a, b1, c21);
    a = wasm_v128_load32_splat(Ap + 3);
    c30 = MADD(a, b0, c30); c31 = MADD(a, b1, c31);
    Ap += MR;
    Bp += NR;
  }
  f32 *out = C;
  int ld = ldc;
  const int full = mr == MR && nr == NR;
  if (!full) { out = edge; ld = NR; }
#define ROW(r, x0, x1)                                                                      \
  if (full && accumulate) {                                                                 \
    x0 = wasm_f32x4_add(x0, wasm_v128_load(out + (r) * ld));                                \
    x1 = wasm_f32x4_add(x1, wasm_v128_load(out + (r) * ld + 4));                            \
  }                                                                                         \
  wasm_v128_store(out + (r) * ld, x0);                                                      \
  wasm_v128_store(out + (r) * ld + 4, x1);
  ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31)
#undef ROW
  if (!full)
    for (int i = 0; i < mr; i++)
      for (int j = 0; j < nr; j++) C[i * ldc + j] = (accumulate ? C[i * ldc + j] : 0.0f) + edge[i * NR + j];
}

/* C[rows, cols] += bias, then the activation (0 none, 1 relu, 2 relu6). */
static void epilogue(f32 *C, int ldc, int rows, int cols, const f32 *bias, int act) {
  const v128_t zero = wasm_f32x4_splat(0.0f), six = wasm_f32x4_splat(6.0f);
  for (int i = 0; i < rows; i++) {
    f32 *row = C + i * ldc;
    int j = 0;
    for (; j + 4 <= cols; j += 4) {
      v128_t x = wasm_v128_load(row + j);
      if (bias) x = wasm_f32x4_add(x, wasm_v128_load(bias + j));
      if (act >= 1) x = wasm_f32x4_pmax(x, zero);
      if (act == 2) x = wasm_f32x4_pmin(x, six);
      wasm_v128_store(row + j, x);
    }
    for (; j < cols; j++) {
      f32 x = row[j] + (bias ? bias[j] : 0.0f);
      if (act >= 1) x = x > 0.0f ? x : 0.0f;
      if (act == 2) x = x < 6.0f ? x : 6.0f;
      row[j] = x;
    }
  }
}

/*
 * One tile: batch item b, rows [i0, i0+mc), cols [j0, j0+nc), inner range [kb, ke) of one GEMM.
 * `dst`/`ldd` is where the tile's result goes (C, or a split-K partial buffer).
 */
static void gemm_tile(int M, int N, int K, const f32 *A, int transA, const f32 *B, int transB, f32 *dst, int ldd,
                      int i0, int mc, int j0, int nc, int kb, int ke, const f32 *bias, int act, int beta, f32 *ws) {
  const int lda = transA ? M : K;
  const int ldb = transB ? K : N;
  f32 *Ap = ws;
  f32 *Bp = ws + MC_MAX * KC;
  f32 *edge = Bp + KC * NC_MAX;
  if (ke <= kb) {
    for (int i = 0; i < mc; i++)
      for (int j = 0; j < nc; j++) dst[(i0 + i) * ldd + j0 + j] = beta ? dst[(i0 + i) * ldd + j0 + j] : 0.0f;
  }
  for (int k0 = kb; k0 < ke; k0 += KC) {
    const int kc = ke - k0 < KC ? ke - k0 : KC;
    pack_b(B, ldb, transB, k0, kc, j0, nc, Bp);
    pack_a(A, lda, transA, i0, mc, k0, kc, Ap);
    const int accumulate = beta || k0 > kb;
    for (int q = 0; q < nc; q += NR) {
      const int nr = nc - q < NR ? nc - q : NR;
      for (int p = 0; p < mc; p += MR) {
        const int mr = mc - p < MR ? mc - p : MR;
        micro(kc, Ap + p * kc, Bp + q * kc, dst + (i0 + p) * ldd + j0 + q, ldd, mr, nr, accumulate, edge);
      }
    }
  }
  if (bias || act) epilogue(dst + i0 * ldd + j0, ldd, mc, nc, bias ? bias + j0 : 0, act);
}

/*
 * job.i for JOB_GEMM: 0 M, 1 N, 2 K, 3 A, 4 transA, 5 B, 6 transB, 7 C, 8 batch, 9 strideA, 10 strideB,
 * 11 bias, 12 act, 13 beta, 14 MC, 15 NC, 16 mTiles, 17 nTiles, 18 kSplit, 19 kChunk, 20 partial
 */
static void gemm_job_tile(const Job *j, int t, f32 *ws) {
  const int *a = j->i;
  const int M = a[0], N = a[1], K = a[2], MC = a[14], NC = a[15], mT = a[16], nT = a[17], ks = a[18], kChunk = a[19];
  const int mi = t % mT, ni = (t / mT) % nT, kk = (t / (mT * nT)) % ks, b = t / (mT * nT * ks);
  const f32 *A = (const f32 *)a[3] + b * a[9];
  const f32 *B = (const f32 *)a[5] + b * a[10];
  const int i0 = mi * MC, j0 = ni * NC;
  const int mc = M - i0 < MC ? M - i0 : MC, nc = N - j0 < NC ? N - j0 : NC;
  const int kb = kk * kChunk, ke = K - kb < kChunk ? K : kb + kChunk;
  if (ks > 1) {
    f32 *part = (f32 *)a[20] + (b * ks + kk) * M * N;
    gemm_tile(M, N, K, A, a[4], B, a[6], part, N, i0, mc, j0, nc, kb, ke, 0, 0, 0, ws);
  } else {
    f32 *C = (f32 *)a[7] + b * M * N;
    gemm_tile(M, N, K, A, a[4], B, a[6], C, N, i0, mc, j0, nc, kb, ke, (const f32 *)a[11], a[12], a[13], ws);
  }
}

/*
 * C = op(A_b) . op(B_b) for b < batch (stride 0 broadcasts an operand), + bias, activation; beta 1
 * accumulates into C. Tiles cover (batch, rows, cols, inner splits); `partial` must hold
 * batch * kSplit * M * N floats when kSplit > 1 (the split sums are added up at the end).
 */
EXPORT(sgemm)
void sgemm(int M, int N, int K, const f32 *A, int transA, const f32 *B, int transB, f32 *C, int batch, int strideA,
           int strideB, const f32 *bias, int act, int beta, int MC, int NC, int kSplit, f32 *partial) {
  if (MC > MC_MAX) MC = MC_MAX;
  if (NC > NC_MAX) NC = NC_MAX;
  MC = (MC + MR - 1) / MR * MR;
  NC = (NC + NR - 1) / NR * NR;
  if (kSplit < 1 || K < 2 * KC) kSplit = 1;
  const int mT = (M + MC - 1) / MC, nT = (N + NC - 1) / NC;
  int kChunk = (K + kSplit - 1) / kSplit;
  kChunk = (kChunk + KC - 1) / KC * KC;
  kSplit = (K + kChunk - 1) / kChunk;
  begin(JOB_GEMM, batch * mT * nT * kSplit);
  int *a = job.i;
  a[0] = M; a[1] = N; a[2] = K; a[3] = (int)A; a[4] = transA; a[5] = (int)B; a[6] = transB; a[7] = (int)C;
  a[8] = batch; a[9] = strideA; a[10] = strideB; a[11] = (int)bias; a[12] = act; a[13] = beta;
  a[14] = MC; a[15] = NC; a[16] = mT; a[17] = nT; a[18] = kSplit; a[19] = kChunk; a[20] = (int)partial;
  run();
  if (kSplit > 1) {
    for (int b = 0; b < batch; b++) {
      f32 *c = C + b * M * N;
      const f32 *p = partial + b * kSplit * M * N;
      for (int i = 0; i < M * N; i++) {
        f32 s = beta ? c[i] : 0.0f;
        for (int k = 0; k < kSplit; k++) s += p[k * M * N + i];
        c[i] = s;
      }
      if (bias || act) epilogue(c, N, M, N, bias, act);
    }
  }
}

/* ------------------------------------------------------------------ convolution helpers */

/* The ox with 0 <= ox*sw + kx*dw - padL < W, as [lo, hi) within [0, OW). */
static void valid_range(int OW, int W, int sw, int off, int *lo, int *hi) {
  int a = 0, b = OW;
  while (a < OW && a * sw + off < 0) a++;
  while (b > a && (b - 1) * sw + off >= W) b--;
  *lo = a;
  *hi = b;
}

/* Copies n floats (C of them per pixel) from a strided source run into a strided destination run. */
static inline void copy_taps(const f32 *s, int sstep, f32 *d, int dstep, int n, int C) {
  if (C == 1) {
    for (int i = 0; i < n; i++) d[i * dstep] = s[i * sstep];
  } else if ((C & 3) == 0) {
    for (int i = 0; i < n; i++)
      for (int c = 0; c < C; c += 4) wasm_v128_store(d + i * dstep + c, wasm_v128_load(s + i * sstep + c));
  } else {
    for (int i = 0; i < n; i++)
      for (int c = 0; c < C; c++) d[i * dstep + c] = s[i * sstep + c];
  }
}

/*
 * im2col for NHWC, one output row (b, oy) per call: cols[(b, oy, ox)][(ky, kx, c)] =
 * x[b, oy*sh + ky*dh - padT, ox*sw + kx*dw - padL, c] (zero outside), so conv2d is cols . filter.
 * Loops per tap over a run of output columns, so the bounds are checked once per run, not per pixel.
 */
static void im2col_row(const f32 *x, int H, int W, int C, int OH, int OW, int FH, int FW,
                       int sh, int sw, int dh, int dw, int padT, int padL, f32 *cols, int row) {
  const int K = FH * FW * C, oy = row % OH, b = row / OH;
  f32 *dst = cols + row * OW * K;
  for (int ky = 0; ky < FH; ky++) {
    const int iy = oy * sh + ky * dh - padT;
    for (int kx = 0; kx < FW; kx++) {
      f32 *d = dst + (ky * FW + kx) * C;
      int lo = 0, hi = 0;
      if (iy >= 0 && iy < H) valid_range(OW, W, sw, kx * dw - padL, &lo, &hi);
      for (int ox = 0; ox < lo; ox++) for (int c = 0; c < C; c++) d[ox * K + c] = 0.0f;
      for (int ox = hi > lo ? hi : lo; ox < OW; ox++) for (int c = 0; c < C; c++) d[ox * K + c] = 0.0f;
      if (hi > lo) copy_taps(x + ((b * H + iy) * W + lo * sw + kx * dw - padL) * C, sw * C, d + lo * K, K, hi - lo, C);
    }
  }
}

EXPORT(im2col)
void im2col(const f32 *x, int B, int H, int W, int C, int OH, int OW, int FH, int FW,
            int sh, int sw, int dh, int dw, int padT, int padL, f32 *cols) {
  begin(JOB_IM2COL, B * OH);
  int *a = job.i;
  a[0] = (int)x; a[1] = B; a[2] = H; a[3] = W; a[4] = C; a[5] = OH; a[6] = OW; a[7] = FH; a[8] = FW;
  a[9] = sh; a[10] = sw; a[11] = dh; a[12] = dw; a[13] = padT; a[14] = padL; a[15] = (int)cols;
  run();
}

/*
 * A convolution with a small inner size (FH*FW*Cin, e.g. a first layer on 1-channel images), directly:
 * im2col + GEMM would spend more on the copies than on the arithmetic there. One output row per tile;
 * per pixel the output channels are vectorised, up to 32 at a time (8 registers).
 */
/* The adjoint of im2col for one image: dx[b] = 0, then += cols[...] for every place im2col read it. */
static void col2im_image(const f32 *cols, int H, int W, int C, int OH, int OW, int FH, int FW,
                         int sh, int sw, int dh, int dw, int padT, int padL, f32 *dx, int b) {
  const int rowLen = FH * FW * C;
  f32 *img = dx + b * H * W * C;
  for (int i = 0; i < H * W * C; i++) img[i] = 0.0f;
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
          f32 *d = img + (iy * W + ix) * C;
          int c = 0;
          for (; c + 4 <= C; c += 4) wasm_v128_store(d + c, wasm_f32x4_add(wasm_v128_load(d + c), wasm_v128_load(s + c)));
          for (; c < C; c++) d[c] += s[c];
        }
      }
    }
}

EXPORT(col2im)
void col2im(const f32 *cols, int B, int H, int W, int C, int OH, int OW, int FH, int FW,
            int sh, int sw, int dh, int dw, int padT, int padL, f32 *dx) {
  begin(JOB_COL2IM, B);
  int *a = job.i;
  a[0] = (int)cols; a[1] = B; a[2] = H; a[3] = W; a[4] = C; a[5] = OH; a[6] = OW; a[7] = FH; a[8] = FW;
  a[9] = sh; a[10] = sw; a[11] = dh; a[12] = dw; a[13] = padT; a[14] = padL; a[15] = (int)dx;
  run();
}

/*
 * MaxPool gradient (NHWC) for one image: dx = 0, then each dy goes to the first maximum of its window
 * in row-major window order (the stock cpu kernel's rule, which matters for ties such as relu zeros).
 */
static void max_pool_grad_image(const f32 *dy, const f32 *x, int H, int W, int C, int OH, int OW,
                                int FH, int FW, int sh, int sw, int dh, int dw, int padT, int padL, f32 *dx, int b) {
  f32 *img = dx + b * H * W * C;
  for (int i = 0; i < H * W * C; i++) img[i] = 0.0f;
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

EXPORT(max_pool_grad)
void max_pool_grad(const f32 *dy, const f32 *x, int B, int H, int W, int C, int OH, int OW,
                   int FH, int FW, int sh, int sw, int dh, int dw, int padT, int padL, f32 *dx) {
  begin(JOB_MAXPOOL_GRAD, B);
  int *a = job.i;
  a[0] = (int)dy; a[1] = (int)x; a[2] = B; a[3] = H; a[4] = W; a[5] = C; a[6] = OH; a[7] = OW; a[8] = FH;
  a[9] = FW; a[10] = sh; a[11] = sw; a[12] = dh; a[13] = dw; a[14] = padT; a[15] = padL; a[16] = (int)dx;
  run();
}

/* ------------------------------------------------------------------ Adam, sums */

/*
 * Fused Adam step over [i0, i1), in place on w, m, v (tfjs-core's formula):
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g²;  w -= lr (m / c1) / (sqrt(v / c2) + eps)
 * with c1 = 1 - b1^t and c2 = 1 - b2^t.
 */
static void adam_range(f32 *w, f32 *m, f32 *v, const f32 *g, int i0, int i1, f32 b1, f32 b2, f32 eps, f32 lr, f32 c1, f32 c2) {
  const f32 g1 = 1.0f - b1, g2 = 1.0f - b2;
  int i = i0;
  const v128_t vb1 = wasm_f32x4_splat(b1), vb2 = wasm_f32x4_splat(b2), vg1 = wasm_f32x4_splat(g1), vg2 = wasm_f32x4_splat(g2);
  const v128_t vc1 = wasm_f32x4_splat(c1), vc2 = wasm_f32x4_splat(c2), veps = wasm_f32x4_splat(eps), vlr = wasm_f32x4_splat(lr);
  for (; i + 4 <= i1; i += 4) {
    v128_t gi = wasm_v128_load(g + i);
    v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), vb1), wasm_f32x4_mul(gi, vg1));
    v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), vb2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), vg2));
    wasm_v128_store(m + i, mi);
    wasm_v128_store(v + i, vi);
    v128_t step = wasm_f32x4_div(wasm_f32x4_div(mi, vc1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, vc2)), veps));
    wasm_v128_store(w + i, wasm_f32x4_sub(wasm_v128_load(w + i), wasm_f32x4_mul(vlr, step)));
  }
  for (; i < i1; i++) {
    const f32 gi = g[i];
    const f32 mi = m[i] * b1 + gi * g1;
    const f32 vi = v[i] * b2 + gi * gi * g2;
    m[i] = mi;
    v[i] = vi;
    w[i] -= lr * ((mi / c1) / (__builtin_sqrtf(vi / c2) + eps));
  }
}

#define ADAM_CHUNK 16384

EXPORT(adam)
void adam(f32 *w, f32 *m, f32 *v, const f32 *g, int n, f32 b1, f32 b2, f32 eps, f32 lr, f32 c1, f32 c2) {
  begin(JOB_ADAM, (n + ADAM_CHUNK - 1) / ADAM_CHUNK);
  int *a = job.i;
  a[0] = (int)w; a[1] = (int)m; a[2] = (int)v; a[3] = (int)g; a[4] = n;
  f32 *f = job.f;
  f[0] = b1; f[1] = b2; f[2] = eps; f[3] = lr; f[4] = c1; f[5] = c2;
  run();
}

/* out[j] = sum_i x[i, j] for x[outer, inner] (a bias gradient: sum over every axis but the last). */
EXPORT(col_sum)
void col_sum(const f32 *x, int outer, int inner, f32 *out) {
  for (int j = 0; j < inner; j++) out[j] = 0.0f;
  for (int i = 0; i < outer; i++) {
    const f32 *row = x + i * inner;
    int j = 0;
    for (; j + 4 <= inner; j += 4) wasm_v128_store(out + j, wasm_f32x4_add(wasm_v128_load(out + j), wasm_v128_load(row + j)));
    for (; j < inner; j++) out[j] += row[j];
  }
}

static void row_sum_range(const f32 *x, int inner, f32 *out, int i0, int i1) {
  for (int i = i0; i < i1; i++) {
    const f32 *row = x + i * inner;
    v128_t acc = wasm_f32x4_splat(0.0f);
    int j = 0;
    for (; j + 4 <= inner; j += 4) acc = wasm_f32x4_add(acc, wasm_v128_load(row + j));
    f32 s = wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) + wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3);
    for (; j < inner; j++) s += row[j];
    out[i] = s;
  }
}

/* out[i] = sum_j x[i, j] for x[outer, inner]. */
EXPORT(row_sum)
void row_sum(const f32 *x, int outer, int inner, f32 *out) {
  const int per = inner >= 16384 ? 1 : 16384 / inner;
  begin(JOB_ROW_SUM, (outer + per - 1) / per);
  int *a = job.i;
  a[0] = (int)x; a[1] = outer; a[2] = inner; a[3] = (int)out; a[4] = per;
  run();
}

/* ------------------------------------------------------------------ fused layers */

#define ELEMS_PER_TILE 16384

/* out = dy where y > 0, else 0: the gradient through a relu, from its output (y > 0 exactly where x > 0). */
static void relu_mask_range(const f32 *dy, const f32 *y, f32 *out, int i0, int i1) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  int i = i0;
  for (; i + 4 <= i1; i += 4)
    wasm_v128_store(out + i, wasm_v128_and(wasm_v128_load(dy + i), wasm_f32x4_gt(wasm_v128_load(y + i), zero)));
  for (; i < i1; i++) out[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

EXPORT(relu_mask)
void relu_mask(const f32 *dy, const f32 *y, int n, f32 *out) {
  begin(JOB_RELU_MASK, (n + ELEMS_PER_TILE - 1) / ELEMS_PER_TILE);
  int *a = job.i;
  a[0] = (int)dy; a[1] = (int)y; a[2] = (int)out; a[3] = n;
  run();
}

/*
 * MaxPool (NHWC) for one image, with the flat input index of each window's first maximum in row-major
 * window order (the stock kernels' rule for ties), so the gradient is a scatter.
 */
static void max_pool_image(const f32 *x, int H, int W, int C, int OH, int OW, int FH, int FW, int sh, int sw,
                           int padT, int padL, f32 *y, int *arg, int b) {
  for (int oy = 0; oy < OH; oy++)
    for (int ox = 0; ox < OW; ox++) {
      f32 *yo = y + ((b * OH + oy) * OW + ox) * C;
      int *ao = arg + ((b * OH + oy) * OW + ox) * C;
      int c = 0;
      if ((C & 3) == 0) {
        const v128_t lanes = wasm_i32x4_make(0, 1, 2, 3);
        for (; c < C; c += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff()), at = wasm_i32x4_splat(-1);
          for (int ky = 0; ky < FH; ky++) {
            const int iy = oy * sh + ky - padT;
            if (iy < 0 || iy >= H) continue;
            for (int kx = 0; kx < FW; kx++) {
              const int ix = ox * sw + kx - padL;
              if (ix < 0 || ix >= W) continue;
              const int base = ((b * H + iy) * W + ix) * C + c;
              const v128_t v = wasm_v128_load(x + base);
              /* strictly greater, or the first valid element: ties keep the earlier window position */
              const v128_t take = wasm_v128_or(wasm_f32x4_gt(v, best), wasm_i32x4_lt(at, wasm_i32x4_splat(0)));
              best = wasm_v128_bitselect(v, best, take);
              at = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(base), lanes), at, take);
            }
          }
          wasm_v128_store(yo + c, best);
          wasm_v128_store(ao + c, at);
        }
        continue;
      }
      for (c = 0; c < C; c++) { yo[c] = -__builtin_inff(); ao[c] = -1; }
      for (int ky = 0; ky < FH; ky++) {
        const int iy = oy * sh + ky - padT;
        if (iy < 0 || iy >= H) continue;
        for (int kx = 0; kx < FW; kx++) {
          const int ix = ox * sw + kx - padL;
          if (ix < 0 || ix >= W) continue;
          const int base = ((b * H + iy) * W + ix) * C;
          const f32 *xi = x + base;
          for (c = 0; c < C; c++)
            if (xi[c] > yo[c] || ao[c] < 0) { yo[c] = xi[c]; ao[c] = base + c; }
        }
      }
    }
}

EXPORT(max_pool)
void max_pool(const f32 *x, int B, int H, int W, int C, int OH, int OW, int FH, int FW, int sh, int sw, int padT, int padL,
              f32 *y, int *arg) {
  begin(JOB_MAXPOOL, B);
  int *a = job.i;
  a[0] = (int)x; a[1] = B; a[2] = H; a[3] = W; a[4] = C; a[5] = OH; a[6] = OW; a[7] = FH; a[8] = FW; a[9] = sh; a[10] = sw;
  a[11] = padT; a[12] = padL; a[13] = (int)y; a[14] = (int)arg;
  run();
}

/* dx = 0, then dx[arg[i]] += dy[i] for one image's outputs (windows never reach into another image). */
static void scatter_image(const f32 *dy, const int *arg, int per_in, int per_out, f32 *dx, int b) {
  f32 *img = dx + b * per_in;
  for (int i = 0; i < per_in; i++) img[i] = 0.0f;
  for (int i = b * per_out; i < (b + 1) * per_out; i++)
    if (arg[i] >= 0) dx[arg[i]] += dy[i];
}

EXPORT(max_pool_scatter)
void max_pool_scatter(const f32 *dy, const int *arg, int B, int per_in, int per_out, f32 *dx) {
  begin(JOB_SCATTER, B);
  int *a = job.i;
  a[0] = (int)dy; a[1] = (int)arg; a[2] = per_in; a[3] = per_out; a[4] = (int)dx;
  run();
}

/* ------------------------------------------------------------------ LSTM over a whole sequence */

/*
 * op(B)[K x N] packed once into KC-deep blocks of NR-wide panels (block k0 at dst + k0 * Npad, panel q
 * at + q * kc), for GEMMs that reuse one right-hand side many times (the recurrent kernel, every step).
 */
EXPORT(pack_full)
void pack_full(const f32 *B, int ldb, int transB, int K, int N, f32 *dst) {
  const int Npad = (N + NR - 1) / NR * NR;
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = K - k0 < KC ? K - k0 : KC;
    pack_b(B, ldb, transB, k0, kc, 0, N, dst + k0 * Npad);
  }
}

/* C[rows x N] (+)= A[rows x K] (row stride lda) . B, with B from pack_full; rows <= MC_MAX. */
static void gemm_prepacked(int rows, int N, int K, const f32 *A, int lda, const f32 *Bp, f32 *C, int ldc, int beta, f32 *ws) {
  const int Npad = (N + NR - 1) / NR * NR;
  f32 *Ap = ws;
  f32 *edge = ws + MC_MAX * KC + KC * NC_MAX;
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = K - k0 < KC ? K - k0 : KC;
    pack_a(A, lda, 0, 0, rows, k0, kc, Ap);
    const int accumulate = beta || k0 > 0;
    for (int q = 0; q < N; q += NR) {
      const int nr = N - q < NR ? N - q : NR;
      for (int p = 0; p < rows; p += MR) {
        const int mr = rows - p < MR ? rows - p : MR;
        micro(kc, Ap + p * kc, Bp + k0 * Npad + q * kc, C + p * ldc + q, ldc, mr, nr, accumulate, edge);
      }
    }
  }
}

/* tanh as a rational function (Eigen's float approximation: a few ulp over the whole range). */
static v128_t tanh4(v128_t x) {
  const v128_t clamp = wasm_f32x4_splat(7.90531110763549805f);
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_neg(clamp)), clamp);
  const v128_t x2 = wasm_f32x4_mul(x, x);
  v128_t p = wasm_f32x4_splat(-2.76076847742355e-16f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(2.00018790482477e-13f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(-8.60467152213735e-11f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(5.12229709037114e-08f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(1.48572235717979e-05f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(6.37261928875436e-04f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(4.89352455891786e-03f));
  p = wasm_f32x4_mul(p, x);
  v128_t q = wasm_f32x4_splat(1.19825839466702e-06f);
  q = wasm_f32x4_add(wasm_f32x4_mul(q, x2), wasm_f32x4_splat(1.18534705686654e-04f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, x2), wasm_f32x4_splat(2.26843463243900e-03f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, x2), wasm_f32x4_splat(4.89352518554385e-03f));
  const v128_t y = wasm_f32x4_div(p, q);
  /* tiny |x|: tanh(x) = x to float precision (the rational form's rounding would show) */
  const v128_t tiny = wasm_f32x4_lt(wasm_f32x4_abs(x), wasm_f32x4_splat(0.0004f));
  return wasm_v128_bitselect(x, y, tiny);
}

enum { ACT_TANH = 0, ACT_SIGMOID = 1, ACT_HARD_SIGMOID = 2 };

/*
 * An activation and what the gradient needs of it: `kept` is the output (tanh, sigmoid) or, for the
 * hard sigmoid, the value before the clip (its derivative is 0.2 exactly where that lies in [0, 1],
 * as TF.js's clipByValue gradient has it). Float32 ops in TF.js's order.
 */
static v128_t act4(int kind, v128_t z, v128_t *kept) {
  const v128_t half = wasm_f32x4_splat(0.5f);
  if (kind == ACT_TANH) return *kept = tanh4(z);
  if (kind == ACT_SIGMOID) return *kept = wasm_f32x4_add(half, wasm_f32x4_mul(half, tanh4(wasm_f32x4_mul(half, z))));
  const v128_t pre = wasm_f32x4_add(half, wasm_f32x4_mul(wasm_f32x4_splat(0.2f), z));
  *kept = pre;
  return wasm_f32x4_pmin(wasm_f32x4_pmax(pre, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(1.0f));
}

/* The activation's value and derivative from what act4 kept. */
static v128_t from_kept(int kind, v128_t kept, v128_t *deriv) {
  const v128_t one = wasm_f32x4_splat(1.0f), zero = wasm_f32x4_splat(0.0f);
  if (kind == ACT_TANH) { *deriv = wasm_f32x4_sub(one, wasm_f32x4_mul(kept, kept)); return kept; }
  if (kind == ACT_SIGMOID) { *deriv = wasm_f32x4_mul(kept, wasm_f32x4_sub(one, kept)); return kept; }
  const v128_t inside = wasm_v128_and(wasm_f32x4_ge(kept, zero), wasm_f32x4_le(kept, one));
  *deriv = wasm_v128_and(inside, wasm_f32x4_splat(0.2f));
  return wasm_f32x4_pmin(wasm_f32x4_pmax(kept, zero), one);
}

/* job.i for the LSTM jobs: 0 B, 1 T, 2 U, 3 G, 4 H, 5 C, 6 packed R (or R^T), 7 ra, 8 act, 9 rows, 10 dH, 11 dC, 12 Hprev */

/*
 * Forward over batch rows [r0, r0+n): in G[b, t] (row b*T + t, 4U wide, gates i f g o) the caller put
 * x_t.W + bias; step by step this adds h_{t-1}.R and turns it, in place, into what act4 keeps per gate;
 * C and H get the cell and hidden states. Rows are independent, so tiles are row ranges.
 */
static void lstm_fwd_tile(const int *a, int t, f32 *ws) {
  const int B = a[0], T = a[1], U = a[2], ra = a[7], act = a[8], rows = a[9];
  f32 *G = (f32 *)a[3], *H = (f32 *)a[4], *C = (f32 *)a[5];
  const f32 *Rp = (const f32 *)a[6];
  const int r0 = t * rows, n = B - r0 < rows ? B - r0 : rows, N4 = 4 * U;
  for (int s = 0; s < T; s++) {
    f32 *g = G + (r0 * T + s) * N4;
    if (s > 0) gemm_prepacked(n, N4, U, H + (r0 * T + s - 1) * U, T * U, Rp, g, T * N4, 1, ws);
    for (int b = 0; b < n; b++) {
      f32 *gr = g + b * T * N4;
      const int row = (r0 + b) * T + s;
      f32 *cr = C + row * U, *hr = H + row * U;
      const f32 *cp = s > 0 ? cr - U : 0;
      int u = 0;
      for (; u + 4 <= U; u += 4) {
        v128_t ki, kf, kg, ko, kc;
        const v128_t i = act4(ra, wasm_v128_load(gr + u), &ki);
        const v128_t f = act4(ra, wasm_v128_load(gr + U + u), &kf);
        const v128_t gg = act4(act, wasm_v128_load(gr + 2 * U + u), &kg);
        const v128_t o = act4(ra, wasm_v128_load(gr + 3 * U + u), &ko);
        const v128_t fc = cp ? wasm_f32x4_mul(f, wasm_v128_load(cp + u)) : wasm_f32x4_splat(0.0f);
        const v128_t c = wasm_f32x4_add(fc, wasm_f32x4_mul(i, gg));
        const v128_t tc = act4(act, c, &kc);
        wasm_v128_store(gr + u, ki); wasm_v128_store(gr + U + u, kf);
        wasm_v128_store(gr + 2 * U + u, kg); wasm_v128_store(gr + 3 * U + u, ko);
        wasm_v128_store(cr + u, c);
        wasm_v128_store(hr + u, wasm_f32x4_mul(o, tc));
      }
      for (; u < U; u++) { /* the last U % 4 units, one lane at a time */
        v128_t ki, kf, kg, ko, kc;
        const v128_t i = act4(ra, wasm_f32x4_splat(gr[u]), &ki);
        const v128_t f = act4(ra, wasm_f32x4_splat(gr[U + u]), &kf);
        const v128_t gg = act4(act, wasm_f32x4_splat(gr[2 * U + u]), &kg);
        const v128_t o = act4(ra, wasm_f32x4_splat(gr[3 * U + u]), &ko);
        const f32 c = (cp ? wasm_f32x4_extract_lane(f, 0) * cp[u] : 0.0f) + wasm_f32x4_extract_lane(i, 0) * wasm_f32x4_extract_lane(gg, 0);
        const f32 tc = wasm_f32x4_extract_lane(act4(act, wasm_f32x4_splat(c), &kc), 0);
        gr[u] = wasm_f32x4_extract_lane(ki, 0); gr[U + u] = wasm_f32x4_extract_lane(kf, 0);
        gr[2 * U + u] = wasm_f32x4_extract_lane(kg, 0); gr[3 * U + u] = wasm_f32x4_extract_lane(ko, 0);
        cr[u] = c;
        hr[u] = wasm_f32x4_extract_lane(o, 0) * tc;
      }
    }
  }
}

/*
 * Backward over batch rows [r0, r0+n), last step first: from dH and dC (gradients of the H and C
 * outputs) and the recurrence dh_{t-1} = dz_t . R^T, the gate gradients dz_t replace G in place; Hprev
 * gets h_{t-1} (zero at t = 0) for the recurrent kernel's gradient. Per-thread scratch: dh and dc rows.
 */
static void lstm_bwd_tile(const int *a, int t, f32 *ws) {
  const int B = a[0], T = a[1], U = a[2], ra = a[7], act = a[8], rows = a[9];
  f32 *G = (f32 *)a[3], *Hprev = (f32 *)a[12];
  const f32 *H = (const f32 *)a[4], *C = (const f32 *)a[5], *RTp = (const f32 *)a[6], *dH = (const f32 *)a[10], *dC = (const f32 *)a[11];
  const int r0 = t * rows, n = B - r0 < rows ? B - r0 : rows, N4 = 4 * U;
  f32 *dh = ws + MC_MAX * KC, *dc = dh + n * U;
  for (int i = 0; i < n * U; i++) dc[i] = 0.0f;
  for (int s = T - 1; s >= 0; s--) {
    if (s < T - 1) gemm_prepacked(n, U, N4, G + (r0 * T + s + 1) * N4, T * N4, RTp, dh, U, 0, ws);
    else for (int i = 0; i < n * U; i++) dh[i] = 0.0f;
    for (int b = 0; b < n; b++) {
      const int row = (r0 + b) * T + s;
      f32 *gr = G + row * N4;
      const f32 *cr = C + row * U, *cp = s > 0 ? C + (row - 1) * U : 0;
      const f32 *dhr = dH + row * U, *dcr = dC + row * U;
      f32 *dhb = dh + b * U, *dcb = dc + b * U;
      f32 *hp = Hprev + row * U;
      for (int u = 0; u < U; u += 4) {
        const int lanes = U - u < 4 ? U - u : 4;
        v128_t vgi, vgf, vgg, vgo, vc, vcp, vdh, vdhr, vdcr, vdcb;
        if (lanes == 4) {
          vgi = wasm_v128_load(gr + u); vgf = wasm_v128_load(gr + U + u); vgg = wasm_v128_load(gr + 2 * U + u); vgo = wasm_v128_load(gr + 3 * U + u);
          vc = wasm_v128_load(cr + u); vcp = cp ? wasm_v128_load(cp + u) : wasm_f32x4_splat(0.0f);
          vdh = wasm_v128_load(dhb + u); vdhr = wasm_v128_load(dhr + u); vdcr = wasm_v128_load(dcr + u); vdcb = wasm_v128_load(dcb + u);
        } else {
          f32 tmp[10][4] __attribute__((aligned(16)));
          for (int l = 0; l < 4; l++) {
            const int k = l < lanes ? u + l : u;
            tmp[0][l] = gr[k]; tmp[1][l] = gr[U + k]; tmp[2][l] = gr[2 * U + k]; tmp[3][l] = gr[3 * U + k];
            tmp[4][l] = cr[k]; tmp[5][l] = cp ? cp[k] : 0.0f; tmp[6][l] = dhb[k]; tmp[7][l] = dhr[k]; tmp[8][l] = dcr[k]; tmp[9][l] = dcb[k];
          }
          vgi = wasm_v128_load(tmp[0]); vgf = wasm_v128_load(tmp[1]); vgg = wasm_v128_load(tmp[2]); vgo = wasm_v128_load(tmp[3]);
          vc = wasm_v128_load(tmp[4]); vcp = wasm_v128_load(tmp[5]); vdh = wasm_v128_load(tmp[6]); vdhr = wasm_v128_load(tmp[7]);
          vdcr = wasm_v128_load(tmp[8]); vdcb = wasm_v128_load(tmp[9]);
        }
        v128_t di_, df_, dg_, do_, dtc, kc;
        const v128_t i = from_kept(ra, vgi, &di_), f = from_kept(ra, vgf, &df_);
        const v128_t g = from_kept(act, vgg, &dg_), o = from_kept(ra, vgo, &do_);
        act4(act, vc, &kc);
        const v128_t tcv = from_kept(act, kc, &dtc);
        const v128_t dhv = wasm_f32x4_add(vdh, vdhr);
        const v128_t dcv = wasm_f32x4_add(wasm_f32x4_add(vdcb, vdcr), wasm_f32x4_mul(wasm_f32x4_mul(dhv, o), dtc));
        const v128_t zi = wasm_f32x4_mul(wasm_f32x4_mul(dcv, g), di_);
        const v128_t zf = wasm_f32x4_mul(wasm_f32x4_mul(dcv, vcp), df_);
        const v128_t zg = wasm_f32x4_mul(wasm_f32x4_mul(dcv, i), dg_);
        const v128_t zo = wasm_f32x4_mul(wasm_f32x4_mul(dhv, tcv), do_);
        const v128_t dcn = wasm_f32x4_mul(dcv, f);
        if (lanes == 4) {
          wasm_v128_store(gr + u, zi); wasm_v128_store(gr + U + u, zf); wasm_v128_store(gr + 2 * U + u, zg); wasm_v128_store(gr + 3 * U + u, zo);
          wasm_v128_store(dcb + u, dcn);
          wasm_v128_store(hp + u, s > 0 ? wasm_v128_load(H + (row - 1) * U + u) : wasm_f32x4_splat(0.0f));
        } else {
          f32 out[5][4] __attribute__((aligned(16)));
          wasm_v128_store(out[0], zi); wasm_v128_store(out[1], zf); wasm_v128_store(out[2], zg); wasm_v128_store(out[3], zo); wasm_v128_store(out[4], dcn);
          for (int l = 0; l < lanes; l++) {
            gr[u + l] = out[0][l]; gr[U + u + l] = out[1][l]; gr[2 * U + u + l] = out[2][l]; gr[3 * U + u + l] = out[3][l];
            dcb[u + l] = out[4][l];
            hp[u + l] = s > 0 ? H[(row - 1) * U + u + l] : 0.0f;
          }
        }
      }
    }
  }
}

/* Rows per tile that fit the scratch (pack_a's MC_MAX rows; dh and dc of n x U in the B area). */
static int lstm_rows(int rows, int U) {
  int most = (KC * NC_MAX) / (2 * U);
  if (most > MC_MAX) most = MC_MAX;
  if (most < 1) most = 1;
  return rows < 1 ? 1 : rows > most ? most : rows;
}

EXPORT(lstm_forward)
void lstm_forward(int B, int T, int U, f32 *G, f32 *H, f32 *C, const f32 *R, f32 *Rp, int ra, int act, int rows) {
  pack_full(R, 4 * U, 0, U, 4 * U, Rp);
  rows = lstm_rows(rows, U);
  begin(JOB_LSTM_FWD, (B + rows - 1) / rows);
  int *a = job.i;
  a[0] = B; a[1] = T; a[2] = U; a[3] = (int)G; a[4] = (int)H; a[5] = (int)C; a[6] = (int)Rp; a[7] = ra; a[8] = act; a[9] = rows;
  run();
}

EXPORT(lstm_backward)
void lstm_backward(int B, int T, int U, f32 *G, const f32 *H, const f32 *C, const f32 *R, f32 *RTp, int ra, int act, int rows,
                   const f32 *dH, const f32 *dC, f32 *Hprev) {
  pack_full(R, 4 * U, 1, 4 * U, U, RTp);
  rows = lstm_rows(rows, U);
  begin(JOB_LSTM_BWD, (B + rows - 1) / rows);
  int *a = job.i;
  a[0] = B; a[1] = T; a[2] = U; a[3] = (int)G; a[4] = (int)H; a[5] = (int)C; a[6] = (int)RTp; a[7] = ra; a[8] = act; a[9] = rows;
  a[10] = (int)dH; a[11] = (int)dC; a[12] = (int)Hprev;
  run();
}


/* ------------------------------------------------------------------ dispatch */

static void run_tile(const Job *j, int t, f32 *ws) {
  const int *a = j->i;
  switch (j->kind) {
    case JOB_GEMM:
      gemm_job_tile(j, t, ws);
      break;
    case JOB_IM2COL:
      im2col_row((const f32 *)a[0], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], (f32 *)a[15], t);
      break;
    case JOB_COL2IM:
      col2im_image((const f32 *)a[0], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14],
                   (f32 *)a[15], t);
      break;
    case JOB_MAXPOOL_GRAD:
      max_pool_grad_image((const f32 *)a[0], (const f32 *)a[1], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
                          a[12], a[13], a[14], a[15], (f32 *)a[16], t);
      break;
    case JOB_ADAM: {
      const int i0 = t * ADAM_CHUNK, i1 = i0 + ADAM_CHUNK < a[4] ? i0 + ADAM_CHUNK : a[4];
      const f32 *f = j->f;
      adam_range((f32 *)a[0], (f32 *)a[1], (f32 *)a[2], (const f32 *)a[3], i0, i1, f[0], f[1], f[2], f[3], f[4], f[5]);
      break;
    }
    case JOB_RELU_MASK: {
      const int i0 = t * ELEMS_PER_TILE, i1 = i0 + ELEMS_PER_TILE < a[3] ? i0 + ELEMS_PER_TILE : a[3];
      relu_mask_range((const f32 *)a[0], (const f32 *)a[1], (f32 *)a[2], i0, i1);
      break;
    }
    case JOB_MAXPOOL:
      max_pool_image((const f32 *)a[0], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], (f32 *)a[13], (int *)a[14], t);
      break;
    case JOB_SCATTER:
      scatter_image((const f32 *)a[0], (const int *)a[1], a[2], a[3], (f32 *)a[4], t);
      break;
    case JOB_LSTM_FWD:
      lstm_fwd_tile(a, t, ws);
      break;
    case JOB_LSTM_BWD:
      lstm_bwd_tile(a, t, ws);
      break;
    case JOB_ROW_SUM: {
      const int i0 = t * a[4], i1 = i0 + a[4] < a[1] ? i0 + a[4] : a[1];
      row_sum_range((const f32 *)a[0], a[2], (f32 *)a[3], i0, i1);
      break;
    }
    default:
      break;
  }
}
