package load

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"tinystages/datasets/record"
)

// Limits on what the loader accepts.
const (
	MaxFileBytes = 8 << 20  // 8 MiB per file
	MaxLineBytes = 64 << 10 // 64 KiB per JSONL line
)

// Sentinel errors wrapped by *ParseError.
var (
	ErrInvalidJSON = errors.New("invalid JSON")
	ErrSchema      = errors.New("wrong schema")
	ErrNotUTF8     = errors.New("invalid UTF-8")
	ErrEmpty       = errors.New("empty file")
	ErrTooLarge    = errors.New("too large")
	ErrNUL         = errors.New("NUL byte")
	ErrUnsupported = errors.New("unsupported file type")
)

// A ParseError is returned for every problem with a file's contents. Line is
// 1-based and 0 when the problem concerns the whole file (empty, too large);
// Field is the JSON path of the offending field, when there is one.
type ParseError struct {
	File  string
	Line  int
	Field string
	Err   error
}

// Error formats the error as "file:line: field "name": cause", leaving out
// the line when it is 0 and the field when it is empty.
func (e *ParseError) Error() string {
	var b []byte
	b = append(b, e.File...)
	if e.Line > 0 {
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(e.Line), 10)
	}
	b = append(b, ": "...)
	if e.Field != "" {
		b = append(b, "field "...)
		b = strconv.AppendQuote(b, e.Field)
		b = append(b, ": "...)
	}
	b = append(b, e.Err.Error()...)
	return string(b)
}

// Unwrap returns the underlying error, which wraps one of the sentinels.
func (e *ParseError) Unwrap() error { return e.Err }

// ptrRecord is satisfied by *T when T is a record type of package record.
type ptrRecord[T any] interface {
	*T
	record.Record
}

// A Scanner reads records of type T from a JSONL stream, one per call to
// Scan, validating each. It stops at the first error, which Err returns.
//
//	s := load.NewScanner[record.Document]("pretrain.train.jsonl", r)
//	for s.Scan() {
//		doc := s.Record()
//		...
//	}
//	if err := s.Err(); err != nil { ... }
type Scanner[T any, PT ptrRecord[T]] struct {
	file    string
	r       *bufio.Reader
	line    int
	bytes   int
	records int
	rec     T
	err     error
	done    bool
	buf     []byte
}

// NewScanner returns a Scanner reading r; file names it in errors.
func NewScanner[T any, PT ptrRecord[T]](file string, r io.Reader) *Scanner[T, PT] {
	return &Scanner[T, PT]{file: file, r: bufio.NewReaderSize(r, 32<<10)}
}

// Scan advances to the next record and reports whether there is one.
func (s *Scanner[T, PT]) Scan() bool {
	if s.done {
		return false
	}
	for {
		line, eof, err := s.readLine()
		if err != nil {
			return s.fail(err)
		}
		if line == nil && eof {
			s.done = true
			if s.records == 0 {
				s.err = &ParseError{File: s.file, Err: ErrEmpty}
			}
			return false
		}
		if s.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.TrimSpace(line)) == 0 {
			if eof {
				s.done = true
				if s.records == 0 {
					s.err = &ParseError{File: s.file, Err: ErrEmpty}
				}
				return false
			}
			continue
		}
		var rec T
		if err := decodeLine(PT(&rec), line); err != nil {
			err.File, err.Line = s.file, s.line
			return s.fail(err)
		}
		s.rec = rec
		s.records++
		if eof {
			s.done = true // the next Scan returns false with no error
		}
		return true
	}
}

func (s *Scanner[T, PT]) fail(err error) bool {
	s.err, s.done = err, true
	var zero T
	s.rec = zero
	return false
}

