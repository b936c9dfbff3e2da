// Package build generates every tinystages dataset into a directory: the
// JSONL files (one per dataset and split), the default tokenizer, the
// manifest and the cards. The command datasets/cmd/mkdatasets is a thin
// wrapper around Run.
//
// The build is deterministic: for a given seed and Go toolchain (whose tree
// the code corpus and the book are read from) it writes byte-identical
// files, and running it again over its own output changes nothing. It checks
// its own output before it writes the manifest: every file is parsed back
// with package load, so a build that succeeds has written only valid files.
// The manifest is written last, so its presence means the build finished.
package build
