/*
 * Native Poseidon over the BN254 scalar field (circomlib parameters, the "optimised" round structure of
 * circomlibjs's poseidon_opt.js), as a Node-API addon. It exists only for speed: building the liabilities
 * sum tree for 2^20 users takes ~3 million Poseidon calls, which poseidon-lite (BigInt) does in ~15
 * minutes and this does in well under a minute on two cores. The round constants are not in this file:
 * prover/liabilities/native.ts passes circomlibjs's published constants in at load time, and the tests
 * check every output against poseidon-lite (prover/hash.ts).
 *
 * Arithmetic: 4 x 64-bit little-endian limbs in Montgomery form (R = 2^256), CIOS multiplication with
 * unsigned __int128. Dot products accumulate unreduced 512-bit sums and reduce once.
 * Interface (all field elements 32-byte big-endian, canonical < p):
 *   setParams(t, roundsP, C, S, M, P)            constants for width t (inputs = t - 1)
 *   hash(nInputs, inputs, out, count, threads)    out[i] = Poseidon(inputs[i*nInputs .. +nInputs])
 *   sumLevel(children, out, count, threads)       48-byte records (hash 32 BE | sum 16 BE): parent i of
 *                                                 children 2i, 2i+1 = (Poseidon4(lh, ls, rh, rs), ls + rs)
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

static inline int geq_p(const uint64_t *a) {
  for (int i = 3; i >= 0; i--) {
    if (a[i] > P_[i]) return 1;
    if (a[i] < P_[i]) return 0;
  }
  return 1;
}
static inline void sub_p(uint64_t *a) {
  u128 borrow = 0;
  for (int i = 0; i < 4; i++) {
    u128 d = (u128)a[i] - P_[i] - borrow;
    a[i] = (uint64_t)d;
    borrow = (d >> 64) & 1;
  }
}
static inline void fadd(fe *r, const fe *a, const fe *b) {
  u128 c = 0;
  for (int i = 0; i < 4; i++) {
    c += (u128)a->v[i] + b->v[i];
    r->v[i] = (uint64_t)c;
    c >>= 64;
  }
  if (geq_p(r->v)) sub_p(r->v); /* p < 2^254: a + b < 2^255 never carries out */
}
#define MADD(hi, lo, a, b, c, d) do { u128 _t = (u128)(a) * (b) + (c) + (d); lo = (uint64_t)_t; hi = (uint64_t)(_t >> 64); } while (0)
/* Montgomery reduction of a 9-limb value T (a sum of at most MAX_T products of values below p, so
 * T < 17 p^2 < p * 2^256): returns T / 2^256 mod p, fully reduced. */
static inline void redc(fe *r, uint64_t t[9]) {
  for (int i = 0; i < 4; i++) {
    uint64_t m = t[i] * INV;
    u128 c = 0;
    for (int j = 0; j < 4; j++) {
      c += (u128)m * P_[j] + t[i + j];
      t[i + j] = (uint64_t)c;
      c >>= 64;
    }
    for (int k = i + 4; c && k < 9; k++) {
      c += t[k];
      t[k] = (uint64_t)c;
      c >>= 64;
    }
  }
  r->v[0] = t[4]; r->v[1] = t[5]; r->v[2] = t[6]; r->v[3] = t[7];
  while (t[8] || geq_p(r->v)) { /* a few times at most: the result before this loop is below 5 p */
    u128 borrow = 0;
    for (int i = 0; i < 4; i++) {
      u128 d = (u128)r->v[i] - P_[i] - borrow;
      r->v[i] = (uint64_t)d;
      borrow = (d >> 64) & 1;
    }
    t[8] -= (uint64_t)borrow;
  }
}
/* acc (9 limbs) += a * b. Dot products accumulate here and reduce once (see redc). */
static inline void mac_wide(uint64_t acc[9], const fe *a, const fe *b) {
  for (int i = 0; i < 4; i++) {
    u128 c = 0;
    for (int j = 0; j < 4; j++) {
      c += (u128)a->v[i] * b->v[j] + acc[i + j];
      acc[i + j] = (uint64_t)c;
      c >>= 64;
    }
    for (int k = i + 4; c && k < 9; k++) {
      c += acc[k];
      acc[k] = (uint64_t)c;
      c >>= 64;
    }
  }
}
/* r = a * b / 2^256 mod p: CIOS Montgomery multiplication, unrolled. The "no-carry" variant is valid
 * because p's top limb is below 2^62 (as gnark-crypto does for this field). */
