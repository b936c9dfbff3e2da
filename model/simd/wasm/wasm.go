// Package wasm is a small WebAssembly binary encoder: just enough of the
// format to write compute kernels in Go and get a module's bytes, with no
// outside toolchain.
//
// A Module holds imported memories and functions. A function's body is
// written as Go code that composes Code values (each emits instructions in
// stack order) and structured control flow with named labels, so a kernel
// reads like the loop nest it is:
//
//	f := m.Func("scale", true)
//	x, n, s := f.Param("x", wasm.I32), f.Param("n", wasm.I32), f.Param("s", wasm.F32)
//	f.While(wasm.I32GtS(n.Get(), wasm.I32Const(0)), func() {
//		f.Do(wasm.F32Store(x.Get(), 0, wasm.F32Mul(wasm.F32Load(x.Get(), 0), s.Get())))
//		f.Do(x.Set(wasm.I32Add(x.Get(), wasm.I32Const(4))))
//		f.Do(n.Set(wasm.I32Sub(n.Get(), wasm.I32Const(1))))
//	})
//
// Besides the binary (Module.Encode), every instruction is recorded as a
// line of the WebAssembly text format, indented by nesting, so the
// generated code can be read and diffed (Module.Listing).
//
// The encoder checks what it can cheaply (operand types are left to the
// engine's validator); mistakes in the kernel source panic with a "wasm: "
// prefix.
package wasm

import (
	"bytes"
	"fmt"
	"math"
	"strings"
)

// ValType is a WebAssembly value type.
type ValType byte

// Value types and their binary codes.
const (
	I32  ValType = 0x7f
	I64  ValType = 0x7e
	F32  ValType = 0x7d
	F64  ValType = 0x7c
	V128 ValType = 0x7b
)

func (t ValType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	case V128:
		return "v128"
	}
	return fmt.Sprintf("valtype(%#x)", byte(t))
}

// Module is a WebAssembly module under construction.
type Module struct {
	memImports []memImport
	types      []funcType
	funcs      []*Func
}

type memImport struct {
	module, name string
	minPages     uint32
}

type funcType struct{ params, results []ValType }

func (t funcType) equal(u funcType) bool {
	return bytes.Equal(valBytes(t.params), valBytes(u.params)) && bytes.Equal(valBytes(t.results), valBytes(u.results))
}

func valBytes(ts []ValType) []byte {
	b := make([]byte, len(ts))
	for i, t := range ts {
		b[i] = byte(t)
	}
	return b
}

// ImportMemory declares memory 0 as imported from module.name with at
// least minPages pages of 64 KiB and no maximum, so the importing module
// accepts any larger memory and sees it grow.
func (m *Module) ImportMemory(module, name string, minPages uint32) {
	if len(m.memImports) > 0 {
		panic("wasm: only one memory")
	}
	m.memImports = append(m.memImports, memImport{module, name, minPages})
}

// Func starts a new function called name, exported under that name when
// export is set. Declare its parameters, then its result and locals, then
// write its body.
func (m *Module) Func(name string, export bool) *Func {
	for _, g := range m.funcs {
		if g.name == name {
			panic(fmt.Sprintf("wasm: function %q declared twice", name))
		}
	}
	f := &Func{mod: m, name: name, export: export, index: uint32(len(m.funcs))}
	m.funcs = append(m.funcs, f)
	return f
}

// Func is a function under construction.
type Func struct {
	mod     *Module
	name    string
	export  bool
	index   uint32
	params  []*Local
	results []ValType
	locals  []*Local // params first
	body    []byte
	text    strings.Builder
	depth   int // open blocks, for labels and indentation
	started bool
}

// Local is a parameter or local variable of a function.
type Local struct {
	f     *Func
	name  string
	typ   ValType
	index uint32
}

// Type is the local's value type.
func (l *Local) Type() ValType { return l.typ }

// Param adds a parameter. Parameters come before everything else.
func (f *Func) Param(name string, t ValType) *Local {
	if f.started || len(f.locals) > len(f.params) {
		panic(fmt.Sprintf("wasm: %s: parameter %q after locals or body", f.name, name))
	}
	l := f.newLocal(name, t)
	f.params = append(f.params, l)
	return l
}

// Result sets the function's result types.
func (f *Func) Result(ts ...ValType) {
	if f.started {
		panic(fmt.Sprintf("wasm: %s: result after body", f.name))
	}
	f.results = append([]ValType(nil), ts...)
}

// Local adds a local variable, zero on entry. Locals may be added while
// the body is written (they are encoded with the module).
func (f *Func) Local(name string, t ValType) *Local { return f.newLocal(name, t) }

