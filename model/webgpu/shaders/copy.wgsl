// copy_rows copies rows segments of len elements:
// dst[dst_off + r*dst_stride + e] = src[src_off + r*src_stride + e].
// Copy is one row; KVStore is B rows of Tq*3C into a [B,Tk,3C] cache.

struct P {
    n: u32,          // rows * len
    len: u32,
    src_off: u32,
    src_stride: u32,
    dst_off: u32,
    dst_stride: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;

@compute @workgroup_size(256)
fn copy_rows(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
    let i = flat(wg, nwg) * 256u + lid;
    if (i >= p.n) {
        return;
    }
    let r = i / p.len;
    let e = i % p.len;
    dst[p.dst_off + r * p.dst_stride + e] = src[p.src_off + r * p.src_stride + e];
}
