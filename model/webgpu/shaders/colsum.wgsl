// Column sums of a [N,C] gradient, without atomics: a workgroup of 32x8
// invocations owns 32 columns; each of its 8 rows of invocations sums
// every 8th row of the input, and the 8 partial sums are added in a
// fixed order. Deterministic, and coalesced along the columns.
//
// bias_backward:             dbias [C] += sum_n dout[n,:]
// layernorm_backward_params: db [C] += sum_n dout[n,:]
//                            dw [C] += sum_n dout[n,:] * (inp[n,:]-mean[n]) * rstd[n]

struct P {
    N: u32,
    C: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dw: array<f32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;
@group(0) @binding(3) var<storage, read> dout: array<f32>;
@group(0) @binding(4) var<storage, read> inp: array<f32>;
@group(0) @binding(5) var<storage, read> mean: array<f32>;
@group(0) @binding(6) var<storage, read> rstd: array<f32>;

var<workgroup> part_b: array<array<f32, 32>, 8>;
var<workgroup> part_w: array<array<f32, 32>, 8>;

@compute @workgroup_size(32, 8)
fn bias_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_id) lid: vec3<u32>) {
    let col = flat(wg, nwg) * 32u + lid.x;
    var s = 0.0;
    if (col < p.C) {
        for (var n = lid.y; n < p.N; n += 8u) {
            s += dout[n * p.C + col];
        }
    }
    part_b[lid.y][lid.x] = s;
    workgroupBarrier();
    if (lid.y == 0u && col < p.C) {
        var t = 0.0;
        for (var k = 0u; k < 8u; k++) {
            t += part_b[k][lid.x];
        }
        db[col] = db[col] + t;
    }
}

@compute @workgroup_size(32, 8)
fn layernorm_backward_params(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                             @builtin(local_invocation_id) lid: vec3<u32>) {
    let col = flat(wg, nwg) * 32u + lid.x;
    var sb = 0.0;
    var sw = 0.0;
    if (col < p.C) {
        for (var n = lid.y; n < p.N; n += 8u) {
            let d = dout[n * p.C + col];
            sb += d;
            sw += (inp[n * p.C + col] - mean[n]) * rstd[n] * d;
        }
    }
    part_b[lid.y][lid.x] = sb;
    part_w[lid.y][lid.x] = sw;
    workgroupBarrier();
    if (lid.y == 0u && col < p.C) {
        var tb = 0.0;
        var tw = 0.0;
        for (var k = 0u; k < 8u; k++) {
            tb += part_b[k][lid.x];
            tw += part_w[k][lid.x];
        }
        db[col] = db[col] + tb;
        dw[col] = dw[col] + tw;
    }
}
