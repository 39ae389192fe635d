/*
 * Native Poseidon over the BN254 scalar field (circomlib parameters, the "optimised" round structure of
 * circomlibjs's poseidon_opt.js), as a Node-API addon. It exists only for speed: building the liabilities
 * sum tree for 2^20 users takes ~3 million Poseidon calls, which poseidon-lite (BigInt) does in ~15
 * minutes and this does in seconds (AVX-512 IFMA hashes 8 inputs at once). The same field arithmetic
 * also serves Groth16's QAP evaluation (qap_abc), the one step of snarkjs's prover that runs in plain JS,
 * and, over BN254's base field q, the prover's multi-scalar multiplications on G1 and G2 (msm, Pippenger's
 * bucket method: about 4.8 times less CPU than ffjavascript's WebAssembly). The round constants are not in
 * this file: prover/native.ts passes circomlibjs's published constants in at load time, and the tests
 * check every output against poseidon-lite (core/hash.ts).
 *
 * Arithmetic: 4 x 64-bit little-endian limbs in Montgomery form (R = 2^256). Inside a permutation values
 * are kept "lazy", below 2p rather than p (4p < 2^256, so sums never carry out): multiplication is CIOS
 * without the final subtraction, in BMI2/ADX assembly (mulx with two carry chains, adcx and adox) when
 * the CPU has it, else in C with unsigned __int128. Dot products (the MDS mixes) scan all products of a
 * column at once with the Montgomery reduction folded in, so each output is reduced once.
 * Interface (field elements 32-byte big-endian and canonical < p, except qap's and msm's, which are
 * little-endian):
 *   setParams(t, roundsP, C, S, M, P)            constants for width t (inputs = t - 1)
 *   hash(nInputs, inputs, out, count, threads)    out[i] = Poseidon(inputs[i*nInputs .. +nInputs])
 *   sumLevel(children, out, count, threads)       48-byte records (hash 32 BE | sum 16 BE): parent i of
 *                                                 children 2i, 2i+1 = (Poseidon4(lh, ls, rh, rs), ls + rs)
 *   engine([wanted])                             the arithmetic in use (2 IFMA, 1 ADX, 0 C), optionally capped
 *   qap(coeffs, witness, outA, outB, outC, n)    Groth16's QAP evaluation for prover/groth16.ts (see qap_abc)
 *   msmG1(bases, scalars, out, n, threads)       out = sum_i scalars[i] bases[i] on G1, in ffjavascript's and the
 *                                                zkey's form: bases n affine points x|y of Montgomery elements
 *                                                of q (all zero: infinity), scalars standard form (any 256-bit
 *                                                value, taken modulo r), out affine like the bases (see msm)
 *   msmG2(bases, scalars, out, n, threads)       the same on G2: points x.c0|x.c1|y.c0|y.c1 (128 bytes)
 * Node-API is declared here rather than included so the addon builds with a bare C compiler (the
 * Node-API ABI is stable by design).
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

/* ---- Node-API declarations (ABI-stable subset) ---- */
typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status;
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);
extern napi_status napi_get_cb_info(napi_env, napi_callback_info, size_t *, napi_value *, napi_value *, void **);
extern napi_status napi_get_typedarray_info(napi_env, napi_value, int *, size_t *, void **, napi_value *, size_t *);
extern napi_status napi_get_value_uint32(napi_env, napi_value, uint32_t *);
extern napi_status napi_create_function(napi_env, const char *, size_t, napi_callback, void *, napi_value *);
extern napi_status napi_set_named_property(napi_env, napi_value, const char *, napi_value);
extern napi_status napi_throw_error(napi_env, const char *, const char *);
extern napi_status napi_get_undefined(napi_env, napi_value *);
#define NAPI_AUTO_LENGTH SIZE_MAX
#define NAPI_UINT8_ARRAY 1

/* ---- the field ---- */
typedef unsigned __int128 u128;
typedef struct { uint64_t v[4]; } fe;

static const uint64_t P_[4] = {0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL};
static uint64_t INV; /* -p^-1 mod 2^64 */
static fe R2;        /* 2^512 mod p */
/* BN254's base field q (the curve's coordinates; the multi-scalar multiplication below). */
static const uint64_t Q_[4] = {0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL};
static uint64_t QINV; /* -q^-1 mod 2^64 */
static fe QONE;       /* 2^256 mod q: one in Montgomery form */

/* a >= m and a -= m for a 4-limb modulus m (p here, the base field q for the curve code below). */
static inline int geq_m(const uint64_t *a, const uint64_t *m) {
  for (int i = 3; i >= 0; i--) {
    if (a[i] > m[i]) return 1;
    if (a[i] < m[i]) return 0;
  }
  return 1;
}
static inline void sub_m(uint64_t *a, const uint64_t *m) {
  u128 borrow = 0;
  for (int i = 0; i < 4; i++) {
    u128 d = (u128)a[i] - m[i] - borrow;
    a[i] = (uint64_t)d;
    borrow = (d >> 64) & 1;
  }
}
static inline int geq_p(const uint64_t *a) { return geq_m(a, P_); }
static inline void sub_p(uint64_t *a) { sub_m(a, P_); }
/* r = a + b mod m for a, b < m (m = p or q, both below 2^254: a + b < 2^255 never carries out). */
static inline void add_m(fe *r, const fe *a, const fe *b, const uint64_t *m) {
  u128 c = 0;
  for (int i = 0; i < 4; i++) {
    c += (u128)a->v[i] + b->v[i];
    r->v[i] = (uint64_t)c;
    c >>= 64;
  }
  if (geq_m(r->v, m)) sub_m(r->v, m);
}
static inline void fadd(fe *r, const fe *a, const fe *b) { add_m(r, a, b, P_); }
#define MADD(hi, lo, a, b, c, d) do { u128 _t = (u128)(a) * (b) + (c) + (d); lo = (uint64_t)_t; hi = (uint64_t)(_t >> 64); } while (0)
/* Lazy Montgomery multiplication: for x, y < 2p, r = x * y / 2^256 mod p, below 2p (the CIOS bound
 * (4p^2 + 2^256 p) / 2^256 < 2p holds because 4p < 2^256), with no final subtraction. CIOS, unrolled; the
 * "no-carry" variant is valid because p's top limb is below 2^62 (as gnark-crypto does for this field).
 * The modulus is a parameter (with inv = -mod^-1 mod 2^64): BN254's base field q has the same shape. */
static inline void mont_mul_c(fe *r, const fe *x, const fe *y, const uint64_t *mod, const uint64_t inv) {
  uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, A, C, m, lo;
  const uint64_t x0 = x->v[0], x1 = x->v[1], x2 = x->v[2], x3 = x->v[3];
#define ROUND(yi) \
  MADD(A, t0, yi, x0, t0, 0); \
  m = t0 * inv; \
  MADD(C, lo, m, mod[0], t0, 0); \
  MADD(A, t1, yi, x1, t1, A); \
  MADD(C, t0, m, mod[1], t1, C); \
  MADD(A, t2, yi, x2, t2, A); \
  MADD(C, t1, m, mod[2], t2, C); \
  MADD(A, t3, yi, x3, t3, A); \
  MADD(C, t2, m, mod[3], t3, C); \
  t3 = C + A;
  ROUND(y->v[0]) ROUND(y->v[1]) ROUND(y->v[2]) ROUND(y->v[3])
#undef ROUND
  (void)lo;
  r->v[0] = t0; r->v[1] = t1; r->v[2] = t2; r->v[3] = t3;
}
static inline void fmul_lazy_c(fe *r, const fe *x, const fe *y) { mont_mul_c(r, x, y, P_, INV); }
/* r = a * b / 2^256 mod p, fully reduced (for a, b < p). */
static inline void fmul(fe *r, const fe *x, const fe *y) {
  fmul_lazy_c(r, x, y);
  if (geq_p(r->v)) sub_p(r->v);
}
#if defined(__x86_64__)
/* The same with mulx and two independent carry chains (adox for the low halves, adcx for the high
 * halves). Round i adds x * y[i] into the 5-word accumulator, then m * p with m = t0 * -p^-1, which
 * clears t0; the words rotate through the registers instead of being moved. */
