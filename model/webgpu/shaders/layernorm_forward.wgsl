// layernorm_forward: one workgroup per row of inp [N,C]; two-pass
// statistics (mean, then the mean squared deviation) as the CPU backend.
// dst [N,C] = (inp - mean) * rstd * w + b; mean [N], rstd [N] saved.

const WG: u32 = 128u;

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

@compute @workgroup_size(WG)
fn layernorm_forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
    let row = flat(wg, nwg);
    if (row >= p.N) {
        return;
    }
    let base = row * p.C;
    var s = 0.0;
    for (var c = lid; c < p.C; c += WG) {
        s += inp[base + c];
    }
    let m = wg_sum(s, lid) / f32(p.C);
    var v = 0.0;
    for (var c = lid; c < p.C; c += WG) {
        let d = inp[base + c] - m;
        v += d * d;
    }
    let r = 1.0 / sqrt(wg_sum(v, lid) / f32(p.C) + 1e-5);
    for (var c = lid; c < p.C; c += WG) {
        dst[base + c] = (inp[base + c] - m) * r * w[c] + b[c];
    }
    if (lid == 0u) {
        mean[row] = m;
        rstd[row] = r;
    }
}
