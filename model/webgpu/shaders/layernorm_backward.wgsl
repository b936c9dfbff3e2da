// layernorm_backward_input: one workgroup per row; adds the gradient of
// the input, dinp [N,C] += (dnorm - mean(dnorm) - norm*mean(dnorm*norm))
// * rstd with dnorm = w * dout. The weight and bias gradients are column
// sums, done by layernorm_backward_params in colsum.wgsl.

const WG: u32 = 128u;

struct P {
    N: u32,
    C: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> inp: array<f32>;
@group(0) @binding(4) var<storage, read> w: array<f32>;
@group(0) @binding(5) var<storage, read> mean: array<f32>;
@group(0) @binding(6) var<storage, read> rstd: array<f32>;

@compute @workgroup_size(WG)
fn layernorm_backward_input(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                            @builtin(local_invocation_index) lid: u32) {
    let row = flat(wg, nwg);
    if (row >= p.N) {
        return;
    }
    let base = row * p.C;
    let m = mean[row];
    let r = rstd[row];
    var sd = 0.0;
    var sdn = 0.0;
    for (var c = lid; c < p.C; c += WG) {
        let norm = (inp[base + c] - m) * r;
        let dnorm = w[c] * dout[base + c];
        sd += dnorm;
        sdn += dnorm * norm;
    }
    let dm = wg_sum(sd, lid) / f32(p.C);
    let dnm = wg_sum(sdn, lid) / f32(p.C);
    for (var c = lid; c < p.C; c += WG) {
        let norm = (inp[base + c] - m) * r;
        let dnorm = w[c] * dout[base + c];
        dinp[base + c] = dinp[base + c] + (dnorm - dm - norm * dnm) * r;
    }
}