#define STEP_A(I, T0, T1, T2, T3, T4) \
  "movq " #I "(%[y]), %%rdx\n\t" \
  "xorl %%eax, %%eax\n\t" \
  "mulxq 0(%[x]), %[lo], %[hi]\n\t" \
  "adoxq %[lo], " T0 "\n\t" \
  "adcxq %[hi], " T1 "\n\t" \
  "mulxq 8(%[x]), %[lo], %[hi]\n\t" \
  "adoxq %[lo], " T1 "\n\t" \
  "adcxq %[hi], " T2 "\n\t" \
  "mulxq 16(%[x]), %[lo], %[hi]\n\t" \
  "adoxq %[lo], " T2 "\n\t" \
  "adcxq %[hi], " T3 "\n\t" \
  "mulxq 24(%[x]), %[lo], " T4 "\n\t" \
  "adoxq %[lo], " T3 "\n\t" \
  "adcxq %%rax, " T4 "\n\t" \
  "adoxq %%rax, " T4 "\n\t" \
  "movq " T0 ", %%rdx\n\t" \
  "imulq %[inv], %%rdx\n\t" \
  "xorl %%eax, %%eax\n\t" \
  "mulxq 0(%[p]), %[lo], %[hi]\n\t" \
  "adcxq " T0 ", %[lo]\n\t" \
  "adoxq %[hi], " T1 "\n\t" \
  "mulxq 8(%[p]), %[lo], %[hi]\n\t" \
  "adcxq %[lo], " T1 "\n\t" \
  "adoxq %[hi], " T2 "\n\t" \
  "mulxq 16(%[p]), %[lo], %[hi]\n\t" \
  "adcxq %[lo], " T2 "\n\t" \
  "adoxq %[hi], " T3 "\n\t" \
  "mulxq 24(%[p]), %[lo], %[hi]\n\t" \
  "adcxq %[lo], " T3 "\n\t" \
  "adoxq %[hi], " T4 "\n\t" \
  "adcxq %%rax, " T4 "\n\t"
static inline void mont_mul_adx(fe *r, const fe *x, const fe *y, const uint64_t *mod, const uint64_t inv) {
  uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, lo, hi;
  __asm__(
    STEP_A(0, "%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[a4]")
    STEP_A(8, "%[a1]", "%[a2]", "%[a3]", "%[a4]", "%[a0]")
    STEP_A(16, "%[a2]", "%[a3]", "%[a4]", "%[a0]", "%[a1]")
    STEP_A(24, "%[a3]", "%[a4]", "%[a0]", "%[a1]", "%[a2]")
    : [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2), [a3] "+&r"(a3), [a4] "+&r"(a4), [lo] "=&r"(lo), [hi] "=&r"(hi)
    : [x] "r"(x->v), [y] "r"(y->v), [p] "r"(mod), [inv] "r"(inv)
    : "rax", "rdx", "cc", "memory");
  r->v[0] = a4; r->v[1] = a0; r->v[2] = a1; r->v[3] = a2;
}
static int HAVE_ADX = 0; /* set by set_engine */
/* The lazy product modulo `mod` on the engine in use. */
static inline void mont_mul(fe *r, const fe *x, const fe *y, const uint64_t *mod, const uint64_t inv) {
  if (HAVE_ADX) mont_mul_adx(r, x, y, mod, inv);
  else mont_mul_c(r, x, y, mod, inv);
}
#else
static inline void mont_mul(fe *r, const fe *x, const fe *y, const uint64_t *mod, const uint64_t inv) { mont_mul_c(r, x, y, mod, inv); }
#endif
static inline void fmul_lazy(fe *r, const fe *x, const fe *y) { mont_mul(r, x, y, P_, INV); }
/* r = a + b for a, b < 2p, kept below 2p. */
static inline void fadd_lazy(fe *r, const fe *a, const fe *b) {
  static const uint64_t P2[4] = {0x87c3eb27e0000002ULL, 0x5067d090f372e122ULL, 0x70a08b6d0302b0baULL, 0x60c89ce5c2634053ULL};
  uint64_t s[4], d[4];
  u128 c = 0, borrow = 0;
  for (int i = 0; i < 4; i++) {
    c += (u128)a->v[i] + b->v[i];
    s[i] = (uint64_t)c;
    c >>= 64;
  }
  for (int i = 0; i < 4; i++) {
    u128 x = (u128)s[i] - P2[i] - borrow;
    d[i] = (uint64_t)x;
    borrow = (x >> 64) & 1;
  }
  const uint64_t keep = (uint64_t)0 - (uint64_t)borrow; /* all ones when s < 2p */
  for (int i = 0; i < 4; i++) r->v[i] = (s[i] & keep) | (d[i] & ~keep);
}
static inline void pow5(fe *a) { /* lazy in, lazy out */
  fe s;
  fmul_lazy(&s, a, a);
  fmul_lazy(&s, &s, &s);
  fmul_lazy(a, a, &s);
}
static void from_be(fe *r, const uint8_t *b) { /* canonical big-endian -> plain limbs */
  for (int i = 0; i < 4; i++) {
    uint64_t w = 0;
    for (int k = 0; k < 8; k++) w = (w << 8) | b[(3 - i) * 8 + k];
    r->v[i] = w;
  }
}
static void to_be(uint8_t *b, const fe *a) {
  for (int i = 0; i < 4; i++) {
    uint64_t w = a->v[i];
    for (int k = 7; k >= 0; k--) { b[(3 - i) * 8 + k] = (uint8_t)w; w >>= 8; }
  }
}
static inline void to_mont(fe *r, const fe *a) { fmul(r, a, &R2); }
static inline void from_mont(fe *r, const fe *a) { /* a / 2^256 mod p, fully reduced */
  static const fe plain_one = {{1, 0, 0, 0}};
  fmul(r, a, &plain_one);
}
static uint64_t neg_inv64(uint64_t m0) { /* -m0^-1 mod 2^64 (m0 odd), by Newton's iteration */
  uint64_t inv = 1;
  for (int i = 0; i < 6; i++) inv *= 2 - m0 * inv;
  return (uint64_t)0 - inv;
}
static void field_init(void) {
  INV = neg_inv64(P_[0]);
  fe x = {{1, 0, 0, 0}}; /* 2^512 mod p by doubling */
  for (int i = 0; i < 512; i++) fadd(&x, &x, &x);
  R2 = x;
  QINV = neg_inv64(Q_[0]);
  fe y = {{1, 0, 0, 0}}; /* 2^256 mod q */
  for (int i = 0; i < 256; i++) add_m(&y, &y, &y, Q_);
  QONE = y;
}


/* out = sum_j a[j*sa] * b[j] / 2^256 mod p, fully reduced, for constants a < p and lazy b < 2p.
 * Product scanning over every term at once with the Montgomery reduction folded in: column k sums all
 * a_j[i] * b_j[k-i] and m[i] * p[k-i] in a 3-word accumulator (at most 40 products of 128 bits).
 * With n <= 9 terms the sum is below 18 p^2, so the result (sum + m p) / 2^256 < 4.4 p fits 4 words. */
#define ACC(u, v) do { u128 _p = (u128)(u) * (v); acc += _p; ov += (acc < _p); } while (0)
#define SHIFT() do { acc = (acc >> 64) | ((u128)ov << 64); ov = 0; } while (0)
static inline __attribute__((always_inline)) void dot(fe *out, const fe *a, int sa, const fe *b, int n) {
  u128 acc = 0; uint64_t ov = 0, m[4], r[4];
  for (int k = 0; k < 8; k++) {
    const int lo = k > 3 ? k - 3 : 0, hi = k < 3 ? k : 3;
    for (int j = 0; j < n; j++) {
      const uint64_t *x = a[j * sa].v, *y = b[j].v;
      for (int i = lo; i <= hi; i++) ACC(x[i], y[k - i]);
    }
    for (int i = lo; i < (k < 4 ? k : 4); i++) ACC(m[i], P_[k - i]);
    if (k < 4) {
      m[k] = (uint64_t)acc * INV;
      ACC(m[k], P_[0]);
    } else {
      r[k - 4] = (uint64_t)acc;
    }
    SHIFT();
  }
  memcpy(out->v, r, 32); /* the accumulator is now 0: the result is below 2^256 */
  while (geq_p(out->v)) sub_p(out->v);
}
/* ---- Poseidon ---- */
#define MAX_T 9 /* widths up to 9 (8 inputs): the bounds of dot() and vdot() assume at most 9 terms */
#define ROUNDS_F 8
typedef struct {
  int ready, t, roundsP;
  fe *C, *S, *M, *P; /* Montgomery form; M and P are t x t, row-major as in circomlibjs (M[j][i]) */
} params_t;
static params_t PARAMS[MAX_T + 1];
static pthread_mutex_t PARAMS_LOCK = PTHREAD_MUTEX_INITIALIZER;
static int FIELD_READY = 0;

static inline __attribute__((always_inline)) void mix(fe *state, const fe *m, const int t) { /* state[i] = sum_j m[j][i] * state[j] */
  fe out[MAX_T];
  for (int i = 0; i < t; i++) dot(&out[i], &m[i], t, state, t);
  memcpy(state, out, sizeof(fe) * t);
}

