// Causal multi-head attention, forward, in the KV-cache form: Tq query
// rows at positions pos0..pos0+Tq-1 of B sequences; queries from qkv
// [B,Tq,3C], keys and values from kv [B,Tk,3C] (the same buffer as qkv
// when training). NH heads of hs = C/NH channels.
//
// attention_scores: one row of 32 invocations per (b, h, i), 8 rows per
//   workgroup; the invocations stride over the keys j <= pos0+i, then the
//   row's max and sum are reductions over them. Writes the probabilities
//   att [B,NH,Tq,Tk], zero above the causal limit.
// attention_values: one invocation per element of dst [B,Tq,C]:
//   dst[b,i,h*hs+d] = sum_j att[b,h,i,j] * v[b,j,h*hs+d].

const LANES: u32 = 32u;
const ROWS: u32 = 8u;

struct P {
    B: u32,
    Tq: u32,
    Tk: u32,
    pos0: u32,
    C: u32,
    NH: u32,
    scale: f32, // 1/sqrt(hs)
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> att: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> kv: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(LANES, ROWS)
fn attention_scores(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = flat(wg, nwg) * ROWS + lid.y; // (b*NH + h)*Tq + i
    let ok = row < p.B * p.NH * p.Tq;
    let lane = lid.x;
    let i = row % p.Tq;
    let bh = row / p.Tq;
    let h = bh % p.NH;
    let b = bh / p.NH;
    let hs = p.C / p.NH;
    let C3 = 3u * p.C;
    let q = (b * p.Tq + i) * C3 + h * hs;
    let last = select(0u, p.pos0 + i + 1u, ok); // keys 0..last-1
    let arow = row * p.Tk;
    var mx = -3.0e38;
    for (var j = lane; j < last; j += LANES) {
        let k = (b * p.Tk + j) * C3 + p.C + h * hs;
        var s = 0.0;
        for (var d = 0u; d < hs; d++) {
            s += qkv[q + d] * kv[k + d];
        }
        s *= p.scale;
        att[arow + j] = s;
        mx = max(mx, s);
    }
    let m = row_max(mx, lane, lid.y);
    var sum = 0.0;
    for (var j = lane; j < last; j += LANES) {
        let e = exp(att[arow + j] - m);
        att[arow + j] = e;
        sum += e;
    }
    let inv = 1.0 / row_sum(sum, lane, lid.y);
    if (!ok) {
        return;
    }
    for (var j = lane; j < last; j += LANES) {
        att[arow + j] = att[arow + j] * inv;
    }
    for (var j = last + lane; j < p.Tk; j += LANES) {
        att[arow + j] = 0.0;
    }
}

@compute @workgroup_size(256)
fn attention_values(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
    let idx = flat(wg, nwg) * 256u + lid;
    if (idx >= p.B * p.Tq * p.C) {
        return;
    }
    let c = idx % p.C;
    let bi = idx / p.C;
    let i = bi % p.Tq;
    let b = bi / p.Tq;
    let h = c / (p.C / p.NH);
    let C3 = 3u * p.C;
    let arow = ((b * p.NH + h) * p.Tq + i) * p.Tk;
    let last = p.pos0 + i;
    var s = 0.0;
    for (var j = 0u; j <= last; j++) {
        s += att[arow + j] * kv[(b * p.Tk + j) * C3 + 2u * p.C + c];
    }
    dst[idx] = s;
}
