// GELU, tanh form (GPT-2's gelu_new):
// gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
// gelu_forward: dst = gelu(inp). gelu_backward: dst += gelu'(inp) * dout.

struct P {
    n: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read> dout: array<f32>;

const GELU_SCALE: f32 = 0.7978845608028654; // sqrt(2/pi)

// tanh of the clamped argument: tanh(10) is 1 in float32, and some
// platforms' tanh overflows to NaN for large arguments.
fn tanh_safe(u: f32) -> f32 {
    return tanh(clamp(u, -10.0, 10.0));
}

@compute @workgroup_size(256)
fn gelu_forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
    let i = flat(wg, nwg) * 256u + lid;
    if (i >= p.n) {
        return;
    }
    let x = inp[i];
    dst[i] = 0.5 * x * (1.0 + tanh_safe(GELU_SCALE * (x + 0.044715 * x * x * x)));
}

@compute @workgroup_size(256)
fn gelu_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
    let i = flat(wg, nwg) * 256u + lid;
    if (i >= p.n) {
        return;
    }
    let x = inp[i];
    let th = tanh_safe(GELU_SCALE * (x + 0.044715 * x * x * x));
    let sech2 = 1.0 - th * th;
    let g = 0.5 * (1.0 + th) + 0.5 * x * sech2 * GELU_SCALE * (1.0 + 3.0 * 0.044715 * x * x);
    dst[i] = dst[i] + g * dout[i];
}