static inline __attribute__((always_inline)) void poseidon_w(const params_t *pp, const fe *inputs, fe *out, const int t) {
  const int half = ROUNDS_F / 2;
  fe st[MAX_T];
  memset(&st[0], 0, sizeof(fe));
  for (int i = 1; i < t; i++) to_mont(&st[i], &inputs[i - 1]);
  for (int i = 0; i < t; i++) fadd_lazy(&st[i], &st[i], &pp->C[i]);
  for (int r = 0; r < half - 1; r++) {
    for (int i = 0; i < t; i++) { pow5(&st[i]); fadd_lazy(&st[i], &st[i], &pp->C[(r + 1) * t + i]); }
    mix(st, pp->M, t);
  }
  for (int i = 0; i < t; i++) { pow5(&st[i]); fadd_lazy(&st[i], &st[i], &pp->C[half * t + i]); }
  mix(st, pp->P, t);
  for (int r = 0; r < pp->roundsP; r++) {
    pow5(&st[0]);
    fadd_lazy(&st[0], &st[0], &pp->C[(half + 1) * t + r]);
    const fe *s = &pp->S[(2 * t - 1) * r];
    fe s0;
    dot(&s0, s, 1, st, t);
    for (int k = 1; k < t; k++) {
      fe p;
      fmul_lazy(&p, &st[0], &s[t + k - 1]);
      fadd_lazy(&st[k], &st[k], &p);
    }
    st[0] = s0;
  }
  for (int r = 0; r < half - 1; r++) {
    for (int i = 0; i < t; i++) { pow5(&st[i]); fadd_lazy(&st[i], &st[i], &pp->C[(half + 1) * t + pp->roundsP + r * t + i]); }
    mix(st, pp->M, t);
  }
  for (int i = 0; i < t; i++) pow5(&st[i]);
  fe o; /* last mix: only state[0] is output */
  dot(&o, &pp->M[0], t, st, t);
  from_mont(out, &o);
}

/* Width-specialised copies (constant t lets the compiler unroll the dot products). */
static void poseidon(const params_t *pp, const fe *inputs, fe *out) {
  switch (pp->t) {
    case 4: poseidon_w(pp, inputs, out, 4); break;
    case 5: poseidon_w(pp, inputs, out, 5); break;
    case 9: poseidon_w(pp, inputs, out, 9); break;
    default: poseidon_w(pp, inputs, out, pp->t); break;
  }
}

/* ---- 8 hashes at once with AVX-512 IFMA ----
 * Each vector lane holds one hash's value, in 5 limbs of 52 bits (radix 2^52), Montgomery form with
 * R = 2^260. vpmadd52luq / vpmadd52huq add the low / high 52 bits of a 52 x 52-bit product to a 64-bit
 * accumulator, so products accumulate without carries and are normalised once per multiplication.
 * Bounds: a Montgomery product of x, y < 2^260 is below p + x y / 2^260, and p / 2^260 < 1/84, so values
 * stay far below 2^260 (about 84 p) without any conditional subtraction; see vpartial below for the
 * one place that sums many terms. Inputs to a product must be normalised (every limb below 2^52). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define VTARGET __attribute__((target("avx512f,avx512ifma"), always_inline)) static inline
#define MASK52 0xfffffffffffffULL
typedef struct { __m512i l[5]; } vfe;
typedef struct { uint64_t l[5]; } fe52; /* one constant, radix 2^52, Montgomery (R = 2^260) */
static fe52 P52, R2_52, ONE52; /* p; 2^520 mod p (enters the Montgomery form); 2^260 mod p (one) */
static uint64_t PINV52;  /* -p^-1 mod 2^52 */

static void to52(fe52 *r, const fe *a) { /* 4 x 64 -> 5 x 52 (a < 2^256 fits 2^260) */
  r->l[0] = a->v[0] & MASK52;
  r->l[1] = ((a->v[0] >> 52) | (a->v[1] << 12)) & MASK52;
  r->l[2] = ((a->v[1] >> 40) | (a->v[2] << 24)) & MASK52;
  r->l[3] = ((a->v[2] >> 28) | (a->v[3] << 36)) & MASK52;
  r->l[4] = a->v[3] >> 16;
}
static void from52(fe *r, const uint64_t l[5]) { /* normalised limbs of a value below 2^256 */
  r->v[0] = l[0] | (l[1] << 52);
  r->v[1] = (l[1] >> 12) | (l[2] << 40);
  r->v[2] = (l[2] >> 24) | (l[3] << 28);
  r->v[3] = (l[3] >> 36) | (l[4] << 16);
}

VTARGET __m512i bc(uint64_t x) { return _mm512_set1_epi64((long long)x); }
VTARGET void vnorm(vfe *a) { /* carry every limb into the next */
  const __m512i m = bc(MASK52);
  for (int i = 0; i < 4; i++) {
    a->l[i + 1] = _mm512_add_epi64(a->l[i + 1], _mm512_srli_epi64(a->l[i], 52));
    a->l[i] = _mm512_and_si512(a->l[i], m);
  }
}
/* Montgomery reduction of a 10-limb accumulator: r = acc / 2^260 mod p (not fully reduced), normalised. */
VTARGET void vredc(vfe *r, __m512i acc[10]) {
  const __m512i z = _mm512_setzero_si512(), pinv = bc(PINV52);
  for (int i = 0; i < 5; i++) {
    const __m512i m = _mm512_madd52lo_epu64(z, acc[i], pinv);
    for (int k = 0; k < 5; k++) {
      const __m512i pk = bc(P52.l[k]);
      acc[i + k] = _mm512_madd52lo_epu64(acc[i + k], m, pk);
      acc[i + k + 1] = _mm512_madd52hi_epu64(acc[i + k + 1], m, pk);
    }
    acc[i + 1] = _mm512_add_epi64(acc[i + 1], _mm512_srli_epi64(acc[i], 52));
  }
  for (int i = 0; i < 5; i++) r->l[i] = acc[5 + i];
  vnorm(r);
}
VTARGET void vmul(vfe *r, const vfe *a, const vfe *b) {
  __m512i acc[10];
  for (int i = 0; i < 10; i++) acc[i] = _mm512_setzero_si512();
  for (int i = 0; i < 5; i++)
    for (int k = 0; k < 5; k++) {
      acc[i + k] = _mm512_madd52lo_epu64(acc[i + k], a->l[k], b->l[i]);
      acc[i + k + 1] = _mm512_madd52hi_epu64(acc[i + k + 1], a->l[k], b->l[i]);
    }
  vredc(r, acc);
}
VTARGET void vmulc(vfe *r, const vfe *a, const fe52 *c) { /* by a constant, broadcast to every lane */
  __m512i acc[10];
  for (int i = 0; i < 10; i++) acc[i] = _mm512_setzero_si512();
  for (int i = 0; i < 5; i++) {
    const __m512i ci = bc(c->l[i]);
    for (int k = 0; k < 5; k++) {
      acc[i + k] = _mm512_madd52lo_epu64(acc[i + k], a->l[k], ci);
      acc[i + k + 1] = _mm512_madd52hi_epu64(acc[i + k + 1], a->l[k], ci);
    }
  }
  vredc(r, acc);
}
/* r = sum_j c[j * sc] * b[j]: all products accumulate (at most 9 x 10 terms of 52 bits per limb), one reduction. */
VTARGET void vdot(vfe *r, const fe52 *c, int sc, const vfe *b, int n) {
  __m512i acc[10];
  for (int i = 0; i < 10; i++) acc[i] = _mm512_setzero_si512();
  for (int j = 0; j < n; j++)
    for (int i = 0; i < 5; i++) {
      const __m512i ci = bc(c[j * sc].l[i]);
      for (int k = 0; k < 5; k++) {
        acc[i + k] = _mm512_madd52lo_epu64(acc[i + k], b[j].l[k], ci);
        acc[i + k + 1] = _mm512_madd52hi_epu64(acc[i + k + 1], b[j].l[k], ci);
      }
    }
  vredc(r, acc);
}
VTARGET void vaddc(vfe *a, const fe52 *c) {
  for (int i = 0; i < 5; i++) a->l[i] = _mm512_add_epi64(a->l[i], bc(c->l[i]));
  vnorm(a);
}
VTARGET void vadd(vfe *a, const vfe *b) {
  for (int i = 0; i < 5; i++) a->l[i] = _mm512_add_epi64(a->l[i], b->l[i]);
  vnorm(a);
}
VTARGET void vpow5(vfe *a) {
  vfe s;
  vmul(&s, a, a);
  vmul(&s, &s, &s);
  vmul(a, a, &s);
}

typedef struct {
  fe52 *C, *S, *M, *P;
} params52_t;
static params52_t PARAMS52[MAX_T + 1];

/* The permutation of poseidon_w on 8 lanes (same round structure, same constants in radix 2^52).
 * Bounds (in units of p, "< x" for every lane): mixes and products of values < 9 p come out < 2;
 * adding a round constant keeps them < 3. In the partial rounds state[k] (k >= 1) gains a product
 * < 1.04 per round, so it is refreshed (multiplied by the Montgomery one) every 16 rounds: it stays
 * < 19, the dot product's sum stays < 9 * 19 p^2, and its result < 1 + 171/84 < 4. */
