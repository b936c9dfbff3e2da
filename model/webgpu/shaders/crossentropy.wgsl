// cross_entropy: fused softmax + cross-entropy, one workgroup per row of
// logits [N,V]: losses[n] = logsumexp(logits[n]) - logits[n, targets[n]]
// (0 where targets[n] < 0), and with GRAD
// dlogits[n] = (softmax(logits[n]) - onehot(targets[n])) * weights[n] * scale
// (a zero row where targets[n] < 0).

const WG: u32 = 256u;

override GRAD: bool = true;

struct P {
    N: u32,
    V: u32,
    scale: f32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> losses: array<f32>;
@group(0) @binding(2) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(3) var<storage, read> logits: array<f32>;
@group(0) @binding(4) var<storage, read> targets: array<i32>;
@group(0) @binding(5) var<storage, read> weights: array<f32>;

@compute @workgroup_size(WG)
fn cross_entropy(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
    let row = flat(wg, nwg);
    if (row >= p.N) {
        return;
    }
    let base = row * p.V;
    var mx = -3.0e38;
    for (var i = lid; i < p.V; i += WG) {
        mx = max(mx, logits[base + i]);
    }
    let m = wg_max(mx, lid);
    var s = 0.0;
    for (var i = lid; i < p.V; i += WG) {
        s += exp(logits[base + i] - m);
    }
    let logsum = log(wg_sum(s, lid));
    // no barriers below: branching on the target is safe
    let t = targets[row];
    if (t < 0) {
        if (lid == 0u) {
            losses[row] = 0.0;
        }
        if (GRAD) {
            for (var i = lid; i < p.V; i += WG) {
                dlogits[base + i] = 0.0;
            }
        }
        return;
    }
    let tu = u32(t);
    if (lid == 0u) {
        if (tu >= p.V) {
            losses[row] = nan();
        } else {
            losses[row] = logsum - (logits[base + tu] - m);
        }
    }
    if (GRAD) {
        let g = weights[row] * p.scale;
        for (var i = lid; i < p.V; i += WG) {
            var d = exp(logits[base + i] - m - logsum) * g;
            if (i == tu) {
                d -= g;
            }
            dlogits[base + i] = d;
        }
    }
}