// Var returns the local called name, adding it on first use: helpers that
// emit code into several functions use it for their temporaries.
func (f *Func) Var(name string, t ValType) *Local {
	for _, l := range f.locals {
		if l.name == name {
			if l.typ != t {
				panic(fmt.Sprintf("wasm: %s: local %q is %s, not %s", f.name, name, l.typ, t))
			}
			return l
		}
	}
	return f.newLocal(name, t)
}

func (f *Func) newLocal(name string, t ValType) *Local {
	for _, l := range f.locals {
		if l.name == name {
			panic(fmt.Sprintf("wasm: %s: local %q declared twice", f.name, name))
		}
	}
	l := &Local{f: f, name: name, typ: t, index: uint32(len(f.locals))}
	f.locals = append(f.locals, l)
	return l
}

// Code is a piece of a function body: it emits its instructions, in stack
// order, into f. Expressions (I32Add(x.Get(), I32Const(1))) leave values
// on the stack; statements (x.Set(...), V128Store(...)) leave none.
type Code func(f *Func)

// Do emits statements into the function body.
func (f *Func) Do(cs ...Code) {
	for _, c := range cs {
		f.start()
		c(f)
	}
}

func (f *Func) start() { f.started = true }

// emit appends an instruction's bytes and its text line.
func (f *Func) emit(text string, b ...byte) {
	f.start()
	f.body = append(f.body, b...)
	f.text.WriteString(strings.Repeat("  ", f.depth+2))
	f.text.WriteString(text)
	f.text.WriteByte('\n')
}

// Label is the target of a branch: the end of a Block or the start of a
// Loop. It is valid only inside the construct that made it.
type Label struct {
	f     *Func
	depth int // f.depth inside the construct
	name  string
}

func (f *Func) open(op byte, mnem, name string, body func(Label)) {
	f.emit(fmt.Sprintf("%s $%s", mnem, name), op, 0x40) // 0x40: no results
	f.depth++
	body(Label{f: f, depth: f.depth, name: name})
	f.depth--
	f.emit("end", 0x0b)
}

// Block emits a block; branching to its label leaves the block.
func (f *Func) Block(name string, body func(end Label)) { f.open(0x02, "block", name, body) }

// Loop emits a loop; branching to its label starts the next iteration.
// Falling off the end leaves the loop.
func (f *Func) Loop(name string, body func(next Label)) { f.open(0x03, "loop", name, body) }

// If emits if cond { then } else { els }; els may be nil.
func (f *Func) If(cond Code, then, els func()) {
	f.Do(cond)
	f.emit("if", 0x04, 0x40)
	f.depth++
	then()
	if els != nil {
		f.depth--
		f.emit("else", 0x05)
		f.depth++
		els()
	}
	f.depth--
	f.emit("end", 0x0b)
}

// Br branches to l unconditionally.
func (f *Func) Br(l Label) { f.emit("br $"+l.name, append([]byte{0x0c}, uleb(f.rel(l))...)...) }

// BrIf branches to l when cond is not zero.
func (f *Func) BrIf(l Label, cond Code) {
	f.Do(cond)
	f.emit("br_if $"+l.name, append([]byte{0x0d}, uleb(f.rel(l))...)...)
}

func (f *Func) rel(l Label) uint64 {
	if l.f != f || l.depth > f.depth {
		panic(fmt.Sprintf("wasm: %s: branch to $%s outside its construct", f.name, l.name))
	}
	return uint64(f.depth - l.depth)
}

// While emits a loop that runs body as long as cond holds, testing cond
// before each iteration.
func (f *Func) While(cond Code, body func()) {
	f.Block("while_end", func(end Label) {
		f.Loop("while", func(next Label) {
			f.BrIf(end, I32Eqz(cond))
			body()
			f.Br(next)
		})
	})
}

// For emits for i := from; i < to; i += step { body } with i a signed
// i32 local; to and step are re-evaluated each iteration. The body runs at
// least once only if from < to.
func (f *Func) For(i *Local, from, to, step Code, body func()) {
	f.Do(i.Set(from))
	f.If(I32LtS(i.Get(), to), func() {
		f.Loop("for_"+i.name, func(next Label) {
			body()
			f.Do(i.Set(I32Add(i.Get(), step)))
			f.BrIf(next, I32LtS(i.Get(), to))
		})
	}, nil)
}

// Return returns from the function with the values vals leave, one
// value each.
func (f *Func) Return(vals ...Code) {
	if len(vals) != len(f.results) {
		panic(fmt.Sprintf("wasm: %s: return of %d values, the function has %d results", f.name, len(vals), len(f.results)))
	}
	f.Do(vals...)
	f.emit("return", 0x0f)
}