VTARGET void vposeidon_w(const params_t *pp, const params52_t *q, const vfe *inputs, vfe *out, const int t) {
  const int half = ROUNDS_F / 2;
  vfe st[MAX_T], tmp[MAX_T];
  for (int i = 0; i < 5; i++) st[0].l[i] = _mm512_setzero_si512();
  for (int i = 1; i < t; i++) vmulc(&st[i], &inputs[i - 1], &R2_52);
  for (int i = 0; i < t; i++) vaddc(&st[i], &q->C[i]);
  for (int r = 0; r < half; r++) {
    const fe52 *m = r < half - 1 ? q->M : q->P;
    for (int i = 0; i < t; i++) { vpow5(&st[i]); vaddc(&st[i], &q->C[(r + 1) * t + i]); }
    for (int i = 0; i < t; i++) vdot(&tmp[i], &m[i], t, st, t);
    memcpy(st, tmp, sizeof(vfe) * t);
  }
  for (int r = 0; r < pp->roundsP; r++) {
    vpow5(&st[0]);
    vaddc(&st[0], &q->C[(half + 1) * t + r]);
    const fe52 *s = &q->S[(2 * t - 1) * r];
    vfe s0;
    vdot(&s0, s, 1, st, t);
    for (int k = 1; k < t; k++) {
      vfe p;
      vmulc(&p, &st[0], &s[t + k - 1]);
      vadd(&st[k], &p);
      if ((r & 15) == 15) vmulc(&st[k], &st[k], &ONE52);
    }
    st[0] = s0;
  }
  for (int r = 0; r < half; r++) {
    for (int i = 0; i < t; i++) {
      vpow5(&st[i]);
      if (r < half - 1) vaddc(&st[i], &q->C[(half + 1) * t + pp->roundsP + r * t + i]);
    }
    if (r < half - 1) {
      for (int i = 0; i < t; i++) vdot(&tmp[i], &q->M[i], t, st, t);
      memcpy(st, tmp, sizeof(vfe) * t);
    }
  }
  vfe o;
  vdot(&o, &q->M[0], t, st, t);
  static const fe52 PLAIN_ONE = {{1, 0, 0, 0, 0}};
  vmulc(out, &o, &PLAIN_ONE); /* out of the Montgomery form: below p + 1, reduced by the caller */
}

__attribute__((target("avx512f,avx512ifma"))) static void vposeidon_lanes(const params_t *pp, const fe in[8][MAX_T], fe out[8], int lanes) {
  const int t = pp->t;
  const params52_t *q = &PARAMS52[t];
  vfe vin[MAX_T], vout;
  for (int i = 0; i < t - 1; i++) {
    uint64_t limbs[5][8] __attribute__((aligned(64)));
    for (int L = 0; L < 8; L++) {
      fe52 x = {{0, 0, 0, 0, 0}}; /* unused lanes hash zeros */
      if (L < lanes) to52(&x, &in[L][i]);
      for (int k = 0; k < 5; k++) limbs[k][L] = x.l[k];
    }
    for (int k = 0; k < 5; k++) vin[i].l[k] = _mm512_load_si512(limbs[k]);
  }
  switch (t) {
    case 4: vposeidon_w(pp, q, vin, &vout, 4); break;
    case 5: vposeidon_w(pp, q, vin, &vout, 5); break;
    case 9: vposeidon_w(pp, q, vin, &vout, 9); break;
    default: vposeidon_w(pp, q, vin, &vout, t); break;
  }
  uint64_t limbs[5][8] __attribute__((aligned(64)));
  for (int k = 0; k < 5; k++) _mm512_store_si512(limbs[k], vout.l[k]);
  for (int L = 0; L < lanes; L++) {
    const uint64_t l[5] = {limbs[0][L], limbs[1][L], limbs[2][L], limbs[3][L], limbs[4][L]};
    from52(&out[L], l);
    while (geq_p(out[L].v)) sub_p(out[L].v);
  }
}
/* Radix-2^52 copies of a width's constants (Montgomery form with R = 2^260). */
static void params52_init(int t, const params_t *pp) {
  params52_t *q = &PARAMS52[t];
  const fe *src[4] = {pp->C, pp->S, pp->M, pp->P};
  const size_t n[4] = {(size_t)(ROUNDS_F * t + pp->roundsP), (size_t)((2 * t - 1) * pp->roundsP), (size_t)t * t, (size_t)t * t};
  fe52 **dst[4] = {&q->C, &q->S, &q->M, &q->P};
  fe one260;
  from52(&one260, ONE52.l);
  for (int a = 0; a < 4; a++) {
    *dst[a] = (fe52 *)malloc(sizeof(fe52) * n[a]);
    for (size_t k = 0; k < n[a]; k++) {
      fe x;
      fmul(&x, &src[a][k], &one260); /* c 2^256 -> c 2^260 */
      to52(&(*dst[a])[k], &x);
    }
  }
}
static void field52_init(void) {
  fe x = {{1, 0, 0, 0}};
  for (int i = 1; i <= 520; i++) {
    fadd(&x, &x, &x);
    if (i == 260) to52(&ONE52, &x);
  }
  to52(&R2_52, &x);
  const fe p = {{P_[0], P_[1], P_[2], P_[3]}};
  to52(&P52, &p);
  PINV52 = INV & MASK52;
}
#define HAVE_IFMA_CODE 1
#endif

/* ---- batches, split over threads ---- */
typedef struct {
  int kind; /* 0 = hash, 1 = sumLevel */
  const params_t *pp;
  int nInputs;
  const uint8_t *in;
  uint8_t *out;
  size_t from, to;
} job_t;

/* The engine in use: 2 = AVX-512 IFMA (8 hashes at once), 1 = BMI2/ADX scalar, 0 = portable C. */
static int ENGINE = 0, BEST_ENGINE = 0;
static void set_engine(int e) {
  ENGINE = e < BEST_ENGINE ? (e < 0 ? 0 : e) : BEST_ENGINE;
#if defined(__x86_64__)
  HAVE_ADX = ENGINE >= 1;
#endif
}
static void engine_init(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("adx") && __builtin_cpu_supports("bmi2")) BEST_ENGINE = 1;
#ifdef HAVE_IFMA_CODE
  if (BEST_ENGINE == 1 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512ifma")) BEST_ENGINE = 2;
  field52_init();
#endif
#endif
  set_engine(BEST_ENGINE);
}

/* Up to 8 hashes of one width, on the engine in use. */
static void hash_lanes(const params_t *pp, const fe in[8][MAX_T], fe out[8], int lanes) {
#ifdef HAVE_IFMA_CODE
  if (ENGINE == 2) {
    vposeidon_lanes(pp, in, out, lanes);
    return;
  }
#endif
  for (int L = 0; L < lanes; L++) poseidon(pp, in[L], &out[L]);
}

static void *run_job(void *arg) {
  job_t *j = (job_t *)arg;
  for (size_t k0 = j->from; k0 < j->to; k0 += 8) {
    const int lanes = j->to - k0 < 8 ? (int)(j->to - k0) : 8;
    fe in[8][MAX_T], o[8];
    for (int L = 0; L < lanes; L++) {
      const size_t k = k0 + L;
      if (j->kind == 0) {
        for (int i = 0; i < j->nInputs; i++) from_be(&in[L][i], j->in + (k * j->nInputs + i) * 32);
      } else {
        const uint8_t *l = j->in + (2 * k) * 48, *r = l + 48;
        uint8_t buf[32] = {0};
        from_be(&in[L][0], l);
        memcpy(buf + 16, l + 32, 16); from_be(&in[L][1], buf);
        from_be(&in[L][2], r);
        memcpy(buf + 16, r + 32, 16); from_be(&in[L][3], buf);
      }
    }
    hash_lanes(j->pp, (const fe(*)[MAX_T])in, o, lanes);
    for (int L = 0; L < lanes; L++) {
      const size_t k = k0 + L;
      if (j->kind == 0) {
        to_be(j->out + k * 32, &o[L]);
        continue;
      }
      const uint8_t *l = j->in + (2 * k) * 48, *r = l + 48;
      uint8_t *dst = j->out + k * 48;
      to_be(dst, &o[L]);
      unsigned carry = 0; /* 128-bit big-endian sum */
      for (int b = 15; b >= 0; b--) {
        unsigned sum = (unsigned)l[32 + b] + r[32 + b] + carry;
        dst[32 + b] = (uint8_t)sum;
        carry = sum >> 8;
      }
    }
  }
  return NULL;
}

static void run_batch(job_t base, size_t count, unsigned threads) {
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  if (count < 64) threads = 1;
  pthread_t tid[64];
  job_t jobs[64];
  int started[64] = {0};
  size_t per = (count + threads - 1) / threads;
  for (unsigned i = 0; i < threads; i++) {
    jobs[i] = base;
    jobs[i].from = i * per < count ? i * per : count;
    jobs[i].to = (i + 1) * per < count ? (i + 1) * per : count;
    if (i > 0 && pthread_create(&tid[i], NULL, run_job, &jobs[i]) == 0) started[i] = 1;
  }
  run_job(&jobs[0]);
  for (unsigned i = 1; i < threads; i++) {
    if (started[i]) pthread_join(tid[i], NULL);
    else run_job(&jobs[i]); /* no thread could be started: do its share here */
  }
}


/* ---- Groth16 QAP evaluation (prover/groth16.ts) ----
 * The loop snarkjs runs in JavaScript before its FFTs: for every coefficient (m, c, s, v) of the proving
 * key's section 4, out_m[c] += v * w[s] (Montgomery product, as ffjavascript's Fr.mul), then
 * out_C[i] = out_A[i] * out_B[i]. Field elements are 32-byte little-endian, canonical (< p). */
