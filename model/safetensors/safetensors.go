package safetensors

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MaxHeaderSize is the largest header length Read accepts, in bytes, as in
// the reference implementation.
const MaxHeaderSize = 100_000_000

// MaxDims is the largest number of dimensions a tensor may have, as in
// NumPy and PyTorch. It bounds the memory a header can make Read allocate.
const MaxDims = 64

// metadataKey is the header key of the metadata object.
const metadataKey = "__metadata__"

// A DType is an element type of the safetensors format.
type DType string

// The dtypes that Read accepts. Write writes F32.
const (
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	F64  DType = "F64"
)

// Size returns the size of one element in bytes, or 0 for a dtype this
// package does not read.
func (d DType) Size() int {
	switch d {
	case F32:
		return 4
	case F16, BF16:
		return 2
	case F64:
		return 8
	}
	return 0
}

// A Tensor is a named float32 tensor. Data holds the elements in row-major
// order; len(Data) is the product of Shape (1 for a scalar, Shape empty).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// A FormatError reports why Read rejected a file, or Write its arguments.
type FormatError struct {
	// Tensor is the name of the tensor at fault; "__metadata__" for the
	// metadata; "" when the problem is not one entry's.
	Tensor string
	// Err says what is wrong. It wraps one of the Err* sentinels.
	Err error
}

// Error returns "safetensors: ", the tensor's name if any, and what went wrong.
func (e *FormatError) Error() string {
	if e.Tensor == "" {
		return "safetensors: " + e.Err.Error()
	}
	return "safetensors: tensor " + strconv.Quote(e.Tensor) + ": " + e.Err.Error()
}

// Unwrap returns Err, so that errors.Is finds the sentinel.
func (e *FormatError) Unwrap() error { return e.Err }

// These errors are wrapped by a [FormatError]'s Err.
var (
	ErrTooShort     = errors.New("file shorter than 8 bytes")
	ErrHeaderSize   = errors.New("bad header length")          // beyond the file or MaxHeaderSize
	ErrHeader       = errors.New("malformed header")           // not UTF-8, not JSON, not an object, trailing data
	ErrTooLarge     = errors.New("file larger than the limit") // ReadFrom's limit
	ErrMissingField = errors.New("missing field")              // an entry lacks dtype, shape or data_offsets
	ErrUnknownField = errors.New("unknown field")              // an entry has another field
	ErrDType        = errors.New("unsupported dtype")          // not F32, F16, BF16 or F64
	ErrShape        = errors.New("bad shape")                  // not an array of non-negative integers, or too large
	ErrOffsets      = errors.New("bad data_offsets")           // not [begin, end] with begin <= end
	ErrSize         = errors.New("size does not match shape")  // end-begin != product(shape)*dtype size
	ErrOutOfBounds  = errors.New("offsets outside the data section")
	ErrTruncated    = errors.New("data section truncated") // a tensor runs past the end of the file
	ErrOverlap      = errors.New("tensors overlap")
	ErrGap          = errors.New("data section has a gap") // bytes that no tensor covers
	ErrDuplicate    = errors.New("duplicate name")
	ErrMetadata     = errors.New("bad metadata") // __metadata__ not an object of strings
	ErrName         = errors.New("bad tensor name")
)

func fail(tensor string, sentinel error, format string, args ...any) error {
	if format == "" {
		return &FormatError{Tensor: tensor, Err: sentinel}
	}
	return &FormatError{Tensor: tensor, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}

// A File is the content of a safetensors file.
type File struct {
	// Metadata holds the header's "__metadata__" object; it is empty, not
	// nil, when the file has none.
	Metadata map[string]string

	tensors []Tensor
	dtypes  []DType
	index   map[string]int
}

// Names returns the tensors' names in the order of their data in the file.
func (f *File) Names() []string {
	names := make([]string, len(f.tensors))
	for i, t := range f.tensors {
		names[i] = t.Name
	}
	return names
}

// Tensors returns the tensors in the order of their data in the file. The
// slice is a copy; the tensors' Shape and Data are shared with the File.
func (f *File) Tensors() []Tensor { return slices.Clone(f.tensors) }

// Tensor returns the tensor called name and whether there is one. Its Shape
// and Data are shared with the File.
func (f *File) Tensor(name string) (Tensor, bool) {
	i, ok := f.index[name]
	if !ok {
		return Tensor{}, false
	}
	return f.tensors[i], true
}

// DType returns the dtype the tensor called name had in the file.
func (f *File) DType(name string) (DType, bool) {
	i, ok := f.index[name]
	if !ok {
		return "", false
	}
	return f.dtypes[i], true
}

// Write writes tensors, in the order given, as F32, and the metadata (may
// be nil) in a safetensors file. It checks the arguments before writing
// anything: every name valid UTF-8, distinct and not "__metadata__", at
// most MaxDims dimensions, none negative, len(Data) the product of Shape,
// and the metadata valid UTF-8; a violation is a *FormatError.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, err := writeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	bw.Write(n[:])
	bw.Write(header)
	var buf [4]byte
	for _, t := range tensors {
		for _, v := range t.Data {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			bw.Write(buf[:])
		}
	}
	return bw.Flush()
}

