// Command mkdatasets generates the tinystages datasets: the JSONL files of
// every stage, the default tokenizer, the manifest and the dataset cards.
//
// Usage:
//
//	go run ./datasets/cmd/mkdatasets -out web/datasets [-seed N] [-goroot DIR]
//
// The output is deterministic for a given seed and Go toolchain, and the
// command is idempotent: files whose contents would not change are not
// rewritten. The manifest (manifest.json) is written last.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strings"

	"tinystages/datasets/build"
)

var (
	out    = flag.String("out", "web/datasets", "output `directory`")
	seed   = flag.Uint64("seed", build.DefaultSeed, "generator seed")
	goroot = flag.String("goroot", "", "Go tree to extract the book and the code from (default: $GOROOT, else the toolchain's)")
	vocab  = flag.Int("vocab", build.DefaultVocabSize, "vocabulary size of the default tokenizer")
	notok  = flag.Bool("no-tokenizer", false, "skip the tokenizer (no tokenizer.json, token counts 0)")
	quiet  = flag.Bool("q", false, "no progress output")
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("mkdatasets: ")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: mkdatasets [-out dir] [-seed n] [-goroot dir]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	root := *goroot
	if root == "" {
		var err error
		if root, err = build.GoRoot(); err != nil {
			// Last resort: ask the go command.
			out, xerr := exec.Command("go", "env", "GOROOT").Output()
			if xerr != nil {
				log.Fatal(err)
			}
			root = strings.TrimSpace(string(out))
		}
	}
	opts := build.Options{Out: *out, Seed: *seed, GoRoot: root, VocabSize: *vocab, Tokenizer: build.DefaultTokenizer}
	if *notok {
		opts.Tokenizer = nil
	}
	if !*quiet {
		opts.Log = log.Printf
	}
	if _, err := build.Run(opts); err != nil {
		log.Fatal(err)
	}
}
