// Package golden compares test output with golden files under testdata/,
// in the manner of go/printer's tests: run "go test -update" to rewrite
// them after an intended change, and review the diff.
package golden
