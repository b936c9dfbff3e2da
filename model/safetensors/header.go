package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
)

// parseHeader parses the JSON header: the tensors' entries, in header
// order, and the metadata. It reads the JSON one token at a time, so that it
// sees duplicate keys and knows which entry it is in.
func parseHeader(header []byte) ([]entry, map[string]string, error) {
	p := &parser{dec: json.NewDecoder(bytes.NewReader(header))}
	p.dec.UseNumber()
	if _, err := p.token(""); err != nil { // '{': Read checked the first byte
		return nil, nil, err
	}
	var entries []entry
	metadata := make(map[string]string)
	seen := make(map[string]bool)
	for p.dec.More() {
		tok, err := p.token("")
		if err != nil {
			return nil, nil, err
		}
		name := tok.(string) // the decoder allows only strings as keys
		if seen[name] {
			return nil, nil, fail(name, ErrDuplicate, "")
		}
		seen[name] = true
		if name == metadataKey {
			if err := p.metadata(metadata); err != nil {
				return nil, nil, err
			}
			continue
		}
		e, err := p.entry(name)
		if err != nil {
			return nil, nil, err
		}
		e.order = len(entries)
		entries = append(entries, e)
	}
	if _, err := p.token(""); err != nil { // '}'
		return nil, nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, nil, fail("", ErrHeader, "data after the JSON object")
	}
	return entries, metadata, nil
}

type parser struct {
	dec *json.Decoder
}

// token reads the next JSON token; a syntax error is reported for tensor.
func (p *parser) token(tensor string) (json.Token, error) {
	tok, err := p.dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, &FormatError{Tensor: tensor, Err: fmt.Errorf("%w: %w", ErrHeader, err)}
	}
	return tok, nil
}

func typeName(tok json.Token) string {
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '{' {
			return "an object"
		}
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

// metadata reads the "__metadata__" value: null or an object of strings.
func (p *parser) metadata(m map[string]string) error {
	tok, err := p.token(metadataKey)
	if err != nil || tok == nil {
		return err
	}
	if tok != json.Delim('{') {
		return fail(metadataKey, ErrMetadata, "%s, want an object", typeName(tok))
	}
	for p.dec.More() {
		tok, err := p.token(metadataKey)
		if err != nil {
			return err
		}
		key := tok.(string)
		if _, dup := m[key]; dup {
			return fail(metadataKey, ErrDuplicate, "key %q", key)
		}
		tok, err = p.token(metadataKey)
		if err != nil {
			return err
		}
		v, ok := tok.(string)
		if !ok {
			return fail(metadataKey, ErrMetadata, "key %q: %s, want a string", key, typeName(tok))
		}
		m[key] = v
	}
	_, err = p.token(metadataKey) // '}'
	return err
}

// entry reads a tensor's entry: {"dtype", "shape", "data_offsets"}.
func (p *parser) entry(name string) (entry, error) {
	e := entry{name: name}
	tok, err := p.token(name)
	if err != nil {
		return e, err
	}
	if tok != json.Delim('{') {
		return e, fail(name, ErrHeader, "entry is %s, want an object", typeName(tok))
	}
	var hasDType, hasShape, hasOffsets bool
	for p.dec.More() {
		tok, err := p.token(name)
		if err != nil {
			return e, err
		}
		switch key := tok.(string); key {
		case "dtype":
			if hasDType {
				return e, fail(name, ErrDuplicate, "field %q", key)
			}
			hasDType = true
			tok, err := p.token(name)
			if err != nil {
				return e, err
			}
			s, ok := tok.(string)
			if !ok {
				return e, fail(name, ErrDType, "%s, want a string", typeName(tok))
			}
			e.dtype = DType(s)
			if e.dtype.Size() == 0 {
				return e, fail(name, ErrDType, "%q; want F32, F16, BF16 or F64", s)
			}
		case "shape":
			if hasShape {
				return e, fail(name, ErrDuplicate, "field %q", key)
			}
			hasShape = true
			nums, err := p.integers(name, ErrShape, MaxDims)
			if err != nil {
				return e, err
			}
			e.shape = make([]int, len(nums))
			for i, d := range nums {
				if d > math.MaxInt {
					return e, fail(name, ErrShape, "dimension %d too large", d)
				}
				e.shape[i] = int(d)
			}
		case "data_offsets":
			if hasOffsets {
				return e, fail(name, ErrDuplicate, "field %q", key)
			}
			hasOffsets = true
			nums, err := p.integers(name, ErrOffsets, 2)
			if err != nil {
				return e, err
			}
			if len(nums) != 2 {
				return e, fail(name, ErrOffsets, "%d numbers, want [begin, end]", len(nums))
			}
			e.begin, e.end = nums[0], nums[1]
			if e.begin > e.end {
				return e, fail(name, ErrOffsets, "begin %d after end %d", e.begin, e.end)
			}
		default:
			return e, fail(name, ErrUnknownField, "%q", key)
		}
	}
	if _, err := p.token(name); err != nil { // '}'
		return e, err
	}
	for _, f := range []struct {
		has  bool
		name string
	}{{hasDType, "dtype"}, {hasShape, "shape"}, {hasOffsets, "data_offsets"}} {
		if !f.has {
			return e, fail(name, ErrMissingField, "%q", f.name)
		}
	}
	// The size: product(shape) × dtype size, without overflow.
	size := uint64(e.dtype.Size())
	for _, d := range e.shape {
		hi, lo := bits.Mul64(size, uint64(d))
		if hi != 0 {
			return e, fail(name, ErrShape, "%v has too many elements", e.shape)
		}
		size = lo
	}
	if e.end-e.begin != size {
		return e, fail(name, ErrSize, "data_offsets [%d, %d] hold %d bytes, shape %v of %s needs %d",
			e.begin, e.end, e.end-e.begin, e.shape, e.dtype, size)
	}
	return e, nil
}

// integers reads an array of at most max non-negative integers that fit in
// a uint64; a violation is reported with sentinel.
func (p *parser) integers(name string, sentinel error, max int) ([]uint64, error) {
	tok, err := p.token(name)
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		return nil, fail(name, sentinel, "%s, want an array of integers", typeName(tok))
	}
	var nums []uint64
	for p.dec.More() {
		tok, err := p.token(name)
		if err != nil {
			return nil, err
		}
		if len(nums) == max {
			return nil, fail(name, sentinel, "more than %d elements", max)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fail(name, sentinel, "element %d is %s, want an integer", len(nums), typeName(tok))
		}
		n, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, fail(name, sentinel, "%s too large", num)
			}
			return nil, fail(name, sentinel, "%s is not a non-negative integer", num)
		}
		nums = append(nums, n)
	}
	if _, err := p.token(name); err != nil { // ']'
		return nil, err
	}
	return nums, nil
}