static inline void fmul(fe *r, const fe *x, const fe *y) {
  uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, A, C, m, lo;
  const uint64_t x0 = x->v[0], x1 = x->v[1], x2 = x->v[2], x3 = x->v[3];
#define ROUND(yi) \
  MADD(A, t0, yi, x0, t0, 0); \
  m = t0 * INV; \
  MADD(C, lo, m, P_[0], t0, 0); \
  MADD(A, t1, yi, x1, t1, A); \
  MADD(C, t0, m, P_[1], t1, C); \
  MADD(A, t2, yi, x2, t2, A); \
  MADD(C, t1, m, P_[2], t2, C); \
  MADD(A, t3, yi, x3, t3, A); \
  MADD(C, t2, m, P_[3], t3, C); \
  t3 = C + A;
  ROUND(y->v[0]) ROUND(y->v[1]) ROUND(y->v[2]) ROUND(y->v[3])
#undef ROUND
  (void)lo;
  r->v[0] = t0; r->v[1] = t1; r->v[2] = t2; r->v[3] = t3;
  if (geq_p(r->v)) sub_p(r->v);
}
static inline void pow5(fe *a) {
  fe s;
  fmul(&s, a, a);
  fmul(&s, &s, &s);
  fmul(a, a, &s);
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
static inline void from_mont(fe *r, const fe *a) {
  uint64_t t[9] = {a->v[0], a->v[1], a->v[2], a->v[3], 0, 0, 0, 0, 0};
  redc(r, t);
}
static void field_init(void) {
  uint64_t inv = 1; /* Newton: inv = p^-1 mod 2^64 */
  for (int i = 0; i < 6; i++) inv *= 2 - P_[0] * inv;
  INV = (uint64_t)0 - inv;
  fe x = {{1, 0, 0, 0}}; /* 2^512 mod p by doubling */
  for (int i = 0; i < 512; i++) fadd(&x, &x, &x);
  R2 = x;
}

/* ---- Poseidon ---- */
#define MAX_T 17
#define ROUNDS_F 8
typedef struct {
  int ready, t, roundsP;
  fe *C, *S, *M, *P; /* Montgomery form; M and P are t x t, row-major as in circomlibjs (M[j][i]) */
} params_t;
static params_t PARAMS[MAX_T + 1];
static pthread_mutex_t PARAMS_LOCK = PTHREAD_MUTEX_INITIALIZER;
static int FIELD_READY = 0;

static void mix(fe *state, const fe *m, int t) { /* state[i] = sum_j m[j][i] * state[j] */
  fe out[MAX_T];
  for (int i = 0; i < t; i++) {
    uint64_t acc[9] = {0};
    for (int j = 0; j < t; j++) mac_wide(acc, &m[j * t + i], &state[j]);
    redc(&out[i], acc);
  }
  memcpy(state, out, sizeof(fe) * t);
}

static void poseidon(const params_t *pp, const fe *inputs, fe *out) {
  const int t = pp->t, half = ROUNDS_F / 2;
  fe st[MAX_T];
  memset(&st[0], 0, sizeof(fe));
  for (int i = 1; i < t; i++) to_mont(&st[i], &inputs[i - 1]);
  for (int i = 0; i < t; i++) fadd(&st[i], &st[i], &pp->C[i]);
  for (int r = 0; r < half - 1; r++) {
    for (int i = 0; i < t; i++) { pow5(&st[i]); fadd(&st[i], &st[i], &pp->C[(r + 1) * t + i]); }
    mix(st, pp->M, t);
  }
  for (int i = 0; i < t; i++) { pow5(&st[i]); fadd(&st[i], &st[i], &pp->C[half * t + i]); }
  mix(st, pp->P, t);
  for (int r = 0; r < pp->roundsP; r++) {
    pow5(&st[0]);
    fadd(&st[0], &st[0], &pp->C[(half + 1) * t + r]);
    const fe *s = &pp->S[(2 * t - 1) * r];
    uint64_t acc[9] = {0};
    for (int j = 0; j < t; j++) mac_wide(acc, &s[j], &st[j]);
    for (int k = 1; k < t; k++) {
      fe p;
      fmul(&p, &st[0], &s[t + k - 1]);
      fadd(&st[k], &st[k], &p);
    }
    redc(&st[0], acc);
  }
  for (int r = 0; r < half - 1; r++) {
    for (int i = 0; i < t; i++) { pow5(&st[i]); fadd(&st[i], &st[i], &pp->C[(half + 1) * t + pp->roundsP + r * t + i]); }
    mix(st, pp->M, t);
  }
  for (int i = 0; i < t; i++) pow5(&st[i]);
  uint64_t acc[9] = {0}; /* last mix: only state[0] is output */
  for (int j = 0; j < t; j++) mac_wide(acc, &pp->M[j * t], &st[j]);
  fe o;
  redc(&o, acc);
  from_mont(out, &o);
}

/* ---- batches, split over threads ---- */
typedef struct {
  int kind; /* 0 = hash, 1 = sumLevel */
  const params_t *pp;
  int nInputs;
  const uint8_t *in;
  uint8_t *out;
  size_t from, to;
} job_t;

static void *run_job(void *arg) {
  job_t *j = (job_t *)arg;
  fe in[MAX_T], o;
  if (j->kind == 0) {
    for (size_t k = j->from; k < j->to; k++) {
      for (int i = 0; i < j->nInputs; i++) from_be(&in[i], j->in + (k * j->nInputs + i) * 32);
      poseidon(j->pp, in, &o);
      to_be(j->out + k * 32, &o);
    }
  } else {
    for (size_t k = j->from; k < j->to; k++) {
      const uint8_t *l = j->in + (2 * k) * 48, *r = l + 48;
      uint8_t *dst = j->out + k * 48;
      uint8_t buf[32];
      from_be(&in[0], l);
      memset(buf, 0, 16); memcpy(buf + 16, l + 32, 16); from_be(&in[1], buf);
      from_be(&in[2], r);
      memcpy(buf + 16, r + 32, 16); from_be(&in[3], buf);
      poseidon(j->pp, in, &o);
      to_be(dst, &o);
      unsigned carry = 0; /* 128-bit big-endian sum */
      for (int b = 15; b >= 0; b--) {
        unsigned s = (unsigned)l[32 + b] + r[32 + b] + carry;
        dst[32 + b] = (uint8_t)s;
        carry = s >> 8;
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
  if (!FIELD_READY) { field_init(); FIELD_READY = 1; }
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

static void export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

__attribute__((visibility("default"))) napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  export_fn(env, exports, "setParams", js_set_params);
  export_fn(env, exports, "hash", js_hash);
  export_fn(env, exports, "sumLevel", js_sum_level);
  return exports;
}
__attribute__((visibility("default"))) int32_t node_api_module_get_api_version_v1(void) { return 8; }
#endif