// Call calls g with args; it leaves g's results on the stack.
func Call(g *Func, args ...Code) Code {
	return func(f *Func) {
		if len(args) != len(g.params) {
			panic(fmt.Sprintf("wasm: call of %s with %d arguments, want %d", g.name, len(args), len(g.params)))
		}
		if g.mod != f.mod {
			panic("wasm: call across modules")
		}
		for _, a := range args {
			a(f)
		}
		f.emit("call $"+g.name, append([]byte{0x10}, uleb(uint64(g.index))...)...)
	}
}

// Get reads the local.
func (l *Local) Get() Code {
	return func(f *Func) { f.localOp(l, 0x20, "local.get") }
}

// Set stores v in the local.
func (l *Local) Set(v Code) Code {
	return func(f *Func) {
		v(f)
		f.localOp(l, 0x21, "local.set")
	}
}

// Tee stores v in the local and leaves it on the stack.
func (l *Local) Tee(v Code) Code {
	return func(f *Func) {
		v(f)
		f.localOp(l, 0x22, "local.tee")
	}
}

func (f *Func) localOp(l *Local, op byte, mnem string) {
	if l.f != f {
		panic(fmt.Sprintf("wasm: local %q of %s used in %s", l.name, l.f.name, f.name))
	}
	f.emit(mnem+" $"+l.name, append([]byte{op}, uleb(uint64(l.index))...)...)
}

// Drop discards the value v leaves.
func Drop(v Code) Code { return seq(v, simple("drop", 0x1a)) }

// Select leaves a if cond is not zero, else b (both evaluated).
func Select(a, b, cond Code) Code { return seq(a, b, cond, simple("select", 0x1b)) }

// Seq emits cs in order: statements then, optionally, an expression
// whose value it leaves.
func Seq(cs ...Code) Code { return seq(cs...) }

func seq(cs ...Code) Code {
	return func(f *Func) {
		for _, c := range cs {
			c(f)
		}
	}
}

func simple(mnem string, b ...byte) Code { return func(f *Func) { f.emit(mnem, b...) } }

// I32Const is a 32-bit integer constant.
func I32Const(v int32) Code {
	return func(f *Func) { f.emit(fmt.Sprintf("i32.const %d", v), append([]byte{0x41}, sleb(int64(v))...)...) }
}

// F32Const is a 32-bit float constant.
func F32Const(v float32) Code {
	return func(f *Func) {
		b := []byte{0x43, 0, 0, 0, 0}
		bits := math.Float32bits(v)
		for i := 0; i < 4; i++ {
			b[1+i] = byte(bits >> (8 * i))
		}
		f.emit(fmt.Sprintf("f32.const %v", v), b...)
	}
}

// V128Const is a vector of four f32 lanes.
func V128Const(lanes [4]float32) Code {
	return func(f *Func) {
		b := append([]byte{0xfd}, uleb(0x0c)...)
		for _, v := range lanes {
			bits := math.Float32bits(v)
			b = append(b, byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24))
		}
		f.emit(fmt.Sprintf("v128.const f32x4 %v %v %v %v", lanes[0], lanes[1], lanes[2], lanes[3]), b...)
	}
}

// F32x4Zero is the zero vector.
func F32x4Zero() Code { return V128Const([4]float32{}) }

// unary and binary operators of the core instruction set
var (
	i32Ops = map[string]byte{
		"eqz": 0x45, "eq": 0x46, "ne": 0x47, "lt_s": 0x48, "lt_u": 0x49, "gt_s": 0x4a, "gt_u": 0x4b,
		"le_s": 0x4c, "le_u": 0x4d, "ge_s": 0x4e, "ge_u": 0x4f,
		"add": 0x6a, "sub": 0x6b, "mul": 0x6c, "div_s": 0x6d, "div_u": 0x6e, "rem_s": 0x6f, "rem_u": 0x70,
		"and": 0x71, "or": 0x72, "xor": 0x73, "shl": 0x74, "shr_s": 0x75, "shr_u": 0x76,
	}
	f32Ops = map[string]byte{
		"eq": 0x5b, "ne": 0x5c, "lt": 0x5d, "gt": 0x5e, "le": 0x5f, "ge": 0x60,
		"abs": 0x8b, "neg": 0x8c, "sqrt": 0x91, "add": 0x92, "sub": 0x93, "mul": 0x94, "div": 0x95,
		"min": 0x96, "max": 0x97,
	}
)

