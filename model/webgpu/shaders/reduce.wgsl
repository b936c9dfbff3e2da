// reduce.wgsl is prepended to kernels that reduce along rows: a
// workgroup of LANES x ROWS invocations (declared by the kernel; LANES a
// power of two) works on ROWS rows at once, LANES invocations per row.
// row_sum and row_max reduce over the LANES invocations of row r, for
// every row at the same time, so they must be called in uniform control
// flow (kernels flag invocations past the last row instead of returning).
// The trees have a fixed shape: results are deterministic.

var<workgroup> red: array<f32, LANES * ROWS>;

fn row_sum(v: f32, lane: u32, r: u32) -> f32 {
    let base = r * LANES;
    red[base + lane] = v;
    workgroupBarrier();
    for (var s = LANES / 2u; s > 0u; s = s / 2u) {
        if (lane < s) {
            red[base + lane] = red[base + lane] + red[base + lane + s];
        }
        workgroupBarrier();
    }
    let total = red[base];
    workgroupBarrier();
    return total;
}

fn row_max(v: f32, lane: u32, r: u32) -> f32 {
    let base = r * LANES;
    red[base + lane] = v;
    workgroupBarrier();
    for (var s = LANES / 2u; s > 0u; s = s / 2u) {
        if (lane < s) {
            red[base + lane] = max(red[base + lane], red[base + lane + s]);
        }
        workgroupBarrier();
    }
    let m = red[base];
    workgroupBarrier();
    return m;
}
