// adamw: one AdamW step per element, with the gradient clip scale
// computed on the device from sumsq[0], the squared global gradient norm
// (no read-back): when clip > 0 and the norm exceeds it, gradients are
// scaled by clip/(norm+1e-6). bc1, bc2 are the bias corrections
// 1-beta^step, computed on the host as the CPU backend does.

struct P {
    n: u32,
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    wd: f32,
    bc1: f32,
    bc2: f32,
    clip: f32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> sumsq: array<f32>;

@compute @workgroup_size(256)
fn adamw(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) lid: u32) {
    let i = flat(wg, nwg) * 256u + lid;
    if (i >= p.n) {
        return;
    }
    var gscale = 1.0;
    if (p.clip > 0.0) {
        let norm = sqrt(sumsq[0]);
        if (norm > p.clip) {
            gscale = p.clip / (norm + 1e-6);
        }
    }
    let g = grads[i] * gscale;
    let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
    let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    let mhat = mi / p.bc1;
    let vhat = vi / p.bc2;
    params[i] = params[i] - p.lr * (mhat / (sqrt(vhat) + p.eps) + p.wd * params[i]);
}
