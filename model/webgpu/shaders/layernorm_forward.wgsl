// layernorm_forward: rows of inp [N,C], 8 per workgroup, 32 invocations
// per row; two-pass statistics (mean, then the mean squared deviation) as
// the CPU backend. dst [N,C] = (inp - mean) * rstd * w + b; mean [N],
// rstd [N] saved.

const LANES: u32 = 32u;
const ROWS: u32 = 8u;

struct P {
    N: u32,
    C: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read_write> mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> inp: array<f32>;
@group(0) @binding(5) var<storage, read> w: array<f32>;
@group(0) @binding(6) var<storage, read> b: array<f32>;

@compute @workgroup_size(LANES, ROWS)
fn layernorm_forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = flat(wg, nwg) * ROWS + lid.y;
    let ok = row < p.N;
    let lane = lid.x;
    let base = row * p.C;
    var s = 0.0;
    if (ok) {
        for (var c = lane; c < p.C; c += LANES) {
            s += inp[base + c];
        }
    }
    let m = row_sum(s, lane, lid.y) / f32(p.C);
    var v = 0.0;
    if (ok) {
        for (var c = lane; c < p.C; c += LANES) {
            let d = inp[base + c] - m;
            v += d * d;
        }
    }
    let r = 1.0 / sqrt(row_sum(v, lane, lid.y) / f32(p.C) + 1e-5);
    if (!ok) {
        return;
    }
    for (var c = lane; c < p.C; c += LANES) {
        dst[base + c] = (inp[base + c] - m) * r * w[c] + b[c];
    }
    if (lane == 0u) {
        mean[row] = m;
        rstd[row] = r;
    }
}
