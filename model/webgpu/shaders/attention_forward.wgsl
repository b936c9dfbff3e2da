// Causal multi-head attention, forward, in the KV-cache form: Tq query
// rows at positions pos0..pos0+Tq-1 of B sequences; queries from qkv
// [B,Tq,3C], keys and values from kv [B,Tk,3C] (the same buffer as qkv
// when training). NH heads of hs = C/NH channels.
//
// attention_scores: one workgroup per (b, h, i) row; invocations stride
//   over the keys j <= pos0+i, then the row's max and sum are workgroup
//   reductions. Writes the probabilities att [B,NH,Tq,Tk], zero above the
//   causal limit.
// attention_values: one invocation per element of dst [B,Tq,C]:
//   dst[b,i,h*hs+d] = sum_j att[b,h,i,j] * v[b,j,h*hs+d].

const WG: u32 = 64u;

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

@compute @workgroup_size(WG)
fn attention_scores(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
    let row = flat(wg, nwg); // (b*NH + h)*Tq + i
    if (row >= p.B * p.NH * p.Tq) {
        return;
    }
    let i = row % p.Tq;
    let bh = row / p.Tq;
    let h = bh % p.NH;
    let b = bh / p.NH;
    let hs = p.C / p.NH;
    let C3 = 3u * p.C;
    let q = (b * p.Tq + i) * C3 + h * hs;
    let last = p.pos0 + i;
    let arow = row * p.Tk;
    var mx = -3.0e38;
    for (var j = lid; j <= last; j += WG) {
        let k = (b * p.Tk + j) * C3 + p.C + h * hs;
        var s = 0.0;
        for (var d = 0u; d < hs; d++) {
            s += qkv[q + d] * kv[k + d];
        }
        s *= p.scale;
        att[arow + j] = s;
        mx = max(mx, s);
    }
    let m = wg_max(mx, lid);
    var sum = 0.0;
    for (var j = lid; j <= last; j += WG) {
        let e = exp(att[arow + j] - m);
        att[arow + j] = e;
        sum += e;
    }
    let inv = 1.0 / wg_sum(sum, lid);
    for (var j = lid; j <= last; j += WG) {
        att[arow + j] = att[arow + j] * inv;
    }
    for (var j = last + 1u + lid; j < p.Tk; j += WG) {
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
