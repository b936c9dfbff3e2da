// Package load parses tinystages dataset files — JSONL, one record per line —
// into the typed records of package record, and validates user-supplied
// corpora.
//
// It is used by native code and by the training engine inside a Web Worker
// (GOOS=js GOARCH=wasm), where data arrives as bytes from fetch, so it
// assumes no file system: every function takes a file name (for messages
// only) and the file's bytes or an io.Reader.
//
// Errors are like encoding/csv's: a *ParseError says which file, which line
// (1-based) and which field, and wraps one of the sentinel errors
// (ErrInvalidJSON, ErrSchema, ErrNotUTF8, ErrEmpty, ErrTooLarge, ErrNUL,
// ErrUnsupported), so callers can test with errors.Is.
//
// Loading is all-or-nothing. Parse and Read return either every record of a
// file or an error and no records; Into replaces a caller's slice only on
// success, so a failed load never loses what was loaded before. A Scanner
// streams records one at a time for callers that want to, and stops at the
// first error.
//
// Limits: a file may hold at most MaxFileBytes bytes and a JSONL line at
// most MaxLineBytes. Blank lines are skipped, a leading UTF-8 byte-order
// mark is ignored, "\r\n" line endings are accepted, and unknown fields are
// ignored (TRL datasets often carry extra columns).
package load
