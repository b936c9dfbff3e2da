package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// build returns a safetensors file with the given header, not padded, and
// data section.
func build(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// le returns the little-endian bytes of the values, each of size bytes.
func le(size int, vals ...uint64) []byte {
	var b []byte
	for _, v := range vals {
		for i := range size {
			b = append(b, byte(v>>(8*i)))
		}
	}
	return b
}

func mustWrite(t testing.TB, tensors []Tensor, metadata map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, tensors, metadata); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sameTensors reports whether a and b have the same names, shapes and
// bit-identical values, in the same order.
func sameTensors(a, b []Tensor) bool {
	return slices.EqualFunc(a, b, func(x, y Tensor) bool {
		return x.Name == y.Name && slices.Equal(x.Shape, y.Shape) &&
			slices.EqualFunc(x.Data, y.Data, func(u, v float32) bool { return math.Float32bits(u) == math.Float32bits(v) })
	})
}

// specials holds float32 values whose bits must survive a round trip.
var specials = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, math.Pi,
	float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7fc00000), // quiet NaN
	math.Float32frombits(0xffc00001), // negative NaN with a payload
	math.Float32frombits(0x7f800001), // signalling NaN
	math.Float32frombits(0x00000001), // smallest subnormal
	math.Float32frombits(0x807fffff), // largest negative subnormal
	math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32,
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		tensors  []Tensor
		metadata map[string]string
	}{
		{"empty", nil, nil},
		{"metadata only", nil, map[string]string{"format": "pt"}},
		{"special values", []Tensor{{"x", []int{len(specials)}, specials}}, nil},
		{"gpt2-like", []Tensor{
			{"wte.weight", []int{5, 3}, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
			{"wpe.weight", []int{2, 3}, []float32{-1, -2, -3, -4, -5, -6}},
			{"h.0.ln_1.weight", []int{3}, []float32{1, 1, 1}},
			{"scalar", []int{}, []float32{42}},
			{"empty", []int{0, 3}, []float32{}},
			{"after empty", []int{1, 1, 1}, []float32{0.5}},
		}, map[string]string{"format": "pt", "config": `{"n_layer": 1}`, "z": "", "\u00e9\"\\<>&": "\n"}},
		{"names", []Tensor{
			{"", []int{1}, []float32{1}},
			{"with \"quotes\" and \\ and \u2028", []int{1}, []float32{2}},
			{"日本", []int{1}, []float32{3}},
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := mustWrite(t, tt.tensors, tt.metadata)
			n := binary.LittleEndian.Uint64(data)
			if n%8 != 0 {
				t.Errorf("header length %d is not a multiple of 8", n)
			}
			f, err := Read(data)
			if err != nil {
				t.Fatal(err)
			}
			if !sameTensors(f.Tensors(), tt.tensors) {
				t.Errorf("tensors = %v, want %v", f.Tensors(), tt.tensors)
			}
			if len(f.Metadata) != len(tt.metadata) || f.Metadata == nil {
				t.Errorf("metadata = %v, want %v", f.Metadata, tt.metadata)
			}
			for k, v := range tt.metadata {
				if f.Metadata[k] != v {
					t.Errorf("metadata[%q] = %q, want %q", k, f.Metadata[k], v)
				}
			}
			for _, want := range tt.tensors {
				got, ok := f.Tensor(want.Name)
				if !ok || !sameTensors([]Tensor{got}, []Tensor{want}) {
					t.Errorf("Tensor(%q) = %v, %t", want.Name, got, ok)
				}
				if d, ok := f.DType(want.Name); !ok || d != F32 {
					t.Errorf("DType(%q) = %q, %t", want.Name, d, ok)
				}
			}
			var names []string
			for _, x := range tt.tensors {
				names = append(names, x.Name)
			}
			if got := f.Names(); !slices.Equal(got, names) && len(names) > 0 {
				t.Errorf("Names() = %q, want %q", got, names)
			}
			if again := mustWrite(t, f.Tensors(), f.Metadata); !bytes.Equal(again, data) {
				t.Error("writing the read tensors gave other bytes")
			}
		})
	}
}

