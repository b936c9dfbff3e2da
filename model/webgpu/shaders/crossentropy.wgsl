// cross_entropy: fused softmax + cross-entropy over rows of logits
// [N,V], 8 rows per workgroup, 32 invocations per row: losses[n] = logsumexp(logits[n]) - logits[n, targets[n]]
// (0 where targets[n] < 0), and with GRAD
// dlogits[n] = (softmax(logits[n]) - onehot(targets[n])) * weights[n] * scale
// (a zero row where targets[n] < 0).

const LANES: u32 = 32u;
const ROWS: u32 = 8u;

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

@compute @workgroup_size(LANES, ROWS)
fn cross_entropy(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = flat(wg, nwg) * ROWS + lid.y;
    let ok = row < p.N;
    let lane = lid.x;
    let base = row * p.V;
    let V = select(0u, p.V, ok);
    var mx = -3.0e38;
    for (var i = lane; i < V; i += LANES) {
        mx = max(mx, logits[base + i]);
    }
    let m = row_max(mx, lane, lid.y);
    var s = 0.0;
    for (var i = lane; i < V; i += LANES) {
        s += exp(logits[base + i] - m);
    }
    let logsum = log(row_sum(s, lane, lid.y));
    // no barriers below: branching per row is safe
    if (!ok) {
        return;
    }
    let t = targets[row];
    if (t < 0) {
        if (lane == 0u) {
            losses[row] = 0.0;
        }
        if (GRAD) {
            for (var i = lane; i < V; i += LANES) {
                dlogits[base + i] = 0.0;
            }
        }
        return;
    }
    let tu = u32(t);
    if (lane == 0u) {
        if (tu >= V) {
            losses[row] = nan();
        } else {
            losses[row] = logsum - (logits[base + tu] - m);
        }
    }
    if (GRAD) {
        let g = weights[row] * p.scale;
        for (var i = lane; i < V; i += LANES) {
            var d = exp(logits[base + i] - m - logsum) * g;
            if (i == tu) {
                d -= g;
            }
            dlogits[base + i] = d;
        }
    }
}
