// matmul: c [M,N] = op(a) op(b) (+ bias) (+ c), op(a) [M,K], op(b) [K,N].
//
// Each 16x16 workgroup computes a 64x64 tile of c, each invocation a 4x4
// block of it held in registers. The K dimension is walked 16 at a time:
// the workgroup stages a 64x16 tile of op(a) and a 16x64 tile of op(b) in
// workgroup memory (one vec4 per invocation per operand), then every
// invocation does 16 steps of a 4x4 outer product from two vec4 reads.
// 64x64 tiles suit the presets: M = B*T is 512..2048 and N, K are
// 64..1024, so the big products give hundreds of workgroups.
//
// Variants are override constants (one pipeline each, created on first
// use): TRANS_A (a is [K,M]), TRANS_B (b is [N,K]), VEC_A / VEC_B (the
// operand's contiguous dimension is a multiple of 4, so a tile row is
// read as vec4s through the a4 / b4 bindings of the same buffer), BIAS,
// ACCUMULATE. Out-of-range rows and columns are padded with zeros on
// load and skipped on store, so any M, N, K works.

struct P {
    M: u32,
    N: u32,
    K: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> c: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> b4: array<vec4<f32>>;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override VEC_A: bool = false;
override VEC_B: bool = false;
override BIAS: bool = false;
override ACCUMULATE: bool = false;

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;

// tile_a[k*16 + m/4][m%4] = op(a)[m0+m, k0+k]; tile_b[k*16 + n/4][n%4] =
// op(b)[k0+k, n0+n].
var<workgroup> tile_a: array<vec4<f32>, 256>;
var<workgroup> tile_b: array<vec4<f32>, 256>;

fn op_a(m: u32, k: u32) -> f32 {
    if (m >= p.M || k >= p.K) {
        return 0.0;
    }
    if (TRANS_A) {
        return a[k * p.M + m];
    }
    return a[m * p.K + k];
}

fn op_b(k: u32, n: u32) -> f32 {
    if (k >= p.K || n >= p.N) {
        return 0.0;
    }
    if (TRANS_B) {
        return b[n * p.K + k];
    }
    return b[k * p.N + n];
}

fn load_tile_a(m0: u32, k0: u32, li: u32) {
    var v = vec4<f32>(0.0);
    if (TRANS_A) {
        // a is [K,M], contiguous along m: invocation li loads 4 m's of one k.
        let k = li / 16u;
        let mq = (li % 16u) * 4u;
        let gk = k0 + k;
        let gm = m0 + mq;
        if (VEC_A) {
            if (gk < p.K && gm < p.M) {
                v = a4[(gk * p.M + gm) / 4u];
            }
        } else {
            v = vec4<f32>(op_a(gm, gk), op_a(gm + 1u, gk), op_a(gm + 2u, gk), op_a(gm + 3u, gk));
        }
        tile_a[k * 16u + mq / 4u] = v;
    } else {
        // a is [M,K], contiguous along k: invocation li loads 4 k's of one m.
        let m = li / 4u;
        let kq = (li % 4u) * 4u;
        let gm = m0 + m;
        let gk = k0 + kq;
        if (VEC_A) {
            if (gm < p.M && gk < p.K) {
                v = a4[(gm * p.K + gk) / 4u];
            }
        } else {
            v = vec4<f32>(op_a(gm, gk), op_a(gm, gk + 1u), op_a(gm, gk + 2u), op_a(gm, gk + 3u));
        }
        for (var e = 0u; e < 4u; e++) {
            tile_a[(kq + e) * 16u + m / 4u][m % 4u] = v[e];
        }
    }
}

fn load_tile_b(n0: u32, k0: u32, li: u32) {
    var v = vec4<f32>(0.0);
    if (TRANS_B) {
        // b is [N,K], contiguous along k.
        let n = li / 4u;
        let kq = (li % 4u) * 4u;
        let gn = n0 + n;
        let gk = k0 + kq;
        if (VEC_B) {
            if (gn < p.N && gk < p.K) {
                v = b4[(gn * p.K + gk) / 4u];
            }
        } else {
            v = vec4<f32>(op_b(gk, gn), op_b(gk + 1u, gn), op_b(gk + 2u, gn), op_b(gk + 3u, gn));
        }
        for (var e = 0u; e < 4u; e++) {
            tile_b[(kq + e) * 16u + n / 4u][n % 4u] = v[e];
        }
    } else {
        // b is [K,N], contiguous along n.
        let k = li / 16u;
        let nq = (li % 16u) * 4u;
        let gk = k0 + k;
        let gn = n0 + nq;
        if (VEC_B) {
            if (gk < p.K && gn < p.N) {
                v = b4[(gk * p.N + gn) / 4u];
            }
        } else {
            v = vec4<f32>(op_b(gk, gn), op_b(gk, gn + 1u), op_b(gk, gn + 2u), op_b(gk, gn + 3u));
        }
        tile_b[k * 16u + nq / 4u] = v;
    }
}

@compute @workgroup_size(16, 16)
fn matmul(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
          @builtin(local_invocation_index) li: u32) {
    let m0 = wg.y * TM;
    let n0 = wg.x * TN;
    // acc[i][j] = c[m0 + 4*lid.y + i, n0 + 4*lid.x + j]
    var acc: array<vec4<f32>, 4>;
    for (var k0 = 0u; k0 < p.K; k0 += TK) {
        load_tile_a(m0, k0, li);
        load_tile_b(n0, k0, li);
        workgroupBarrier();
        for (var k = 0u; k < TK; k++) {
            let av = tile_a[k * 16u + lid.y];
            let bv = tile_b[k * 16u + lid.x];
            acc[0] += av.x * bv;
            acc[1] += av.y * bv;
            acc[2] += av.z * bv;
            acc[3] += av.w * bv;
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i++) {
        let m = m0 + lid.y * 4u + i;
        if (m >= p.M) {
            break;
        }
        for (var j = 0u; j < 4u; j++) {
            let n = n0 + lid.x * 4u + j;
            if (n < p.N) {
                var v = acc[i][j];
                if (ACCUMULATE) {
                    v += c[m * p.N + n];
                }
                if (BIAS) {
                    v += bias[n];
                }
                c[m * p.N + n] = v;
            }
        }
    }
}