static void from_le(fe *r, const uint8_t *b) {
  for (int i = 0; i < 4; i++) {
    uint64_t w = 0;
    for (int k = 7; k >= 0; k--) w = (w << 8) | b[i * 8 + k];
    r->v[i] = w;
  }
}
static void to_le(uint8_t *b, const fe *a) {
  for (int i = 0; i < 4; i++) {
    uint64_t w = a->v[i];
    for (int k = 0; k < 8; k++) { b[i * 8 + k] = (uint8_t)w; w >>= 8; }
  }
}
static uint32_t u32le(const uint8_t *b) { return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24); }
static int fe_canonical(const fe *a) { return !geq_p(a->v); }
/* Returns 0, or a message. */
static const char *qap_abc(const uint8_t *coeffs, size_t coeffsLen, const uint8_t *witness, size_t nWitness, uint8_t *outA, uint8_t *outB,
                           uint8_t *outC, size_t domainSize) {
  if (coeffsLen < 4) return "qap: coefficient section too short";
  const size_t n = u32le(coeffs);
  if (coeffsLen < 4 + n * 44) return "qap: coefficient section shorter than its count";
  fe *acc[2];
  acc[0] = (fe *)calloc(domainSize, sizeof(fe));
  acc[1] = (fe *)calloc(domainSize, sizeof(fe));
  if (!acc[0] || !acc[1]) { free(acc[0]); free(acc[1]); return "qap: out of memory"; }
  const char *err = 0;
  for (size_t i = 0; i < n && !err; i++) {
    const uint8_t *e = coeffs + 4 + i * 44;
    const uint32_t m = u32le(e), c = u32le(e + 4), s = u32le(e + 8);
    if (m > 1 || c >= domainSize || s >= nWitness) { err = "qap: coefficient out of range (proving key does not match)"; break; }
    fe v, w, prod;
    from_le(&v, e + 12);
    from_le(&w, witness + (size_t)s * 32);
    if (!fe_canonical(&v) || !fe_canonical(&w)) { err = "qap: value not below the field modulus"; break; }
    fmul(&prod, &v, &w);
    fadd(&acc[m][c], &acc[m][c], &prod);
  }
  if (!err) {
    for (size_t i = 0; i < domainSize; i++) {
      fe c;
      fmul(&c, &acc[0][i], &acc[1][i]);
      to_le(outA + i * 32, &acc[0][i]);
      to_le(outB + i * 32, &acc[1][i]);
      to_le(outC + i * 32, &c);
    }
  }
  free(acc[0]);
  free(acc[1]);
  return err;
}

/* ---- BN254 multi-scalar multiplication (prover/groth16.ts) ----
 * sum_i s_i P_i over n affine points of G1 (coordinates in Fq) or G2 (in Fq2 = Fq[u]/(u^2 + 1)), in
 * ffjavascript's formats: coordinates 32-byte little-endian Montgomery (R = 2^256), a point x|y (G2:
 * x.c0|x.c1|y.c0|y.c1), all zero for the point at infinity; scalars 32-byte little-endian, standard form.
 * Pippenger's bucket method with signed window digits: each scalar is cut into windows of c bits, with
 * digits in [-2^(c-1), 2^(c-1)] (a digit above 2^(c-1) becomes digit - 2^c and carries one into the next
 * window), so a window has 2^(c-1) buckets and a negative digit adds the negated point. Per window the
 * points go into their buckets and each bucket is summed in affine coordinates, pairwise with one batched
 * inversion per round (msm_window); then sum_k k B_k is formed with two running sums, and the window sums
 * are combined by doubling. Windows are shared among the threads (each takes the next one not yet done).
 * Outside the buckets points are in XYZZ coordinates (x = X/ZZ, y = Y/ZZZ, ZZ^3 = ZZZ^2; infinity is
 * ZZ = 0), with the formulas of the Explicit-Formulas Database for a = 0 (madd-2008-s, add-2008-s,
 * dbl-2008-s-1). Every addition has explicit branches for P + P (doubling) and P + (-P) (infinity).
 * Field elements are kept fully reduced (< q).
 * Scalars are taken modulo the group order r (ffjavascript multiplies by the raw 256-bit integer, which is
 * the same for points of the group). Bases are not checked to be on the curve. */
#define AI __attribute__((always_inline)) static inline
#define DEG_MAX 2 /* coordinates of deg field elements: 1 for G1, 2 for G2 */

static inline void qsub(fe *r, const fe *a, const fe *b) {
  u128 borrow = 0;
  uint64_t d[4];
  for (int i = 0; i < 4; i++) {
    u128 x = (u128)a->v[i] - b->v[i] - borrow;
    d[i] = (uint64_t)x;
    borrow = (x >> 64) & 1;
  }
  if (borrow) {
    u128 c = 0;
    for (int i = 0; i < 4; i++) {
      c += (u128)d[i] + Q_[i];
      d[i] = (uint64_t)c;
      c >>= 64;
    }
  }
  memcpy(r->v, d, 32);
}
static inline void qmul(fe *r, const fe *a, const fe *b) {
  mont_mul(r, a, b, Q_, QINV);
  if (geq_m(r->v, Q_)) sub_m(r->v, Q_);
}
static inline int fe_zero(const fe *a) { return (a->v[0] | a->v[1] | a->v[2] | a->v[3]) == 0; }
static void qinv(fe *r, const fe *a) { /* a^(q-2), Montgomery in and out; 0 for 0 */
  fe acc = QONE, base = *a;
  uint64_t e[4];
  memcpy(e, Q_, 32);
  e[0] -= 2; /* q is odd and q[0] > 2: no borrow */
  for (int i = 0; i < 256; i++) {
    if ((e[i >> 6] >> (i & 63)) & 1) qmul(&acc, &acc, &base);
    qmul(&base, &base, &base);
  }
  *r = acc;
}

/* Elements of Fq (deg 1) or Fq2 (deg 2, c0 + c1 u with u^2 = -1), as deg consecutive fe. */
AI int x_zero(const fe *a, const int deg) { return fe_zero(&a[0]) && (deg == 1 || fe_zero(&a[1])); }
AI void x_add(fe *r, const fe *a, const fe *b, const int deg) { for (int k = 0; k < deg; k++) add_m(&r[k], &a[k], &b[k], Q_); }
AI void x_sub(fe *r, const fe *a, const fe *b, const int deg) { for (int k = 0; k < deg; k++) qsub(&r[k], &a[k], &b[k]); }
AI void x_neg(fe *r, const fe *a, const int deg) {
  static const fe zero = {{0, 0, 0, 0}};
  for (int k = 0; k < deg; k++) qsub(&r[k], &zero, &a[k]);
}
AI void x_mul(fe *r, const fe *a, const fe *b, const int deg) {
  if (deg == 1) { qmul(r, a, b); return; }
  fe v0, v1, sa, sb, t; /* Karatsuba: every read of a and b happens before r is written */
  qmul(&v0, &a[0], &b[0]);
  qmul(&v1, &a[1], &b[1]);
  add_m(&sa, &a[0], &a[1], Q_);
  add_m(&sb, &b[0], &b[1], Q_);
  qmul(&t, &sa, &sb);
  qsub(&r[0], &v0, &v1);
  qsub(&t, &t, &v0);
  qsub(&r[1], &t, &v1);
}
AI void x_sqr(fe *r, const fe *a, const int deg) {
  if (deg == 1) { qmul(r, a, a); return; }
  fe s, d, m; /* (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u */
  add_m(&s, &a[0], &a[1], Q_);
  qsub(&d, &a[0], &a[1]);
  qmul(&m, &a[0], &a[1]);
  qmul(&r[0], &s, &d);
  add_m(&r[1], &m, &m, Q_);
}
AI void x_inv(fe *r, const fe *a, const int deg) {
  if (deg == 1) { qinv(r, a); return; }
  fe n, t; /* 1 / (a0 + a1 u) = (a0 - a1 u) / (a0^2 + a1^2) */
  qmul(&n, &a[0], &a[0]);
  qmul(&t, &a[1], &a[1]);
  add_m(&n, &n, &t, Q_);
  qinv(&n, &n);
  qmul(&r[0], &a[0], &n);
  qmul(&t, &a[1], &n);
  x_neg(&r[1], &t, 1);
}
AI void x_one(fe *r, const int deg) {
  r[0] = QONE;
  if (deg == 2) memset(&r[1], 0, sizeof(fe));
}