func TestMissingTensor(t *testing.T) {
	f, err := Read(mustWrite(t, []Tensor{{"a", []int{1}, []float32{1}}}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Tensor("b"); ok {
		t.Error("Tensor(b) found")
	}
	if _, ok := f.DType("b"); ok {
		t.Error("DType(b) found")
	}
}

func TestWriteBytes(t *testing.T) {
	// The exact bytes of a small file, worked out by hand.
	got := mustWrite(t, []Tensor{{"a", []int{2}, []float32{1, -2}}}, map[string]string{"k": "v"})
	header := `{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	header += strings.Repeat(" ", (8-len(header)%8)%8)
	want := build(header, le(4, 0x3f800000, 0xc0000000))
	if !bytes.Equal(got, want) {
		t.Errorf("Write =\n%q\nwant\n%q", got, want)
	}
}

func TestTensorOrder(t *testing.T) {
	// Names() follows the data, not the header: here the header lists b
	// first but its data comes second.
	header := `{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},` +
		`"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}`
	f, err := Read(build(header, le(4, 0x3f800000, 0x40000000)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Names(), []string{"a", "z", "b"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	if b, _ := f.Tensor("b"); b.Data[0] != 2 {
		t.Errorf("b = %v, want [2]", b.Data)
	}
}

func TestDecodeDTypes(t *testing.T) {
	f16 := []struct {
		bits uint16
		want uint32 // float32 bits
	}{
		{0x0000, 0x00000000},                        // 0
		{0x8000, 0x80000000},                        // -0
		{0x3c00, math.Float32bits(1)},               // 1
		{0xbc00, math.Float32bits(-1)},              // -1
		{0x3800, math.Float32bits(0.5)},             // 0.5
		{0x4000, math.Float32bits(2)},               // 2
		{0x3555, math.Float32bits(0.333251953125)},  // (1+341/1024)/4
		{0xc248, math.Float32bits(-3.140625)},       // -(1+584/1024)*2
		{0x7bff, math.Float32bits(65504)},           // largest finite
		{0x0400, math.Float32bits(6.103515625e-05)}, // smallest normal, 2^-14
		{0x03ff, math.Float32bits(1023 * 0x1p-24)},  // largest subnormal
		{0x0001, math.Float32bits(0x1p-24)},         // smallest subnormal
		{0x8001, math.Float32bits(-0x1p-24)},        // negative subnormal
		{0x0200, math.Float32bits(0x1p-15)},         // a power-of-two subnormal
		{0x7c00, math.Float32bits(float32(math.Inf(1)))},
		{0xfc00, math.Float32bits(float32(math.Inf(-1)))},
		{0x7e00, 0x7fc00000}, // quiet NaN
		{0x7c01, 0x7f802000}, // signalling NaN, payload kept
		{0xfe01, 0xffc02000}, // negative NaN with payload
	}
	bf16 := []struct {
		bits uint16
		want uint32
	}{
		{0x0000, 0x00000000},
		{0x8000, 0x80000000},
		{0x3f80, math.Float32bits(1)},
		{0xbf80, math.Float32bits(-1)},
		{0x4049, math.Float32bits(3.140625)},
		{0x7f7f, math.Float32bits(3.3895313892515355e+38)},
		{0x0001, 0x00010000}, // subnormal
		{0x7f80, math.Float32bits(float32(math.Inf(1)))},
		{0xff80, math.Float32bits(float32(math.Inf(-1)))},
		{0x7fc1, 0x7fc10000},
	}
	f64 := []struct {
		bits uint64
		want float32
	}{
		{math.Float64bits(1.5), 1.5},
		{math.Float64bits(-0.1), -0.1},
		{math.Float64bits(1e300), float32(math.Inf(1))},
		{math.Float64bits(1e-50), 0},
		{math.Float64bits(math.Inf(-1)), float32(math.Inf(-1))},
	}
	var h16, hb16 []uint64
	for _, c := range f16 {
		h16 = append(h16, uint64(c.bits))
	}
	for _, c := range bf16 {
		hb16 = append(hb16, uint64(c.bits))
	}
	var h64 []uint64
	for _, c := range f64 {
		h64 = append(h64, c.bits)
	}
	n16, nb, n64 := 2*len(f16), 2*len(bf16), 8*len(f64)
	header := fmt.Sprintf(`{"h":{"dtype":"F16","shape":[%d],"data_offsets":[0,%d]},`+
		`"b":{"dtype":"BF16","shape":[%d],"data_offsets":[%d,%d]},`+
		`"d":{"dtype":"F64","shape":[%d],"data_offsets":[%d,%d]}}`,
		len(f16), n16, len(bf16), n16, n16+nb, len(f64), n16+nb, n16+nb+n64)
	data := append(append(le(2, h16...), le(2, hb16...)...), le(8, h64...)...)
	f, err := Read(build(header, data))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := f.Tensor("h")
	for i, c := range f16 {
		if got := math.Float32bits(h.Data[i]); got != c.want {
			t.Errorf("F16 %#04x = %#08x (%g), want %#08x (%g)", c.bits, got, h.Data[i], c.want, math.Float32frombits(c.want))
		}
	}
	b, _ := f.Tensor("b")
	for i, c := range bf16 {
		if got := math.Float32bits(b.Data[i]); got != c.want {
			t.Errorf("BF16 %#04x = %#08x, want %#08x", c.bits, got, c.want)
		}
	}
	d, _ := f.Tensor("d")
	for i, c := range f64 {
		if d.Data[i] != c.want {
			t.Errorf("F64 %g = %g, want %g", math.Float64frombits(c.bits), d.Data[i], c.want)
		}
	}
	for name, want := range map[string]DType{"h": F16, "b": BF16, "d": F64} {
		if got, _ := f.DType(name); got != want {
			t.Errorf("DType(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestHalfExhaustive(t *testing.T) {
	// Every finite F16 value converts to a float32 that rounds back to it:
	// float32 → float64 → the F16 value by construction from its parts.
	for h := range 1 << 16 {
		exp, mant := h>>10&0x1f, h&0x3ff
		if exp == 0x1f {
			continue
		}
		want := float64(mant) * math.Pow(2, -24)
		if exp > 0 {
			want = (1 + float64(mant)/1024) * math.Pow(2, float64(exp-15))
		}
		if h&0x8000 != 0 {
			want = -want
		}
		if got := halfToFloat32(uint16(h)); float64(got) != want || math.Signbit(float64(got)) != (h&0x8000 != 0) {
			t.Fatalf("halfToFloat32(%#04x) = %g, want %g", h, got, want)
		}
	}
}

// A readErrorCase is a malformed file and the error Read must return.
type readErrorCase struct {
	name   string
	data   []byte
	err    error  // the sentinel
	tensor string // FormatError.Tensor
}

// readErrorCases returns the malformed files of TestReadErrors, also used to
// seed FuzzRead.
func readErrorCases() []readErrorCase {
	f32 := func(name, shape string, begin, end int) string {
		return fmt.Sprintf(`%q:{"dtype":"F32","shape":%s,"data_offsets":[%d,%d]}`, name, shape, begin, end)
	}
	four := le(4, 0x3f800000)
	eight := le(4, 0x3f800000, 0x40000000)
	ones := "[" + strings.Repeat("1,", MaxDims) + "1]"
	return []readErrorCase{
		{"empty", nil, ErrTooShort, ""},
		{"7 bytes", []byte{1, 2, 3, 4, 5, 6, 7}, ErrTooShort, ""},
		{"header beyond file", append(le(8, 100), "{}"...), ErrHeaderSize, ""},
		{"header absurd", append(le(8, 1<<62), "{}"...), ErrHeaderSize, ""},
		{"header just over limit", append(le(8, MaxHeaderSize+1), "{}"...), ErrHeaderSize, ""},
		{"header empty", build("", nil), ErrHeader, ""},
		{"header array", build(`[1, 2]`, nil), ErrHeader, ""},
		{"header leading space", build(` {}`, nil), ErrHeader, ""},
		{"header not JSON", build(`{"a":`, nil), ErrHeader, "a"},
		{"header bad JSON", build(`{"a" 1}`, nil), ErrHeader, "a"},
		{"header bad key", build(`{1: 1}`, nil), ErrHeader, ""},
		{"header invalid UTF-8", build("{\"\xff\":{}}", nil), ErrHeader, ""},
		{"header trailing data", build(`{} x`, nil), ErrHeader, ""},
		{"header two objects", build(`{}{}`, nil), ErrHeader, ""},
		{"entry not object", build(`{"w": 5}`, nil), ErrHeader, "w"},
		{"entry truncated", build(`{"w": {"dtype": "F32"`, nil), ErrHeader, "w"},
		{"missing dtype", build(`{"w":{"shape":[1],"data_offsets":[0,4]}}`, four), ErrMissingField, "w"},
		{"missing shape", build(`{"w":{"dtype":"F32","data_offsets":[0,4]}}`, four), ErrMissingField, "w"},
		{"missing offsets", build(`{"w":{"dtype":"F32","shape":[1]}}`, four), ErrMissingField, "w"},
		{"extra field", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"stride":[1]}}`, four), ErrUnknownField, "w"},
		{"field twice", build(`{"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, four), ErrDuplicate, "w"},
		{"unknown dtype", build(`{"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}`, []byte{1}), ErrDType, "w"},
		{"integer dtype", build(`{"w":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}`, four), ErrDType, "w"},
		{"lowercase dtype", build(`{"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, four), ErrDType, "w"},
		{"dtype number", build(`{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}`, four), ErrDType, "w"},
		{"negative dimension", build(`{`+f32("w", "[-1]", 0, 4)+`}`, four), ErrShape, "w"},
		{"fractional dimension", build(`{`+f32("w", "[1.0]", 0, 4)+`}`, four), ErrShape, "w"},
		{"dimension string", build(`{`+f32("w", `["1"]`, 0, 4)+`}`, four), ErrShape, "w"},
		{"shape not array", build(`{`+f32("w", "1", 0, 4)+`}`, four), ErrShape, "w"},
		{"shape overflow", build(`{`+f32("w", "[4294967296,4294967296]", 0, 4)+`}`, four), ErrShape, "w"},
		{"shape overflow by size", build(`{`+f32("w", "[4611686018427387904]", 0, 4)+`}`, four), ErrShape, "w"},
		{"dimension beyond int", build(`{`+f32("w", "[18446744073709551615]", 0, 4)+`}`, four), ErrShape, "w"},
		{"dimension beyond uint64", build(`{`+f32("w", "[18446744073709551616]", 0, 4)+`}`, four), ErrShape, "w"},
		{"too many dimensions", build(`{`+f32("w", ones, 0, 4)+`}`, four), ErrShape, "w"},
		{"offsets one number", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4]}}`, four), ErrOffsets, "w"},
		{"offsets three numbers", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, four), ErrOffsets, "w"},
		{"offsets reversed", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, four), ErrOffsets, "w"},
		{"offsets negative", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, four), ErrOffsets, "w"},
		{"offsets object", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":{"begin":0}}}`, four), ErrOffsets, "w"},
		{"offsets null", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,null]}}`, four), ErrOffsets, "w"},
		{"size too small", build(`{`+f32("w", "[2]", 0, 4)+`}`, four), ErrSize, "w"},
		{"size too large", build(`{`+f32("w", "[1]", 0, 8)+`}`, eight), ErrSize, "w"},
		{"size of F16", build(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}`, eight), ErrSize, "w"},
		{"outside data", build(`{`+f32("a", "[1]", 0, 4)+`,`+f32("b", "[1]", 100, 104)+`}`, four), ErrOutOfBounds, "b"},
		{"outside huge", build(`{`+f32("a", "[1]", 0, 4)+`,"b":{"dtype":"F32","shape":[0],"data_offsets":[18446744073709551615,18446744073709551615]}}`, four), ErrOutOfBounds, "b"},
		{"truncated", build(`{`+f32("a", "[1]", 0, 4)+`,`+f32("b", "[1]", 4, 8)+`}`, le(4, 1, 2)[:6]), ErrTruncated, "b"},
		{"no data", build(`{`+f32("a", "[2]", 0, 8)+`}`, nil), ErrTruncated, "a"},
		{"overlap", build(`{`+f32("a", "[2]", 0, 8)+`,`+f32("b", "[1]", 4, 8)+`}`, eight), ErrOverlap, "b"},
		{"same offsets", build(`{`+f32("a", "[1]", 0, 4)+`,`+f32("b", "[1]", 0, 4)+`}`, four), ErrOverlap, "b"},
		{"empty inside another", build(`{`+f32("a", "[2]", 0, 8)+`,`+f32("b", "[0]", 4, 4)+`}`, eight), ErrOverlap, "b"},
		{"gap", build(`{`+f32("a", "[1]", 0, 4)+`,`+f32("b", "[1]", 8, 12)+`}`, le(4, 1, 2, 3)), ErrGap, "b"},
		{"gap at start", build(`{`+f32("a", "[1]", 4, 8)+`}`, eight), ErrGap, "a"},
		{"bytes left over", build(`{`+f32("a", "[1]", 0, 4)+`}`, eight), ErrGap, ""},
		{"data without tensors", build(`{}`, four), ErrGap, ""},
		{"duplicate name", build(`{`+f32("a", "[1]", 0, 4)+`,`+f32("a", "[1]", 4, 8)+`}`, eight), ErrDuplicate, "a"},
		{"metadata number", build(`{"__metadata__":{"k":1}}`, nil), ErrMetadata, "__metadata__"},
		{"metadata null value", build(`{"__metadata__":{"k":null}}`, nil), ErrMetadata, "__metadata__"},
		{"metadata array", build(`{"__metadata__":["k"]}`, nil), ErrMetadata, "__metadata__"},
		{"metadata key twice", build(`{"__metadata__":{"k":"a","k":"b"}}`, nil), ErrDuplicate, "__metadata__"},
		{"metadata twice", build(`{"__metadata__":{},"__metadata__":{}}`, nil), ErrDuplicate, "__metadata__"},
	}
}

func TestReadErrors(t *testing.T) {
	for _, tt := range readErrorCases() {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(tt.data)
			if f != nil {
				t.Errorf("Read returned a File with error %v", err)
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("Read: %v, want %v", err, tt.err)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Read: %T, want *FormatError", err)
			}
			if fe.Tensor != tt.tensor {
				t.Errorf("Read: tensor %q, want %q (%v)", fe.Tensor, tt.tensor, err)
			}
			if tt.tensor != "" && !strings.Contains(err.Error(), strconv.Quote(tt.tensor)) {
				t.Errorf("message %q does not name the tensor %q", err, tt.tensor)
			}
			if !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Errorf("message %q lacks the package prefix", err)
			}
		})
	}
}

func TestReadValidEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty header", build(`{}`, nil)},
		{"padded header", build(`{}      `, nil)},
		{"newline padding", build("{}\n\t\r ", nil)},
		{"null metadata", build(`{"__metadata__":null}`, nil)},
		{"zero-size tensors", build(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"BF16","shape":[3,0,2],"data_offsets":[0,0]}}`, nil)},
		{"huge empty", build(`{"a":{"dtype":"F32","shape":[0,9223372036854775807],"data_offsets":[0,0]}}`, nil)},
		{"scalar", build(`{"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, le(4, 0x3f800000))},
		{"escaped name", build(`{"a\u0000\"b":{"data_offsets":[0,4],"shape":[1],"dtype":"F32"}}`, le(4, 0x3f800000))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			g, err := Read(mustWrite(t, f.Tensors(), f.Metadata))
			if err != nil || !sameTensors(g.Tensors(), f.Tensors()) {
				t.Fatalf("round trip: %v", err)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name     string
		tensors  []Tensor
		metadata map[string]string
		err      error
		tensor   string
	}{
		{"data too short", []Tensor{{"w", []int{2, 2}, []float32{1, 2, 3}}}, nil, ErrSize, "w"},
		{"data too long", []Tensor{{"w", []int{}, []float32{1, 2}}}, nil, ErrSize, "w"},
		{"negative dimension", []Tensor{{"w", []int{2, -1}, nil}}, nil, ErrShape, "w"},
		{"overflow", []Tensor{{"w", []int{1 << 40, 1 << 40}, nil}}, nil, ErrShape, "w"},
		{"too many dimensions", []Tensor{{"w", make([]int, MaxDims+1), nil}}, nil, ErrShape, "w"},
		{"duplicate", []Tensor{{"w", []int{0}, nil}, {"w", []int{0}, nil}}, nil, ErrDuplicate, "w"},
		{"reserved name", []Tensor{{"__metadata__", []int{0}, nil}}, nil, ErrName, "__metadata__"},
		{"invalid UTF-8 name", []Tensor{{"w\xff", []int{0}, nil}}, nil, ErrName, "w\xff"},
		{"invalid UTF-8 metadata", nil, map[string]string{"k": "\xff"}, ErrMetadata, "__metadata__"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, tt.tensors, tt.metadata)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Write: %v, want %v", err, tt.err)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Tensor != tt.tensor {
				t.Errorf("Write: %v, want a *FormatError for %q", err, tt.tensor)
			}
			if b.Len() != 0 {
				t.Errorf("Write wrote %d bytes before failing", b.Len())
			}
		})
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n < len(p) {
		return 0, io.ErrShortWrite
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteIOError(t *testing.T) {
	big := make([]float32, 100000)
	if err := Write(&failWriter{n: 1000}, []Tensor{{"w", []int{len(big)}, big}}, nil); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("Write: %v, want the writer's error", err)
	}
}

func TestReadFrom(t *testing.T) {
	data := mustWrite(t, []Tensor{{"w", []int{3}, []float32{1, 2, 3}}}, nil)
	f, err := ReadFrom(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := f.Tensor("w"); !slices.Equal(w.Data, []float32{1, 2, 3}) {
		t.Errorf("w = %v", w.Data)
	}
	if _, err := ReadFrom(bytes.NewReader(data), int64(len(data)-1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadFrom with a short limit: %v, want ErrTooLarge", err)
	}
	if _, err := ReadFrom(io.MultiReader(bytes.NewReader(data[:20]), errReader{}), 1<<20); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadFrom of a failing reader: %v, want its error", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestLyingHeaderAllocatesLittle(t *testing.T) {
	// A header that claims huge tensors over a small file must fail
	// before allocating for them.
	data := build(`{"a":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}}`, make([]byte, 16))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := Read(data); !errors.Is(err, ErrTruncated) {
		t.Fatalf("Read: %v, want ErrTruncated", err)
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("Read allocated %d bytes for a lying header", d)
	}
}
