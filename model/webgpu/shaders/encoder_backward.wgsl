// The embedding backward without atomics (WGSL has no float atomics), in
// three deterministic passes over tokens [N] = [B*T] and dout [N,C]:
//
//   encoder_chain         one invocation per position n: chain[n] is the
//                         next position holding the same token (-1 if
//                         none) and chain[N+n] is 1 if n is the token's
//                         first position.
//   encoder_backward_wte  one invocation per (position, channel): at a
//                         token's first position, walk its chain summing
//                         dout in position order and add the sum into the
//                         token's row of dwte. Every row is written by
//                         exactly one invocation per channel.
//   encoder_backward_wpe  one invocation per (t, channel): dwpe[t,c] +=
//                         sum over b of dout[b,t,c].

struct P {
    n: u32,    // invocations of this pass
    N: u32,    // B*T
    T: u32,
    C: u32,
    B: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;   // dwte or dwpe
@group(0) @binding(2) var<storage, read_write> chain: array<i32>; // [2N] scratch
@group(0) @binding(3) var<storage, read> tokens: array<i32>;
@group(0) @binding(4) var<storage, read> dout: array<f32>;

@compute @workgroup_size(256)
fn encoder_chain(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
    let n = flat(wg, nwg) * 256u + lid;
    if (n >= p.N) {
        return;
    }
    let tok = tokens[n];
    var first = 1;
    for (var j = 0u; j < n; j++) {
        if (tokens[j] == tok) {
            first = 0;
            break;
        }
    }
    var next = -1;
    for (var j = n + 1u; j < p.N; j++) {
        if (tokens[j] == tok) {
            next = i32(j);
            break;
        }
    }
    chain[n] = next;
    chain[p.N + n] = first;
}

@compute @workgroup_size(256)
fn encoder_backward_wte(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
    let i = flat(wg, nwg) * 256u + lid;
    if (i >= p.n) {
        return;
    }
    let n = i / p.C;
    let c = i % p.C;
    if (chain[p.N + n] == 0) {
        return;
    }
    var s = 0.0;
    var j = i32(n);
    loop {
        s += dout[u32(j) * p.C + c];
        j = chain[u32(j)];
        if (j < 0) {
            break;
        }
    }
    let row = u32(tokens[n]);
    dst[row * p.C + c] = dst[row * p.C + c] + s;
}

@compute @workgroup_size(256)
fn encoder_backward_wpe(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
    let i = flat(wg, nwg) * 256u + lid; // t*C + c
    if (i >= p.n) {
        return;
    }
    var s = 0.0;
    for (var b = 0u; b < p.B; b++) {
        s += dout[b * p.T * p.C + i];
    }
    dst[i] = dst[i] + s;
}