/* XYZZ points: X, Y, ZZ, ZZZ, deg fe each. */
#define PX(p) (p)
#define PY(p) ((p) + deg)
#define PZZ(p) ((p) + 2 * deg)
#define PZZZ(p) ((p) + 3 * deg)
AI int pt_inf(const fe *p, const int deg) { return x_zero(PZZ(p), deg); }
AI void pt_set_inf(fe *p, const int deg) { memset(p, 0, sizeof(fe) * 4 * deg); }
/* p = (x, y) affine. */
AI void pt_set_affine(fe *p, const fe *x, const fe *y, const int deg) {
  memcpy(PX(p), x, sizeof(fe) * deg);
  memcpy(PY(p), y, sizeof(fe) * deg);
  x_one(PZZ(p), deg);
  x_one(PZZZ(p), deg);
}
/* p = 2p (dbl-2008-s-1, a = 0). Infinity stays infinity (ZZ = 0); y = 0 does not occur in these groups. */
AI void pt_dbl(fe *p, const int deg) {
  fe u[DEG_MAX], v[DEG_MAX], w[DEG_MAX], s[DEG_MAX], m[DEG_MAX], t[DEG_MAX];
  x_add(u, PY(p), PY(p), deg);
  x_sqr(v, u, deg);
  x_mul(w, u, v, deg);
  x_mul(s, PX(p), v, deg);
  x_sqr(t, PX(p), deg);
  x_add(m, t, t, deg);
  x_add(m, m, t, deg);
  x_sqr(t, m, deg); /* X3 = M^2 - 2S */
  x_sub(t, t, s, deg);
  x_sub(t, t, s, deg);
  x_sub(s, s, t, deg); /* Y3 = M (S - X3) - W Y1 */
  x_mul(s, m, s, deg);
  x_mul(u, w, PY(p), deg);
  x_sub(PY(p), s, u, deg);
  memcpy(PX(p), t, sizeof(fe) * deg);
  x_mul(PZZ(p), PZZ(p), v, deg);
  x_mul(PZZZ(p), PZZZ(p), w, deg);
}
/* The end of both additions: from P = U2 - U1 != 0, R = S2 - S1, U1 and S1, X3 and Y3 into p, and
 * ZZ3 = ZZ1 PP, ZZZ3 = ZZZ1 PPP (the caller multiplies in ZZ2 and ZZZ2 when q is not affine). */
AI void pt_add_tail(fe *p, const fe *P, const fe *R, const fe *u1, const fe *s1, const int deg) {
  fe pp[DEG_MAX], ppp[DEG_MAX], q[DEG_MAX], t[DEG_MAX];
  x_sqr(pp, P, deg);
  x_mul(ppp, P, pp, deg);
  x_mul(q, u1, pp, deg);
  x_sqr(t, R, deg); /* X3 = R^2 - PPP - 2Q */
  x_sub(t, t, ppp, deg);
  x_sub(t, t, q, deg);
  x_sub(t, t, q, deg);
  x_sub(q, q, t, deg); /* Y3 = R (Q - X3) - S1 PPP */
  x_mul(q, R, q, deg);
  memcpy(PX(p), t, sizeof(fe) * deg);
  x_mul(t, s1, ppp, deg);
  x_sub(PY(p), q, t, deg);
  x_mul(PZZ(p), PZZ(p), pp, deg);
  x_mul(PZZZ(p), PZZZ(p), ppp, deg);
}
/* p += (x, y) affine, not infinity (madd-2008-s). */
AI void pt_madd(fe *p, const fe *x, const fe *y, const int deg) {
  if (pt_inf(p, deg)) { pt_set_affine(p, x, y, deg); return; }
  fe u2[DEG_MAX], s2[DEG_MAX], P[DEG_MAX], R[DEG_MAX], u1[DEG_MAX], s1[DEG_MAX];
  x_mul(u2, x, PZZ(p), deg);
  x_mul(s2, y, PZZZ(p), deg);
  x_sub(P, u2, PX(p), deg);
  x_sub(R, s2, PY(p), deg);
  if (x_zero(P, deg)) { /* same x: p = (x, y) doubles, p = (x, -y) cancels */
    if (x_zero(R, deg)) pt_dbl(p, deg);
    else pt_set_inf(p, deg);
    return;
  }
  memcpy(u1, PX(p), sizeof(fe) * deg);
  memcpy(s1, PY(p), sizeof(fe) * deg);
  pt_add_tail(p, P, R, u1, s1, deg);
}
/* p += q, both XYZZ (add-2008-s). */
AI void pt_add(fe *p, const fe *q, const int deg) {
  if (pt_inf(q, deg)) return;
  if (pt_inf(p, deg)) { memcpy(p, q, sizeof(fe) * 4 * deg); return; }
  fe u1[DEG_MAX], u2[DEG_MAX], s1[DEG_MAX], s2[DEG_MAX], P[DEG_MAX], R[DEG_MAX];
  x_mul(u1, PX(p), PZZ(q), deg);
  x_mul(u2, PX(q), PZZ(p), deg);
  x_mul(s1, PY(p), PZZZ(q), deg);
  x_mul(s2, PY(q), PZZZ(p), deg);
  x_sub(P, u2, u1, deg);
  x_sub(R, s2, s1, deg);
  if (x_zero(P, deg)) {
    if (x_zero(R, deg)) pt_dbl(p, deg);
    else pt_set_inf(p, deg);
    return;
  }
  pt_add_tail(p, P, R, u1, s1, deg);
  x_mul(PZZ(p), PZZ(p), PZZ(q), deg);
  x_mul(PZZZ(p), PZZZ(p), PZZZ(q), deg);
}
/* out = affine p (x|y), all zero for infinity. */
AI void pt_to_affine(fe *out, const fe *p, const int deg) {
  if (pt_inf(p, deg)) { memset(out, 0, sizeof(fe) * 2 * deg); return; }
  fe i[DEG_MAX];
  x_inv(i, PZZ(p), deg);
  x_mul(out, PX(p), i, deg);
  x_inv(i, PZZZ(p), deg);
  x_mul(out + deg, PY(p), i, deg);
}

typedef struct {
  int deg, c, nwin;
  size_t n;
  const fe *bases;       /* n affine points, 2 deg fe each */
  const int32_t *digits; /* nwin x n: digits[j * n + i] is window j of scalar i */
  fe *windows;           /* nwin XYZZ points: window j's sum_k k B_k */
  int next;              /* the next window to take (atomic) */
} msm_t;

/* A thread's scratch space for one window at a time. */
typedef struct {
  fe *pts;              /* the window's points (affine, 2 deg fe each), grouped by bucket */
  fe *inv;              /* a round's denominators, then their inverses (deg fe each) */
  fe *prefix;           /* their prefix products */
  uint32_t *start, *len; /* bucket k holds pts[start[k] .. start[k] + len[k]) */
} msm_scratch;

/* The two points a, b (affine, same bucket) added: 0 = they cancel (b = -a), else the denominator of
 * the slope into den (x_b - x_a, or 2 y_a when b = a) and 1 (2 for a doubling). */
AI int pair_den(fe *den, const fe *a, const fe *b, const int deg) {
  x_sub(den, b, a, deg);
  if (!x_zero(den, deg)) return 1;
  x_sub(den, b + deg, a + deg, deg);
  if (!x_zero(den, deg)) return 0;
  x_add(den, a + deg, a + deg, deg);
  return 2;
}

/* Window j into m->windows[j]. The points go into their buckets (a negative digit adds the negated point);
 * each bucket's points are then summed pairwise in affine coordinates, in rounds: every round adds two
 * points of every bucket that still holds more than one, with one field inversion for the whole round
 * (Montgomery's batch inversion: 3 multiplications per addition, then 3 for the slope and the result, where
 * an XYZZ addition takes 10). Last, sum_k k B_k with two running sums in XYZZ coordinates. */
