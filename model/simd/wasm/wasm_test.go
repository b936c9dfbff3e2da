package wasm

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestLEB128(t *testing.T) {
	for _, tt := range []struct {
		v    int64
		u, s []byte
	}{
		{0, []byte{0x00}, []byte{0x00}},
		{1, []byte{0x01}, []byte{0x01}},
		{63, []byte{0x3f}, []byte{0x3f}},
		{64, []byte{0x40}, []byte{0xc0, 0x00}},
		{127, []byte{0x7f}, []byte{0xff, 0x00}},
		{128, []byte{0x80, 0x01}, []byte{0x80, 0x01}},
		{624485, []byte{0xe5, 0x8e, 0x26}, []byte{0xe5, 0x8e, 0x26}},
	} {
		if got := uleb(uint64(tt.v)); !bytes.Equal(got, tt.u) {
			t.Errorf("uleb(%d) = % x, want % x", tt.v, got, tt.u)
		}
		if got := sleb(tt.v); !bytes.Equal(got, tt.s) {
			t.Errorf("sleb(%d) = % x, want % x", tt.v, got, tt.s)
		}
	}
	for _, tt := range []struct {
		v int64
		s []byte
	}{
		{-1, []byte{0x7f}},
		{-64, []byte{0x40}},
		{-65, []byte{0xbf, 0x7f}},
		{-123456, []byte{0xc0, 0xbb, 0x78}},
	} {
		if got := sleb(tt.v); !bytes.Equal(got, tt.s) {
			t.Errorf("sleb(%d) = % x, want % x", tt.v, got, tt.s)
		}
	}
}

// TestEncodeAdd checks the bytes of the classic two-argument add function
// against the output of the reference toolchain (wat2wasm).
func TestEncodeAdd(t *testing.T) {
	var m Module
	f := m.Func("add", true)
	a, b := f.Param("a", I32), f.Param("b", I32)
	f.Result(I32)
	f.Do(I32Add(a.Get(), b.Get()))
	want := []byte{
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type
		0x03, 0x02, 0x01, 0x00, // function
		0x07, 0x07, 0x01, 0x03, 'a', 'd', 'd', 0x00, 0x00, // export
		0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, // code
	}
	if got := m.Encode(); !bytes.Equal(got, want) {
		t.Errorf("Encode:\n got % x\nwant % x", got, want)
	}
	wantText := `(module
  (func $add (export "add") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.add
  )
)
`
	if got := m.Listing(); got != wantText {
		t.Errorf("Listing:\n%s\nwant\n%s", got, wantText)
	}
}

// TestEncodeControl checks memory import, local groups, labels and SIMD
// prefix encodings on a function that exercises them.
func TestEncodeControl(t *testing.T) {
	var m Module
	m.ImportMemory("go", "mem", 1)
	f := m.Func("f", false)
	p := f.Param("p", I32)
	i := f.Local("i", I32)
	v := f.Local("v", V128)
	w := f.Local("w", V128)
	f.Block("out", func(out Label) {
		f.Loop("top", func(top Label) {
			f.BrIf(out, i.Get())
			f.Do(v.Set(F32x4Add(V128Load(p.Get(), 16), w.Get())))
			f.Br(top)
		})
	})
	got := m.Encode()
	// import section: 1 import, "go" "mem", memory, flags 0, min 1
	if !bytes.Contains(got, []byte{0x02, 0x0b, 0x01, 0x02, 'g', 'o', 0x03, 'm', 'e', 'm', 0x02, 0x00, 0x01}) {
		t.Errorf("no memory import in % x", got)
	}
	body := []byte{
		0x02, 0x01, 0x7f, 0x02, 0x7b, // locals: 1 i32, 2 v128
		0x02, 0x40, // block
		0x03, 0x40, // loop
		0x20, 0x01, 0x0d, 0x01, // local.get $i; br_if 1 (out)
		0x20, 0x00, 0xfd, 0x00, 0x04, 0x10, // local.get $p; v128.load align=4 offset=16
		0x20, 0x03, 0xfd, 0xe4, 0x01, // local.get $w; f32x4.add
		0x21, 0x02, // local.set $v
		0x0c, 0x00, // br 0 (top)
		0x0b, 0x0b, 0x0b,
	}
	if !bytes.Contains(got, body) {
		t.Errorf("body not found:\n got % x\nwant % x", got, body)
	}
	if l := m.Listing(); !strings.Contains(l, "      br_if $out\n") {
		t.Errorf("listing lacks an indented br_if:\n%s", l)
	}
}

func TestMisuse(t *testing.T) {
	for _, tt := range []struct {
		name string
		fn   func()
	}{
		{"param after local", func() {
			var m Module
			f := m.Func("f", false)
			f.Local("x", I32)
			f.Param("p", I32)
		}},
		{"duplicate local", func() {
			var m Module
			f := m.Func("f", false)
			f.Local("x", I32)
			f.Local("x", F32)
		}},
		{"label outside", func() {
			var m Module
			f := m.Func("f", false)
			var saved Label
			f.Block("b", func(l Label) { saved = l })
			f.Br(saved)
		}},
		{"foreign local", func() {
			var m Module
			f, g := m.Func("f", false), m.Func("g", false)
			x := g.Local("x", I32)
			f.Do(Drop(x.Get()))
		}},
		{"call arity", func() {
			var m Module
			f, g := m.Func("f", false), m.Func("g", false)
			g.Param("x", I32)
			f.Do(Call(g))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.HasPrefix(fmt.Sprint(r), "wasm: ") {
					t.Errorf("got panic %v, want a wasm: panic", r)
				}
			}()
			tt.fn()
		})
	}
}