func bin(mnem string, op byte, a, b Code) Code { return seq(a, b, simple(mnem, op)) }

func i32op(name string, args ...Code) Code {
	return seq(append(args, simple("i32."+name, i32Ops[name]))...)
}

func f32op(name string, args ...Code) Code {
	return seq(append(args, simple("f32."+name, f32Ops[name]))...)
}

// i32 operators.
func I32Eqz(a Code) Code     { return i32op("eqz", a) }
func I32Eq(a, b Code) Code   { return i32op("eq", a, b) }
func I32Ne(a, b Code) Code   { return i32op("ne", a, b) }
func I32LtS(a, b Code) Code  { return i32op("lt_s", a, b) }
func I32LtU(a, b Code) Code  { return i32op("lt_u", a, b) }
func I32GtS(a, b Code) Code  { return i32op("gt_s", a, b) }
func I32GtU(a, b Code) Code  { return i32op("gt_u", a, b) }
func I32LeS(a, b Code) Code  { return i32op("le_s", a, b) }
func I32GeS(a, b Code) Code  { return i32op("ge_s", a, b) }
func I32Add(a, b Code) Code  { return i32op("add", a, b) }
func I32Sub(a, b Code) Code  { return i32op("sub", a, b) }
func I32Mul(a, b Code) Code  { return i32op("mul", a, b) }
func I32DivS(a, b Code) Code { return i32op("div_s", a, b) }
func I32And(a, b Code) Code  { return i32op("and", a, b) }
func I32Or(a, b Code) Code   { return i32op("or", a, b) }
func I32Shl(a, b Code) Code  { return i32op("shl", a, b) }

// I32ShrS is an arithmetic shift right.
func I32ShrS(a, b Code) Code { return i32op("shr_s", a, b) }

// I32MinS leaves the smaller of a and b (signed); both are evaluated once.
// It uses two hidden locals, so a and b must not contain I32MinS.
func I32MinS(a, b Code) Code {
	return func(f *Func) {
		// select(a, b, a < b) needs a and b twice: evaluate them into
		// temporaries.
		x, y := f.Var("min_a", I32), f.Var("min_b", I32)
		seq(x.Set(a), y.Set(b), Select(x.Get(), y.Get(), I32LtS(x.Get(), y.Get())))(f)
	}
}

// f32 operators.
func F32Add(a, b Code) Code { return f32op("add", a, b) }
func F32Sub(a, b Code) Code { return f32op("sub", a, b) }
func F32Mul(a, b Code) Code { return f32op("mul", a, b) }
func F32Div(a, b Code) Code { return f32op("div", a, b) }
func F32Max(a, b Code) Code { return f32op("max", a, b) }
func F32Sqrt(a Code) Code   { return f32op("sqrt", a) }
func F32Lt(a, b Code) Code  { return f32op("lt", a, b) }
func F32Gt(a, b Code) Code  { return f32op("gt", a, b) }
func F32Min(a, b Code) Code { return f32op("min", a, b) }

// F32ConvertI32S converts a signed integer to f32.
func F32ConvertI32S(a Code) Code { return seq(a, simple("f32.convert_i32_s", 0xb2)) }

// I32TruncF32S converts f32 to a signed integer, trapping out of range.
func I32TruncF32S(a Code) Code { return seq(a, simple("i32.trunc_f32_s", 0xa8)) }

// MemArg bytes: alignment exponent and offset.
func memarg(alignExp uint32, offset uint32) []byte {
	return append(uleb(uint64(alignExp)), uleb(uint64(offset))...)
}

func load(mnem string, prefix []byte, alignExp uint32, addr Code, offset uint32) Code {
	return func(f *Func) {
		addr(f)
		f.emit(fmt.Sprintf("%s offset=%d", mnem, offset), append(prefix, memarg(alignExp, offset)...)...)
	}
}

func store(mnem string, prefix []byte, alignExp uint32, addr Code, offset uint32, v Code) Code {
	return func(f *Func) {
		addr(f)
		v(f)
		f.emit(fmt.Sprintf("%s offset=%d", mnem, offset), append(prefix, memarg(alignExp, offset)...)...)
	}
}

func simd(op uint32) []byte { return append([]byte{0xfd}, uleb(uint64(op))...) }