AI void msm_window(msm_t *m, int j, msm_scratch *s, const int deg) {
  const size_t nb = (size_t)1 << (m->c - 1), pe = 2 * (size_t)deg, ps = 4 * (size_t)deg;
  const int32_t *d = m->digits + (size_t)j * m->n;
  memset(s->len, 0, sizeof(uint32_t) * nb);
  for (size_t i = 0; i < m->n; i++) if (d[i]) s->len[(d[i] < 0 ? -d[i] : d[i]) - 1]++;
  uint32_t at = 0;
  for (size_t k = 0; k < nb; k++) { s->start[k] = at; at += s->len[k]; s->len[k] = 0; }
  for (size_t i = 0; i < m->n; i++) {
    const int32_t di = d[i];
    if (!di) continue;
    const size_t k = (size_t)(di < 0 ? -di : di) - 1;
    fe *p = s->pts + (s->start[k] + s->len[k]++) * pe;
    const fe *b = m->bases + i * pe;
    memcpy(p, b, sizeof(fe) * deg);
    if (di > 0) memcpy(p + deg, b + deg, sizeof(fe) * deg);
    else x_neg(p + deg, b + deg, deg);
  }
  for (;;) {
    size_t count = 0; /* additions (not cancellations) this round */
    int more = 0;
    for (size_t k = 0; k < nb; k++) {
      if (s->len[k] < 2) continue;
      more = 1;
      const fe *p = s->pts + s->start[k] * pe;
      for (uint32_t t = 0; t + 1 < s->len[k]; t += 2) {
        fe *den = s->inv + count * deg;
        if (!pair_den(den, p + t * pe, p + (t + 1) * pe, deg)) continue;
        if (count) x_mul(s->prefix + count * deg, s->prefix + (count - 1) * deg, den, deg);
        else memcpy(s->prefix, den, sizeof(fe) * deg);
        count++;
      }
    }
    if (!more) break;
    if (count) {
      fe acc[DEG_MAX], t[DEG_MAX]; /* acc = 1 / (den_0 ... den_i) going down */
      x_inv(acc, s->prefix + (count - 1) * deg, deg);
      for (size_t i = count - 1; i > 0; i--) {
        x_mul(t, acc, s->prefix + (i - 1) * deg, deg);
        x_mul(acc, acc, s->inv + i * deg, deg);
        memcpy(s->inv + i * deg, t, sizeof(fe) * deg);
      }
      memcpy(s->inv, acc, sizeof(fe) * deg);
    }
    size_t next = 0;
    for (size_t k = 0; k < nb; k++) {
      const uint32_t len = s->len[k];
      if (len < 2) continue;
      fe *p = s->pts + s->start[k] * pe;
      uint32_t out = 0; /* results go to the front of the bucket: p[out] is never a point still unread */
      for (uint32_t t = 0; t + 1 < len; t += 2) {
        const fe *a = p + t * pe, *b = a + pe;
        fe den[DEG_MAX], lambda[DEG_MAX], x3[DEG_MAX], y3[DEG_MAX];
        const int kind = pair_den(den, a, b, deg);
        if (!kind) continue;
        if (kind == 1) x_sub(lambda, b + deg, a + deg, deg);
        else { /* doubling: slope 3 x^2 / 2 y */
          x_sqr(x3, a, deg);
          x_add(lambda, x3, x3, deg);
          x_add(lambda, lambda, x3, deg);
        }
        x_mul(lambda, lambda, s->inv + next++ * deg, deg);
        x_sqr(x3, lambda, deg); /* x3 = lambda^2 - xa - xb, y3 = lambda (xa - x3) - ya */
        x_sub(x3, x3, a, deg);
        x_sub(x3, x3, b, deg);
        x_sub(y3, a, x3, deg);
        x_mul(y3, lambda, y3, deg);
        x_sub(y3, y3, a + deg, deg);
        memcpy(p + out * pe, x3, sizeof(fe) * deg);
        memcpy(p + out * pe + deg, y3, sizeof(fe) * deg);
        out++;
      }
      if (len & 1) memmove(p + out++ * pe, p + (len - 1) * pe, sizeof(fe) * pe);
      s->len[k] = out;
    }
  }
  fe run[4 * DEG_MAX], sum[4 * DEG_MAX]; /* run = B_top + ... + B_k; sum adds run once per k */
  pt_set_inf(run, deg);
  pt_set_inf(sum, deg);
  for (size_t k = nb; k-- > 0;) {
    if (s->len[k]) {
      const fe *p = s->pts + s->start[k] * pe;
      pt_madd(run, p, p + deg, deg);
    }
    pt_add(sum, run, deg);
  }
  memcpy(m->windows + (size_t)j * ps, sum, sizeof(fe) * ps);
}
static void msm_window_g1(msm_t *m, int j, msm_scratch *s) { msm_window(m, j, s, 1); }
static void msm_window_g2(msm_t *m, int j, msm_scratch *s) { msm_window(m, j, s, 2); }

static void *msm_worker(void *arg) {
  msm_t *m = (msm_t *)arg;
  const size_t nb = (size_t)1 << (m->c - 1), deg = (size_t)m->deg;
  msm_scratch s;
  s.pts = (fe *)malloc(sizeof(fe) * 2 * deg * m->n);
  s.inv = (fe *)malloc(sizeof(fe) * deg * (m->n / 2 + 1));
  s.prefix = (fe *)malloc(sizeof(fe) * deg * (m->n / 2 + 1));
  s.start = (uint32_t *)malloc(sizeof(uint32_t) * nb);
  s.len = (uint32_t *)malloc(sizeof(uint32_t) * nb);
  if (s.pts && s.inv && s.prefix && s.start && s.len) { /* else the other threads take every window */
    for (int j; (j = __atomic_fetch_add(&m->next, 1, __ATOMIC_RELAXED)) < m->nwin;) {
      if (m->deg == 1) msm_window_g1(m, j, &s);
      else msm_window_g2(m, j, &s);
    }
  }
  free(s.pts);
  free(s.inv);
  free(s.prefix);
  free(s.start);
  free(s.len);
  return NULL;
}

/* The windows' sums combined (sum_j 2^(c j) W_j, by doubling) into the affine result. */
AI void msm_finish(const msm_t *m, fe *aff, const int deg) {
  const size_t ps = 4 * (size_t)deg;
  fe acc[4 * DEG_MAX];
  memcpy(acc, m->windows + (size_t)(m->nwin - 1) * ps, sizeof(fe) * ps);
  for (int j = m->nwin - 2; j >= 0; j--) {
    for (int b = 0; b < m->c; b++) pt_dbl(acc, deg);
    pt_add(acc, m->windows + (size_t)j * ps, deg);
  }
  pt_to_affine(aff, acc, deg);
}

/* Window width for `nz` nonzero terms on `threads` threads: the least work, counting 8 multiplications
 * per point put into a bucket (6, and the copying and additions around them) and 24 per bucket to sum a
 * window (measured: within a few percent of the best width for G1 and G2 from 1,000 to 16,000 points). */
static int msm_window_bits(size_t nz, unsigned threads) {
  int best = 2;
  double bestCost = -1;
  for (int c = 2; c <= 16; c++) {
    const int nwin = (255 + c - 1) / c, rounds = (nwin + (int)threads - 1) / (int)threads;
    const double cost = (double)rounds * (8.0 * (double)nz + 24.0 * (double)((size_t)1 << (c - 1)));
    if (bestCost < 0 || cost < bestCost) { bestCost = cost; best = c; }
  }
  return best;
}

static inline uint64_t bits_at(const uint64_t s[4], int bit, int c) { /* bits [bit, bit + c) of s, 0 above 256 */
  const int limb = bit >> 6, off = bit & 63;
  if (limb >= 4) return 0;
  uint64_t w = s[limb] >> off;
  if (off + c > 64 && limb + 1 < 4) w |= s[limb + 1] << (64 - off);
  return w & (((uint64_t)1 << c) - 1);
}

/* out (2 deg 32-byte elements) = sum_i scalars[i] bases[i]; deg 1 for G1, 2 for G2. Returns 0 or a message. */
static const char *msm(int deg, const uint8_t *basesIn, const uint8_t *scalars, size_t n, unsigned threads, uint8_t *out) {
  const size_t pe = 2 * (size_t)deg; /* field elements per affine point */
  memset(out, 0, 32 * pe);
  if (n == 0) return 0;
  fe *bases = (fe *)malloc(sizeof(fe) * pe * n);
  uint64_t(*s)[4] = (uint64_t(*)[4])malloc(32 * n);
  if (!bases || !s) { free(bases); free(s); return "msm: out of memory"; }
  size_t nz = 0;
  for (size_t i = 0; i < n; i++) {
    int inf = 1;
    for (size_t k = 0; k < pe; k++) {
      fe *e = &bases[i * pe + k];
      from_le(e, basesIn + (i * pe + k) * 32);
      while (geq_m(e->v, Q_)) sub_m(e->v, Q_);
      inf &= fe_zero(e);
    }
    fe sc;
    from_le(&sc, scalars + i * 32);
    while (geq_p(sc.v)) sub_p(sc.v); /* modulo r (P_ is the group order) */
    if (inf) memset(&sc, 0, 32);
    memcpy(s[i], sc.v, 32);
    nz += !fe_zero(&sc);
  }
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  msm_t m = {deg, 0, 0, n, bases, NULL, NULL, 0};
  m.c = msm_window_bits(nz, threads);
  m.nwin = (255 + m.c - 1) / m.c; /* scalars < r < 2^254: the top window never carries out */
  if ((unsigned)m.nwin < threads) threads = (unsigned)m.nwin;
  if (nz < 64) threads = 1;
  int32_t *digits = (int32_t *)malloc(sizeof(int32_t) * n * m.nwin);
  fe *windows = (fe *)malloc(sizeof(fe) * 4 * deg * m.nwin);
  if (!digits || !windows) { free(bases); free(s); free(digits); free(windows); return "msm: out of memory"; }
  const uint64_t half = (uint64_t)1 << (m.c - 1);
  for (size_t i = 0; i < n; i++) {
    uint64_t carry = 0;
    for (int j = 0; j < m.nwin; j++) {
      const uint64_t w = bits_at(s[i], j * m.c, m.c) + carry;
      carry = w > half;
      digits[(size_t)j * n + i] = carry ? (int32_t)((int64_t)w - (int64_t)(half << 1)) : (int32_t)w;
    }
  }
  free(s);
  m.digits = digits;
  m.windows = windows;
  pthread_t tid[64];
  int started[64] = {0};
  for (unsigned t = 1; t < threads; t++) started[t] = pthread_create(&tid[t], NULL, msm_worker, &m) == 0;
  msm_worker(&m); /* threads that could not start leave their windows to the others */
  for (unsigned t = 1; t < threads; t++) if (started[t]) pthread_join(tid[t], NULL);
  /* Every window was taken unless no thread could allocate its buckets. */
  const char *err = m.next < m.nwin ? "msm: out of memory" : 0;
  if (!err) {
    fe aff[2 * DEG_MAX];
    if (deg == 1) msm_finish(&m, aff, 1);
    else msm_finish(&m, aff, 2);
    for (size_t k = 0; k < pe; k++) to_le(out + 32 * k, &aff[k]);
  }
  free(bases);
  free(digits);
  free(windows);
  return err;
}

