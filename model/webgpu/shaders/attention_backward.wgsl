// Causal multi-head attention, backward, training form (Tq = Tk = T,
// pos0 = 0). Two passes, no atomics:
//
// attention_backward_scores: one row of 32 invocations per (b, h, i), 8
//   rows per workgroup:
//   g_j = dout_i . v_j (the gradient of att[i,j]), then the softmax
//   backward: datt[i,j] = att[i,j] * (g_j - sum_j' att[i,j'] g_j') * scale,
//   the gradient of the scaled scores q_i . k_j, kept in the datt scratch.
// attention_backward_qkv: one invocation per (b, t, channel c = h*hs+d),
//   each writing its own three elements of dqkv [B,T,3C]:
//   dq_t += sum_{j<=t} datt[t,j] k_j,  dk_t += sum_{i>=t} datt[i,t] q_i,
//   dv_t += sum_{i>=t} att[i,t] dout_i.

const LANES: u32 = 32u;
const ROWS: u32 = 8u;

struct P {
    B: u32,
    T: u32,
    C: u32,
    NH: u32,
    scale: f32, // 1/sqrt(hs)
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> datt: array<f32>; // [B,NH,T,T] scratch
@group(0) @binding(2) var<storage, read> dout: array<f32>;       // [B,T,C]
@group(0) @binding(3) var<storage, read> qkv: array<f32>;        // [B,T,3C]
@group(0) @binding(4) var<storage, read> att: array<f32>;        // [B,NH,T,T]
@group(0) @binding(5) var<storage, read_write> dqkv: array<f32>; // [B,T,3C]

@compute @workgroup_size(LANES, ROWS)
fn attention_backward_scores(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                             @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = flat(wg, nwg) * ROWS + lid.y; // (b*NH + h)*T + i
    let ok = row < p.B * p.NH * p.T;
    let lane = lid.x;
    let i = row % p.T;
    let bh = row / p.T;
    let h = bh % p.NH;
    let b = bh / p.NH;
    let hs = p.C / p.NH;
    let C3 = 3u * p.C;
    let o = (b * p.T + i) * p.C + h * hs;
    let arow = row * p.T;
    let last = select(0u, i + 1u, ok); // keys 0..last-1
    var dot = 0.0;
    for (var j = lane; j < last; j += LANES) {
        let v = (b * p.T + j) * C3 + 2u * p.C + h * hs;
        var g = 0.0;
        for (var d = 0u; d < hs; d++) {
            g += dout[o + d] * qkv[v + d];
        }
        datt[arow + j] = g;
        dot += g * att[arow + j];
    }
    let total = row_sum(dot, lane, lid.y);
    for (var j = lane; j < last; j += LANES) {
        datt[arow + j] = att[arow + j] * (datt[arow + j] - total) * p.scale;
    }
}

@compute @workgroup_size(256)
fn attention_backward_qkv(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                          @builtin(local_invocation_index) lid: u32) {
    let idx = flat(wg, nwg) * 256u + lid;
    if (idx >= p.B * p.T * p.C) {
        return;
    }
    let c = idx % p.C;
    let bt = idx / p.C;
    let t = bt % p.T;
    let b = bt / p.T;
    let h = c / (p.C / p.NH);
    let C3 = 3u * p.C;
    let rows = (b * p.NH + h) * p.T; // first row of this (b, h) in att/datt
    var dq = 0.0;
    for (var j = 0u; j <= t; j++) {
        dq += datt[(rows + t) * p.T + j] * qkv[(b * p.T + j) * C3 + p.C + c];
    }
    var dk = 0.0;
    var dv = 0.0;
    for (var i = t; i < p.T; i++) {
        let r = (rows + i) * p.T + t;
        dk += datt[r] * qkv[(b * p.T + i) * C3 + c];
        dv += att[r] * dout[(b * p.T + i) * p.C + c];
    }
    let o = bt * C3 + c;
    dqkv[o] = dqkv[o] + dq;
    dqkv[o + p.C] = dqkv[o + p.C] + dk;
    dqkv[o + 2u * p.C] = dqkv[o + 2u * p.C] + dv;
}
