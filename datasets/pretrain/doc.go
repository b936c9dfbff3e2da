// Package pretrain generates the pre-training corpus: a miniature internet
// of mixed quality.
//
// Documents imitate the kinds of page a web crawl is made of — encyclopedia
// articles, news, stories, forum threads (with typos), recipes, lists, spam
// and boilerplate — plus passages of real public-domain prose, Newton's
// Opticks, which the build reads from the Go toolchain's own tree
// ($GOROOT/src/testdata/Isaac.Newton-Opticks.txt). Each document carries its
// source (the kind of page) and a quality score in [0, 1], so the UI can show
// per-source loss and run a quality-filter experiment.
//
// The pages talk about the fictional world of package world. Only facts
// placed in pre-training (Seen == "pretrain") are ever written, each 20 to
// 34 times (a world.Ledger enforces it), in the sentence templates of its
// relation and in different kinds of page; the rest of each page is filler
// from package prose, which never names a fact.
//
// Document ids are the source and a hash of the text, so identical pages
// collapse into one and the train/eval split (by a hash of the id, package
// split) can never put the same text on both sides.
package pretrain