#ifndef POSEIDON_NO_NAPI /* (defined by standalone benchmarks of the arithmetic) */
/* ---- Node-API glue ---- */
static int get_u32(napi_env env, napi_value v, uint32_t *out) { return napi_get_value_uint32(env, v, out) == 0; }
static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  int type = -1;
  void *p = NULL;
  if (napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != 0 || type != NAPI_UINT8_ARRAY) return 0;
  *data = (uint8_t *)p;
  return 1;
}
static napi_value undefined_value(napi_env env) { napi_value u; napi_get_undefined(env, &u); return u; }

static napi_value js_set_params(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t t, roundsP;
  uint8_t *buf[4];
  size_t len[4];
  if (argc < 6 || !get_u32(env, argv[0], &t) || !get_u32(env, argv[1], &roundsP) || t < 2 || t > MAX_T) {
    napi_throw_error(env, NULL, "setParams(t, roundsP, C, S, M, P): bad arguments");
    return NULL;
  }
  for (int i = 0; i < 4; i++) {
    if (!get_bytes(env, argv[2 + i], &buf[i], &len[i]) || len[i] % 32) {
      napi_throw_error(env, NULL, "setParams: constants must be Uint8Arrays of 32-byte elements");
      return NULL;
    }
  }
  size_t need[4] = {(size_t)(ROUNDS_F * t + roundsP), (size_t)((2 * t - 1) * roundsP), (size_t)t * t, (size_t)t * t};
  for (int i = 0; i < 4; i++) {
    if (len[i] / 32 != need[i]) { napi_throw_error(env, NULL, "setParams: wrong number of constants"); return NULL; }
  }
  pthread_mutex_lock(&PARAMS_LOCK);
  if (!FIELD_READY) { field_init(); engine_init(); FIELD_READY = 1; }
  if (!PARAMS[t].ready) {
    fe *arrays[4];
    for (int i = 0; i < 4; i++) {
      arrays[i] = (fe *)malloc(sizeof(fe) * need[i]);
      for (size_t k = 0; k < need[i]; k++) {
        fe plain;
        from_be(&plain, buf[i] + k * 32);
        to_mont(&arrays[i][k], &plain);
      }
    }
    PARAMS[t].t = (int)t; PARAMS[t].roundsP = (int)roundsP;
    PARAMS[t].C = arrays[0]; PARAMS[t].S = arrays[1]; PARAMS[t].M = arrays[2]; PARAMS[t].P = arrays[3];
#ifdef HAVE_IFMA_CODE
    params52_init((int)t, &PARAMS[t]);
#endif
    __atomic_store_n(&PARAMS[t].ready, 1, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&PARAMS_LOCK);
  return undefined_value(env);
}

static napi_value js_hash(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t nInputs, count, threads;
  uint8_t *in, *out;
  size_t inLen, outLen;
  if (argc < 5 || !get_u32(env, argv[0], &nInputs) || !get_bytes(env, argv[1], &in, &inLen) ||
      !get_bytes(env, argv[2], &out, &outLen) || !get_u32(env, argv[3], &count) || !get_u32(env, argv[4], &threads)) {
    napi_throw_error(env, NULL, "hash(nInputs, inputs, out, count, threads): bad arguments");
    return NULL;
  }
  if (nInputs < 1 || nInputs + 1 > MAX_T || !__atomic_load_n(&PARAMS[nInputs + 1].ready, __ATOMIC_ACQUIRE)) {
    napi_throw_error(env, NULL, "hash: no parameters loaded for this width");
    return NULL;
  }
  if (inLen < (size_t)count * nInputs * 32 || outLen < (size_t)count * 32) {
    napi_throw_error(env, NULL, "hash: buffers too small");
    return NULL;
  }
  job_t job = {0, &PARAMS[nInputs + 1], (int)nInputs, in, out, 0, 0};
  run_batch(job, count, threads);
  return undefined_value(env);
}

static napi_value js_sum_level(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t count, threads;
  uint8_t *in, *out;
  size_t inLen, outLen;
  if (argc < 4 || !get_bytes(env, argv[0], &in, &inLen) || !get_bytes(env, argv[1], &out, &outLen) ||
      !get_u32(env, argv[2], &count) || !get_u32(env, argv[3], &threads)) {
    napi_throw_error(env, NULL, "sumLevel(children, out, count, threads): bad arguments");
    return NULL;
  }
  if (!__atomic_load_n(&PARAMS[5].ready, __ATOMIC_ACQUIRE)) {
    napi_throw_error(env, NULL, "sumLevel: no parameters loaded for Poseidon(4)");
    return NULL;
  }
  if (inLen < (size_t)count * 96 || outLen < (size_t)count * 48) {
    napi_throw_error(env, NULL, "sumLevel: buffers too small");
    return NULL;
  }
  job_t job = {1, &PARAMS[5], 4, in, out, 0, 0};
  run_batch(job, count, threads);
  return undefined_value(env);
}


/* qap(coeffs, witness, outA, outB, outC, domainSize): see qap_abc. */
static napi_value js_qap(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *buf[5];
  size_t len[5];
  uint32_t domainSize;
  for (int i = 0; i < 5; i++) {
    if (argc < 6 || !get_bytes(env, argv[i], &buf[i], &len[i])) {
      napi_throw_error(env, NULL, "qap(coeffs, witness, outA, outB, outC, domainSize): bad arguments");
      return NULL;
    }
  }
  if (!get_u32(env, argv[5], &domainSize) || domainSize == 0 || len[1] % 32) {
    napi_throw_error(env, NULL, "qap: bad domain size or witness length");
    return NULL;
  }
  for (int i = 2; i < 5; i++) {
    if (len[i] < (size_t)domainSize * 32) { napi_throw_error(env, NULL, "qap: output buffers too small"); return NULL; }
  }
  pthread_mutex_lock(&PARAMS_LOCK);
  if (!FIELD_READY) { field_init(); engine_init(); FIELD_READY = 1; }
  pthread_mutex_unlock(&PARAMS_LOCK);
  const char *err = qap_abc(buf[0], len[0], buf[1], len[1] / 32, buf[2], buf[3], buf[4], domainSize);
  if (err) { napi_throw_error(env, NULL, err); return NULL; }
  return undefined_value(env);
}

/* msmG1 / msmG2(bases, scalars, out, n, threads): see msm. */
static napi_value js_msm(napi_env env, napi_callback_info info, int deg, const char *usage) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *buf[3];
  size_t len[3];
  uint32_t n, threads;
  if (argc < 5 || !get_bytes(env, argv[0], &buf[0], &len[0]) || !get_bytes(env, argv[1], &buf[1], &len[1]) ||
      !get_bytes(env, argv[2], &buf[2], &len[2]) || !get_u32(env, argv[3], &n) || !get_u32(env, argv[4], &threads)) {
    napi_throw_error(env, NULL, usage);
    return NULL;
  }
  if (len[0] < (size_t)n * 64 * deg || len[1] < (size_t)n * 32 || len[2] < 64 * (size_t)deg) {
    napi_throw_error(env, NULL, "msm: buffers too small for n points");
    return NULL;
  }
  pthread_mutex_lock(&PARAMS_LOCK);
  if (!FIELD_READY) { field_init(); engine_init(); FIELD_READY = 1; }
  pthread_mutex_unlock(&PARAMS_LOCK);
  const char *err = msm(deg, buf[0], buf[1], n, threads, buf[2]);
  if (err) { napi_throw_error(env, NULL, err); return NULL; }
  return undefined_value(env);
}
static napi_value js_msm_g1(napi_env env, napi_callback_info info) {
  return js_msm(env, info, 1, "msmG1(bases, scalars, out, n, threads): bad arguments");
}
static napi_value js_msm_g2(napi_env env, napi_callback_info info) {
  return js_msm(env, info, 2, "msmG2(bases, scalars, out, n, threads): bad arguments");
}

/* engine([wanted]) -> the engine in use after capping `wanted` to what the CPU has:
 * 2 = AVX-512 IFMA, 1 = BMI2/ADX, 0 = portable C. */
extern napi_status napi_create_uint32(napi_env, uint32_t, napi_value *);
static napi_value js_engine(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  pthread_mutex_lock(&PARAMS_LOCK);
  if (!FIELD_READY) { field_init(); engine_init(); FIELD_READY = 1; }
  uint32_t wanted;
  if (argc >= 1 && get_u32(env, argv[0], &wanted)) set_engine((int)wanted);
  pthread_mutex_unlock(&PARAMS_LOCK);
  napi_value out;
  napi_create_uint32(env, (uint32_t)ENGINE, &out);
  return out;
}

static void export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

__attribute__((visibility("default"))) napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  export_fn(env, exports, "setParams", js_set_params);
  export_fn(env, exports, "hash", js_hash);
  export_fn(env, exports, "sumLevel", js_sum_level);
  export_fn(env, exports, "engine", js_engine);
  export_fn(env, exports, "qap", js_qap);
  export_fn(env, exports, "msmG1", js_msm_g1);
  export_fn(env, exports, "msmG2", js_msm_g2);
  return exports;
}
__attribute__((visibility("default"))) int32_t node_api_module_get_api_version_v1(void) { return 8; }
#endif
