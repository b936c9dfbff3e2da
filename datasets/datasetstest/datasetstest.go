// Package datasetstest lets tests use what make builds and tests do not:
// the shipped datasets (make datasets) and checkpoints (make
// checkpoints). A test that needs a missing one skips, with how to make
// it, and fails under CI, where nothing may skip silently.
package datasetstest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tinystages/model/tokenizer"
)

// InCI reports whether the tests run under CI (CI set, and not 0 or
// false), where a test must not skip for want of a file or a browser.
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "0" && v != "false"
}

// Missing skips t, or fails it under CI, because what is missing; how
// says how to make it ("make datasets").
func Missing(t testing.TB, what, how string) {
	t.Helper()
	msg := what + " is missing: " + how
	if InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Need makes sure path exists: Missing when it does not.
func Need(t testing.TB, path, how string) {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		Missing(t, path, how)
	}
}

// Read returns the file at path, a part of the shipped datasets or
// checkpoints that how makes; Missing when it is not there.
func Read(t testing.TB, path, how string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		Missing(t, path, how)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Tokenizer loads the tokenizer of the shipped datasets in dir
// (dir/tokenizer.json).
func Tokenizer(t testing.TB, dir string) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.Load(Read(t, filepath.Join(dir, "tokenizer.json"), "make datasets"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
