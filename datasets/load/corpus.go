package load

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"tinystages/datasets/record"
)

// MaxUserCorpusBytes is the largest domain corpus a user may upload for
// mid-training, per file.
const MaxUserCorpusBytes = MaxFileBytes

// ValidateText checks a plain-text, Markdown or Go source file: it must be
// non-empty (not only white space), at most MaxUserCorpusBytes, valid UTF-8
// and free of NUL bytes. The *ParseError names the first offending line.
func ValidateText(file string, data []byte) error {
	if len(data) > MaxUserCorpusBytes {
		return &ParseError{File: file, Err: fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(data), MaxUserCorpusBytes)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &ParseError{File: file, Err: ErrEmpty}
	}
	line := 1
	for rest := data; len(rest) > 0; line++ {
		l := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if !utf8.Valid(l) {
			return &ParseError{File: file, Line: line, Err: fmt.Errorf("%w at byte %d of the line", ErrNotUTF8, firstInvalid(l)+1)}
		}
		if i := bytes.IndexByte(l, 0); i >= 0 {
			return &ParseError{File: file, Line: line, Err: fmt.Errorf("%w at byte %d of the line", ErrNUL, i+1)}
		}
	}
	return nil
}

// UserCorpus validates a user-supplied domain corpus and returns its
// documents. The file name's extension picks the format: .txt, .md,
// .markdown and .go files are one document each (checked by ValidateText);
// .jsonl files hold one object per line with a non-empty "text" field (any
// other fields are ignored), each a document. Other extensions are refused
// with ErrUnsupported. On error no documents are returned.
func UserCorpus(file string, data []byte) ([]string, error) {
	switch strings.ToLower(path.Ext(file)) {
	case ".txt", ".text", ".md", ".markdown", ".go":
		if err := ValidateText(file, data); err != nil {
			return nil, err
		}
		return []string{string(data)}, nil
	case ".jsonl":
		recs, err := Parse[record.Text](file, data)
		if err != nil {
			return nil, err
		}
		for i, r := range recs {
			if strings.IndexByte(r.Text, 0) >= 0 {
				// The line number is not known after Parse; find it again.
				return nil, &ParseError{File: file, Line: nthRecordLine(data, i), Field: "text", Err: ErrNUL}
			}
		}
		out := make([]string, len(recs))
		for i, r := range recs {
			out[i] = r.Text
		}
		return out, nil
	}
	return nil, &ParseError{File: file, Err: fmt.Errorf("%w: %q (want .txt, .md, .go or .jsonl)", ErrUnsupported, path.Ext(file))}
}

// nthRecordLine returns the 1-based line of the i-th non-blank line.
func nthRecordLine(data []byte, i int) int {
	line := 0
	for _, l := range bytes.Split(data, []byte("\n")) {
		line++
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		if i == 0 {
			return line
		}
		i--
	}
	return line
}
