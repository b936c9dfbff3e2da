// The sum of squares of a buffer (the global gradient norm), a two-pass
// tree reduction with a fixed shape (deterministic):
// sumsq_partial: workgroup g sums x[i]^2 for i = g*WG + lid + k*groups*WG
//   into partial[g]; sumsq_final: one workgroup adds the partials into
//   dst[0].

const WG: u32 = 256u;

struct P {
    n: u32,
    groups: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> partial: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn sumsq_partial(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
    let g = flat(wg, nwg);
    if (g >= p.groups) {
        return;
    }
    var s = 0.0;
    for (var i = g * WG + lid; i < p.n; i += p.groups * WG) {
        let v = x[i];
        s += v * v;
    }
    let r = wg_sum(s, lid);
    if (lid == 0u) {
        partial[g] = r;
    }
}

@compute @workgroup_size(WG)
fn sumsq_final(@builtin(local_invocation_index) lid: u32) {
    var s = 0.0;
    for (var i = lid; i < p.groups; i += WG) {
        s += partial[i];
    }
    let r = wg_sum(s, lid);
    if (lid == 0u) {
        dst[0] = r;
    }
}