// Memory access; addresses are byte offsets into memory 0, offset is a
// constant added to addr.
func I32Load(addr Code, offset uint32) Code { return load("i32.load", []byte{0x28}, 2, addr, offset) }
func F32Load(addr Code, offset uint32) Code { return load("f32.load", []byte{0x2a}, 2, addr, offset) }
func F32Store(addr Code, offset uint32, v Code) Code {
	return store("f32.store", []byte{0x38}, 2, addr, offset, v)
}
func V128Load(addr Code, offset uint32) Code { return load("v128.load", simd(0x00), 4, addr, offset) }
func V128Store(addr Code, offset uint32, v Code) Code {
	return store("v128.store", simd(0x0b), 4, addr, offset, v)
}

// V128Load32Splat loads one f32 (or i32) into all four lanes.
func V128Load32Splat(addr Code, offset uint32) Code {
	return load("v128.load32_splat", simd(0x09), 2, addr, offset)
}

func simdop(mnem string, op uint32, args ...Code) Code {
	return seq(append(args, simple(mnem, simd(op)...))...)
}

// f32x4 operators.
func F32x4Splat(a Code) Code      { return simdop("f32x4.splat", 0x13, a) }
func F32x4Add(a, b Code) Code     { return simdop("f32x4.add", 0xe4, a, b) }
func F32x4Sub(a, b Code) Code     { return simdop("f32x4.sub", 0xe5, a, b) }
func F32x4Mul(a, b Code) Code     { return simdop("f32x4.mul", 0xe6, a, b) }
func F32x4Div(a, b Code) Code     { return simdop("f32x4.div", 0xe7, a, b) }
func F32x4Min(a, b Code) Code     { return simdop("f32x4.min", 0xe8, a, b) }
func F32x4Max(a, b Code) Code     { return simdop("f32x4.max", 0xe9, a, b) }
func F32x4PMin(a, b Code) Code    { return simdop("f32x4.pmin", 0xea, a, b) }
func F32x4PMax(a, b Code) Code    { return simdop("f32x4.pmax", 0xeb, a, b) }
func F32x4Abs(a Code) Code        { return simdop("f32x4.abs", 0xe0, a) }
func F32x4Neg(a Code) Code        { return simdop("f32x4.neg", 0xe1, a) }
func F32x4Sqrt(a Code) Code       { return simdop("f32x4.sqrt", 0xe3, a) }
func F32x4Nearest(a Code) Code    { return simdop("f32x4.nearest", 0x6a, a) }
func F32x4Lt(a, b Code) Code      { return simdop("f32x4.lt", 0x43, a, b) }
func F32x4Gt(a, b Code) Code      { return simdop("f32x4.gt", 0x44, a, b) }
func V128And(a, b Code) Code      { return simdop("v128.and", 0x4e, a, b) }
func V128Or(a, b Code) Code       { return simdop("v128.or", 0x50, a, b) }
func V128Xor(a, b Code) Code      { return simdop("v128.xor", 0x51, a, b) }
func I32x4Add(a, b Code) Code     { return simdop("i32x4.add", 0xae, a, b) }
func I32x4Shl(a, b Code) Code     { return simdop("i32x4.shl", 0xab, a, b) }
func I32x4Splat(a Code) Code      { return simdop("i32x4.splat", 0x11, a) }
func I32x4TruncF32x4(a Code) Code { return simdop("i32x4.trunc_sat_f32x4_s", 0xf8, a) }

// V128Bitselect leaves (a & mask) | (b & ^mask).
func V128Bitselect(a, b, mask Code) Code { return simdop("v128.bitselect", 0x52, a, b, mask) }

// F32x4RelaxedMadd is a*b + c, fused or not at the engine's choice
// (relaxed SIMD).
func F32x4RelaxedMadd(a, b, c Code) Code { return simdop("f32x4.relaxed_madd", 0x105, a, b, c) }

// F32x4ExtractLane leaves lane i of v as an f32.
func F32x4ExtractLane(v Code, i byte) Code {
	return func(f *Func) {
		v(f)
		f.emit(fmt.Sprintf("f32x4.extract_lane %d", i), append(simd(0x1f), i)...)
	}
}

// I8x16Shuffle picks bytes of a (indices 0..15) and b (16..31).
func I8x16Shuffle(a, b Code, lanes [16]byte) Code {
	return func(f *Func) {
		a(f)
		b(f)
		f.emit("i8x16.shuffle "+strings.Trim(fmt.Sprint(lanes), "[]"), append(simd(0x0d), lanes[:]...)...)
	}
}

// F32x4Shuffle picks f32 lanes of a (0..3) and b (4..7).
func F32x4Shuffle(a, b Code, lanes [4]byte) Code {
	var bytes [16]byte
	for i, l := range lanes {
		for j := byte(0); j < 4; j++ {
			bytes[4*i+int(j)] = 4*l + j
		}
	}
	return I8x16Shuffle(a, b, bytes)
}
