// encoder_forward: dst[b,t,:] = wte[tokens[b,t],:] + wpe[pos0+t,:].
// dst [B,T,C], tokens [B,T], wte [V,C], wpe [maxT,C]; one invocation per
// element of dst.

struct P {
    n: u32,    // B*T*C
    T: u32,
    C: u32,
    pos0: u32,
    V: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> tokens: array<i32>;
@group(0) @binding(3) var<storage, read> wte: array<f32>;
@group(0) @binding(4) var<storage, read> wpe: array<f32>;

@compute @workgroup_size(256)
fn encoder_forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
    let i = flat(wg, nwg) * 256u + lid;
    if (i >= p.n) {
        return;
    }
    let bt = i / p.C;
    let c = i % p.C;
    let t = p.pos0 + bt % p.T;
    let id = tokens[bt];
    if (id < 0 || u32(id) >= p.V) {
        dst[i] = nan();
        return;
    }
    dst[i] = wte[u32(id) * p.C + c] + wpe[t * p.C + c];
}
