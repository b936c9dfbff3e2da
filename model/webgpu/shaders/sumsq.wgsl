// The sum of squares of a buffer (the global gradient norm), a two-pass
// tree reduction with a fixed shape (deterministic):
// sumsq_partial: workgroup g sums x[i]^2 for i = g*LANES + lane +
//   k*groups*LANES into partial[g]; sumsq_final: one workgroup adds the
//   partials into dst[0].

const LANES: u32 = 256u;
const ROWS: u32 = 1u;

struct P {
    n: u32,
    groups: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> partial: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(LANES)
fn sumsq_partial(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lane: u32) {
    let g = flat(wg, nwg);
    if (g >= p.groups) {
        return;
    }
    var s = 0.0;
    for (var i = g * LANES + lane; i < p.n; i += p.groups * LANES) {
        let v = x[i];
        s += v * v;
    }
    let r = row_sum(s, lane, 0u);
    if (lane == 0u) {
        partial[g] = r;
    }
}

@compute @workgroup_size(LANES)
fn sumsq_final(@builtin(local_invocation_index) lane: u32) {
    var s = 0.0;
    for (var i = lane; i < p.groups; i += LANES) {
        s += partial[i];
    }
    let r = row_sum(s, lane, 0u);
    if (lane == 0u) {
        dst[0] = r;
    }
}