// readLine returns the next line without its terminator. At the end of the
// input it returns eof == true, with the last unterminated line if any.
func (s *Scanner[T, PT]) readLine() (line []byte, eof bool, err error) {
	s.buf = s.buf[:0]
	for {
		chunk, rerr := s.r.ReadSlice('\n')
		s.bytes += len(chunk)
		if s.bytes > MaxFileBytes {
			return nil, false, &ParseError{File: s.file, Line: s.line + 1,
				Err: fmt.Errorf("%w: file is over %d bytes", ErrTooLarge, MaxFileBytes)}
		}
		s.buf = append(s.buf, chunk...)
		if len(s.buf) > MaxLineBytes+2 {
			return nil, false, &ParseError{File: s.file, Line: s.line + 1,
				Err: fmt.Errorf("%w: line is over %d bytes", ErrTooLarge, MaxLineBytes)}
		}
		switch {
		case rerr == nil:
			s.line++
			return trimEOL(s.buf), false, nil
		case rerr == bufio.ErrBufferFull:
			continue
		case rerr == io.EOF:
			if len(s.buf) == 0 {
				return nil, true, nil
			}
			s.line++
			return trimEOL(s.buf), true, nil
		default:
			return nil, false, rerr
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	return b
}

// Record returns the record read by the last successful Scan.
func (s *Scanner[T, PT]) Record() T { return s.rec }

// Line returns the 1-based line number of the last line read.
func (s *Scanner[T, PT]) Line() int { return s.line }

// Err returns the error that stopped the Scanner, or nil at a clean end of
// a non-empty input.
func (s *Scanner[T, PT]) Err() error { return s.err }

// decodeLine parses one JSONL line into rec and validates it. The returned
// error has no File or Line yet.
func decodeLine(rec record.Record, line []byte) *ParseError {
	if len(line) > MaxLineBytes {
		return &ParseError{Err: fmt.Errorf("%w: line is over %d bytes", ErrTooLarge, MaxLineBytes)}
	}
	if !utf8.Valid(line) {
		return &ParseError{Err: fmt.Errorf("%w at byte %d of the line", ErrNotUTF8, firstInvalid(line)+1)}
	}
	if !json.Valid(line) {
		var v any
		err := json.Unmarshal(line, &v)
		if se, ok := err.(*json.SyntaxError); ok {
			return &ParseError{Err: fmt.Errorf("%w: %v (at byte %d)", ErrInvalidJSON, se, se.Offset)}
		}
		return &ParseError{Err: fmt.Errorf("%w: %v", ErrInvalidJSON, err)}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return &ParseError{Err: fmt.Errorf("%w: line is not a JSON object", ErrSchema)}
	}
	for _, k := range rec.Required() {
		v, ok := fields[k]
		if !ok || string(v) == "null" {
			return &ParseError{Field: k, Err: fmt.Errorf("%w: missing", ErrSchema)}
		}
	}
	if err := json.Unmarshal(line, rec); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &ParseError{Field: te.Field, Err: fmt.Errorf("%w: got JSON %s, want %s", ErrSchema, te.Value, te.Type)}
		}
		return &ParseError{Err: fmt.Errorf("%w: %v", ErrSchema, err)}
	}
	if err := rec.Validate(); err != nil {
		var fe *record.FieldError
		if errors.As(err, &fe) {
			return &ParseError{Field: fe.Field, Err: fmt.Errorf("%w: %s", ErrSchema, fe.Reason)}
		}
		return &ParseError{Err: fmt.Errorf("%w: %v", ErrSchema, err)}
	}
	return nil
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// Read reads every record of r, or none: on any error it returns nil and a
// *ParseError (or the reader's own error).
func Read[T any, PT ptrRecord[T]](file string, r io.Reader) ([]T, error) {
	s := NewScanner[T, PT](file, r)
	var out []T
	for s.Scan() {
		out = append(out, s.Record())
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Parse parses a whole file's bytes into records, or none: on any error it
// returns nil and a *ParseError.
func Parse[T any, PT ptrRecord[T]](file string, data []byte) ([]T, error) {
	if len(data) > MaxFileBytes {
		return nil, &ParseError{File: file, Err: fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(data), MaxFileBytes)}
	}
	return Read[T, PT](file, bytes.NewReader(data))
}

// Into parses data and, only if the whole file is valid, replaces *dst with
// its records. On error *dst is left exactly as it was.
func Into[T any, PT ptrRecord[T]](dst *[]T, file string, data []byte) error {
	recs, err := Parse[T, PT](file, data)
	if err != nil {
		return err
	}
	*dst = recs
	return nil
}
