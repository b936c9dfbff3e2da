// Package cards holds the dataset cards — one Markdown file per dataset:
// purpose, stage, source, license, size, structure, how it was made and
// what it is designed to teach — and renders them with the numbers of a
// build.
//
// The cards in this directory are text/template files; the build fills in
// the numbers from the manifest (files, bytes, records, tokens, structure)
// and writes the result next to the data as <dataset>.md, where the server
// serves it. The QA sets share qa.md.
package cards
