// layernorm_backward_input: rows, 8 per workgroup, 32 invocations per
// row; adds the gradient of the input,
// dinp [N,C] += (dnorm - mean(dnorm) - norm*mean(dnorm*norm)) * rstd with
// dnorm = w * dout. The weight and bias gradients are column sums, done by
// layernorm_backward_params in colsum.wgsl.

const LANES: u32 = 32u;
const ROWS: u32 = 8u;

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

@compute @workgroup_size(LANES, ROWS)
fn layernorm_backward_input(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                            @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = flat(wg, nwg) * ROWS + lid.y;
    let ok = row < p.N;
    let lane = lid.x;
    let base = row * p.C;
    var m = 0.0;
    var r = 0.0;
    var sd = 0.0;
    var sdn = 0.0;
    if (ok) {
        m = mean[row];
        r = rstd[row];
        for (var c = lane; c < p.C; c += LANES) {
            let norm = (inp[base + c] - m) * r;
            let dnorm = w[c] * dout[base + c];
            sd += dnorm;
            sdn += dnorm * norm;
        }
    }
    let dm = row_sum(sd, lane, lid.y) / f32(p.C);
    let dnm = row_sum(sdn, lane, lid.y) / f32(p.C);
    if (!ok) {
        return;
    }
    for (var c = lane; c < p.C; c += LANES) {
        let norm = (inp[base + c] - m) * r;
        let dnorm = w[c] * dout[base + c];
        dinp[base + c] = dinp[base + c] + (dnorm - dm - norm * dnm) * r;
    }
}
