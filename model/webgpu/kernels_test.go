package webgpu

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"tinystages/model"
	"tinystages/model/compute"
)

// TestKernelSpecsMatchWGSL checks, without a GPU, that every kernel's
// binding letters agree with the WGSL declarations of its module (so the
// bind group layouts the backend builds are the ones the shaders expect)
// and that every entry point exists.
func TestKernelSpecsMatchWGSL(t *testing.T) {
	decl := regexp.MustCompile(`@group\(0\) @binding\((\d+)\) var<(uniform|storage, read_write|storage, read)>`)
	for _, k := range kernelSpecs {
		src, err := moduleSource(k.file)
		if err != nil {
			t.Fatalf("%s: %v", k.entry, err)
		}
		if !regexp.MustCompile(`@compute @workgroup_size\([^)]*\)\s*fn ` + k.entry + `\(`).MatchString(src) {
			t.Errorf("%s: no @compute entry point in %s.wgsl", k.entry, k.file)
		}
		access := map[int]string{}
		for _, m := range decl.FindAllStringSubmatch(src, -1) {
			var i int
			fmt.Sscan(m[1], &i)
			if _, dup := access[i]; dup {
				t.Errorf("%s.wgsl: binding %d declared twice", k.file, i)
			}
			access[i] = m[2]
		}
		if access[0] != "uniform" {
			t.Errorf("%s.wgsl: binding 0 is %q, want the uniform parameters", k.file, access[0])
		}
		for i, c := range k.binds {
			want := map[rune]string{'w': "storage, read_write", 'r': "storage, read"}[c]
			if c == '-' {
				continue
			}
			if got := access[i+1]; got != want {
				t.Errorf("%s: binding %d is %q in %s.wgsl, spec says %q", k.entry, i+1, got, k.file, want)
			}
		}
		for _, o := range k.overrides {
			if !strings.Contains(src, "override "+o+": bool") {
				t.Errorf("%s: no override %s in %s.wgsl", k.entry, o, k.file)
			}
		}
		if n := strings.Count(k.binds, "w") + strings.Count(k.binds, "r"); n > int(needOf("maxStorageBuffersPerShaderStage")) {
			t.Errorf("%s binds %d storage buffers, RequiredLimits allow %g", k.entry, n, needOf("maxStorageBuffersPerShaderStage"))
		}
	}
}

func needOf(name string) float64 {
	for _, l := range RequiredLimits {
		if l.Name == name {
			return l.Need
		}
	}
	return 0
}

func TestCheckLimits(t *testing.T) {
	defaults := map[string]float64{
		"maxStorageBufferBindingSize": 128 << 20, "maxBufferSize": 256 << 20,
		"maxStorageBuffersPerShaderStage": 8, "maxComputeWorkgroupStorageSize": 16384,
		"maxComputeInvocationsPerWorkgroup": 256, "maxComputeWorkgroupSizeX": 256,
		"maxComputeWorkgroupSizeY": 256, "maxComputeWorkgroupsPerDimension": 65535,
		"maxBindGroups": 4, "maxDynamicUniformBuffersPerPipelineLayout": 8,
		"minStorageBufferOffsetAlignment": 256, "minUniformBufferOffsetAlignment": 256,
	}
	with := func(name string, v float64) func(string) (float64, bool) {
		return func(n string) (float64, bool) {
			if n == name {
				return v, v >= 0
			}
			x, ok := defaults[n]
			return x, ok
		}
	}
	tests := []struct {
		name    string
		have    func(string) (float64, bool)
		wantErr string
	}{
		{"WebGPU defaults", with("", 0), ""},
		{"big GPU", with("maxStorageBufferBindingSize", 4<<30), ""},
		{"compatibility mode", with("maxStorageBuffersPerShaderStage", 4), "maxStorageBuffersPerShaderStage is 4, need 6"},
		{"small workgroups", with("maxComputeInvocationsPerWorkgroup", 128), "maxComputeInvocationsPerWorkgroup"},
		{"coarse alignment", with("minStorageBufferOffsetAlignment", 512), "need at most 256"},
		{"missing limit", with("maxBindGroups", -1), "does not report maxBindGroups"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := CheckLimits(tt.have)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				for _, l := range RequiredLimits {
					have, _ := tt.have(l.Name)
					if r := req[l.Name]; r > have || (!l.IsAlignment() && r < l.Need) {
						t.Errorf("requests %s = %g; adapter has %g, need %g", l.Name, r, have, l.Need)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), ErrUnavailable.Error()) {
				t.Errorf("%v does not wrap ErrUnavailable", err)
			}
		})
	}
}

func TestAdapterLabel(t *testing.T) {
	tests := []struct {
		info AdapterInfo
		want string
	}{
		{AdapterInfo{Vendor: "google", Architecture: "swiftshader"}, "SwiftShader"},
		{AdapterInfo{Vendor: "nvidia", Architecture: "ampere"}, "nvidia ampere"},
		{AdapterInfo{Description: "Apple M2"}, "Apple M2"},
		{AdapterInfo{}, "unknown adapter"},
	}
	for _, tt := range tests {
		if got := tt.info.Label(); got != tt.want {
			t.Errorf("%+v.Label() = %q, want %q", tt.info, got, tt.want)
		}
	}
}

// TestPresetsFitRequiredLimits checks that the largest buffers of every
// preset at its default batch fit the binding and buffer sizes the
// backend requires (and so the WebGPU defaults every adapter offers).
func TestPresetsFitRequiredLimits(t *testing.T) {
	binding, buffer := needOf("maxStorageBufferBindingSize"), needOf("maxBufferSize")
	for _, p := range model.Presets {
		c, B := p.Config, p.Batch
		T, N := c.MaxSeqLen, p.Batch*c.MaxSeqLen
		sizes := map[string]int{
			"parameters (ZeroGrad, SumSquares bind them whole)": model.NewLayout(c).Size,
			"logits [B,T,V]":       N * c.VocabSize,
			"attention [B,NH,T,T]": B * c.NHead * T * T,
			"MLP [B,T,4C]":         N * 4 * c.NEmbd,
		}
		for what, n := range sizes {
			bytes := float64(4 * compute.AlignUp(n))
			t.Logf("%s: %s %.1f MB", p.Name, what, bytes/1e6)
			if bytes > binding || bytes > buffer {
				t.Errorf("%s: %s takes %.0f bytes, more than RequiredLimits allow (%g binding, %g buffer)", p.Name, what, bytes, binding, buffer)
			}
		}
	}
}
