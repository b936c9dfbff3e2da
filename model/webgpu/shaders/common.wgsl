// common.wgsl is prepended to every kernel module.
//
// Conventions: binding 0 of group 0 is the kernel's uniform parameters
// (a struct P, bound with a dynamic offset into the backend's uniform
// ring); bindings 1.. are storage buffers, read_write for outputs and read
// for inputs. Dispatches with more than 65535 workgroups are laid out in
// two dimensions; flat() gives the linear workgroup index, and kernels
// return early past the end of their work.

fn flat(wg: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wg.x + wg.y * nwg.x;
}

// nan marks a value the CPU backend would have refused with a panic (a
// token or target outside the vocabulary), so parity tests catch it.
// (A var, not a constant: WGSL rejects a NaN constant expression.)
fn nan() -> f32 {
    var bits = 0x7fc00000u;
    return bitcast<f32>(bits);
}
