package wasm

import (
	"fmt"
	"strings"
)

// Encode returns the module in the WebAssembly binary format (version 1):
// the type, import, function, export and code sections.
func (m *Module) Encode() []byte {
	m.types = m.types[:0]
	typeIdx := make([]uint32, len(m.funcs))
	for i, f := range m.funcs {
		typeIdx[i] = m.typeIndex(f.signature())
	}

	out := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

	var sec []byte // type section
	sec = append(sec, uleb(uint64(len(m.types)))...)
	for _, t := range m.types {
		sec = append(sec, 0x60)
		sec = append(sec, uleb(uint64(len(t.params)))...)
		sec = append(sec, valBytes(t.params)...)
		sec = append(sec, uleb(uint64(len(t.results)))...)
		sec = append(sec, valBytes(t.results)...)
	}
	out = section(out, 1, sec)

	if len(m.memImports) > 0 {
		sec = uleb(uint64(len(m.memImports)))
		for _, im := range m.memImports {
			sec = append(sec, name(im.module)...)
			sec = append(sec, name(im.name)...)
			sec = append(sec, 0x02, 0x00) // memory, limits without maximum
			sec = append(sec, uleb(uint64(im.minPages))...)
		}
		out = section(out, 2, sec)
	}

	sec = uleb(uint64(len(m.funcs)))
	for _, ti := range typeIdx {
		sec = append(sec, uleb(uint64(ti))...)
	}
	out = section(out, 3, sec)

	var exports []*Func
	for _, f := range m.funcs {
		if f.export {
			exports = append(exports, f)
		}
	}
	sec = uleb(uint64(len(exports)))
	for _, f := range exports {
		sec = append(sec, name(f.name)...)
		sec = append(sec, 0x00) // function
		sec = append(sec, uleb(uint64(f.index))...)
	}
	out = section(out, 7, sec)

	sec = uleb(uint64(len(m.funcs)))
	for _, f := range m.funcs {
		if f.depth != 0 {
			panic(fmt.Sprintf("wasm: %s: unclosed block", f.name))
		}
		var body []byte
		// locals, run-length encoded by type in declaration order
		var groups [][2]uint64
		for _, l := range f.locals[len(f.params):] {
			if n := len(groups); n > 0 && groups[n-1][1] == uint64(l.typ) {
				groups[n-1][0]++
			} else {
				groups = append(groups, [2]uint64{1, uint64(l.typ)})
			}
		}
		body = append(body, uleb(uint64(len(groups)))...)
		for _, g := range groups {
			body = append(body, uleb(g[0])...)
			body = append(body, byte(g[1]))
		}
		body = append(body, f.body...)
		body = append(body, 0x0b) // end of function
		sec = append(sec, uleb(uint64(len(body)))...)
		sec = append(sec, body...)
	}
	out = section(out, 10, sec)
	return out
}

func (f *Func) signature() funcType {
	t := funcType{results: f.results}
	for _, p := range f.params {
		t.params = append(t.params, p.typ)
	}
	return t
}

func (m *Module) typeIndex(t funcType) uint32 {
	for i, u := range m.types {
		if u.equal(t) {
			return uint32(i)
		}
	}
	m.types = append(m.types, t)
	return uint32(len(m.types) - 1)
}

func section(out []byte, id byte, content []byte) []byte {
	out = append(out, id)
	out = append(out, uleb(uint64(len(content)))...)
	return append(out, content...)
}

func name(s string) []byte { return append(uleb(uint64(len(s))), s...) }

// uleb is the unsigned LEB128 encoding of v.
func uleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		b = append(b, c)
		if v == 0 {
			return b
		}
	}
}

// sleb is the signed LEB128 encoding of v.
func sleb(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7 // arithmetic
		done := (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0)
		if !done {
			c |= 0x80
		}
		b = append(b, c)
		if done {
			return b
		}
	}
}

// Listing returns the module in the WebAssembly text format, one
// instruction a line (flat, not folded), for people to read and diff.
func (m *Module) Listing() string {
	var b strings.Builder
	b.WriteString("(module\n")
	for _, im := range m.memImports {
		fmt.Fprintf(&b, "  (import %q %q (memory %d))\n", im.module, im.name, im.minPages)
	}
	for _, f := range m.funcs {
		fmt.Fprintf(&b, "  (func $%s", f.name)
		if f.export {
			fmt.Fprintf(&b, " (export %q)", f.name)
		}
		for _, p := range f.params {
			fmt.Fprintf(&b, " (param $%s %s)", p.name, p.typ)
		}
		if len(f.results) > 0 {
			b.WriteString(" (result")
			for _, r := range f.results {
				fmt.Fprintf(&b, " %s", r)
			}
			b.WriteString(")")
		}
		b.WriteString("\n")
		for _, l := range f.locals[len(f.params):] {
			fmt.Fprintf(&b, "    (local $%s %s)\n", l.name, l.typ)
		}
		b.WriteString(f.text.String())
		b.WriteString("  )\n")
	}
	b.WriteString(")\n")
	return b.String()
}