// writeHeader checks the arguments of Write and returns the padded header.
func writeHeader(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	var h bytes.Buffer
	h.WriteByte('{')
	if len(metadata) > 0 {
		h.WriteString(`"__metadata__":{`)
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			v := metadata[k]
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, fail(metadataKey, ErrMetadata, "key %q: not valid UTF-8", k)
			}
			if i > 0 {
				h.WriteByte(',')
			}
			writeString(&h, k)
			h.WriteByte(':')
			writeString(&h, v)
		}
		h.WriteByte('}')
	}
	seen := make(map[string]bool, len(tensors))
	var offset uint64
	for i, t := range tensors {
		switch {
		case t.Name == metadataKey:
			return nil, fail(t.Name, ErrName, "reserved for the metadata")
		case !utf8.ValidString(t.Name):
			return nil, fail(t.Name, ErrName, "not valid UTF-8")
		case seen[t.Name]:
			return nil, fail(t.Name, ErrDuplicate, "")
		}
		seen[t.Name] = true
		if len(t.Shape) > MaxDims {
			return nil, fail(t.Name, ErrShape, "%d dimensions, more than %d", len(t.Shape), MaxDims)
		}
		n := uint64(1)
		for _, d := range t.Shape {
			if d < 0 {
				return nil, fail(t.Name, ErrShape, "negative dimension in %v", t.Shape)
			}
			hi, lo := bits.Mul64(n, uint64(d))
			if hi != 0 {
				return nil, fail(t.Name, ErrShape, "%v has too many elements", t.Shape)
			}
			n = lo
		}
		if n != uint64(len(t.Data)) {
			return nil, fail(t.Name, ErrSize, "shape %v is %d elements, Data has %d", t.Shape, n, len(t.Data))
		}
		if i > 0 || len(metadata) > 0 {
			h.WriteByte(',')
		}
		writeString(&h, t.Name)
		h.WriteString(`:{"dtype":"F32","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				h.WriteByte(',')
			}
			h.WriteString(strconv.Itoa(d))
		}
		end := offset + 4*n
		fmt.Fprintf(&h, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	return h.Bytes(), nil
}

// writeString writes s, valid UTF-8, as a JSON string.
func writeString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // cannot fail for a string
	b.Write(q)
}

// ReadFrom reads a whole safetensors file of at most limit bytes from r and
// parses it as Read does. A longer input is an error wrapping ErrTooLarge.
func ReadFrom(r io.Reader, limit int64) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fail("", ErrTooLarge, "more than %d bytes", limit)
	}
	return Read(data)
}

// entry is a tensor's header entry.
type entry struct {
	name       string
	order      int // position in the header
	dtype      DType
	shape      []int
	begin, end uint64
}

// Read parses a safetensors file held in data. The tensors' values are
// copied out of data, which the caller may reuse.
func Read(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fail("", ErrTooShort, "%d bytes", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > MaxHeaderSize {
		return nil, fail("", ErrHeaderSize, "%d bytes, more than the limit of %d", n, MaxHeaderSize)
	}
	if n > uint64(len(data)-8) {
		return nil, fail("", ErrHeaderSize, "%d bytes, but only %d follow", n, len(data)-8)
	}
	header, body := data[8:8+n], data[8+n:]
	if len(header) == 0 || header[0] != '{' {
		return nil, fail("", ErrHeader, "does not start with '{'")
	}
	if !utf8.Valid(header) {
		return nil, fail("", ErrHeader, "not valid UTF-8")
	}
	entries, metadata, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	if err := checkLayout(entries, uint64(len(body))); err != nil {
		return nil, err
	}
	f := &File{
		Metadata: metadata,
		tensors:  make([]Tensor, len(entries)),
		dtypes:   make([]DType, len(entries)),
		index:    make(map[string]int, len(entries)),
	}
	for i, e := range entries {
		f.tensors[i] = Tensor{Name: e.name, Shape: e.shape, Data: decode(e.dtype, body[e.begin:e.end])}
		f.dtypes[i] = e.dtype
		f.index[e.name] = i
	}
	return f, nil
}

// checkLayout sorts the entries by offset and checks that they tile the
// data section of size bytes exactly.
func checkLayout(entries []entry, size uint64) error {
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), cmp.Compare(a.order, b.order))
	})
	var at uint64
	for _, e := range entries {
		switch {
		case e.begin > size:
			return fail(e.name, ErrOutOfBounds, "data_offsets [%d, %d] in a data section of %d bytes", e.begin, e.end, size)
		case e.end > size:
			return fail(e.name, ErrTruncated, "data_offsets [%d, %d] in a data section of %d bytes", e.begin, e.end, size)
		case e.begin < at:
			return fail(e.name, ErrOverlap, "data_offsets [%d, %d] start before the end of the previous tensor, %d", e.begin, e.end, at)
		case e.begin > at:
			return fail(e.name, ErrGap, "bytes [%d, %d) before data_offsets [%d, %d] belong to no tensor", at, e.begin, e.begin, e.end)
		}
		at = e.end
	}
	if at < size {
		return fail("", ErrGap, "bytes [%d, %d) at the end of the data section belong to no tensor", at, size)
	}
	return nil
}

// decode converts little-endian elements of dtype d to float32.
func decode(d DType, b []byte) []float32 {
	out := make([]float32, len(b)/d.Size())
	switch d {
	case F32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case F16:
		for i := range out {
			out[i] = halfToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case BF16:
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
	case F64:
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	}
	return out
}

// halfToFloat32 converts an IEEE 754 binary16 value to float32, exactly;
// NaN payloads are kept.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp == 0 && mant == 0: // zero
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: mant × 2⁻²⁴; normalize it
		e := uint32(127 - 14)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}
