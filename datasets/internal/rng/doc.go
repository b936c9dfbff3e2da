// Package rng is the deterministic pseudo-random number generator behind every
// dataset generator.
//
// The generators must produce byte-identical files for a given seed on every
// platform and Go release, so they do not use math/rand (whose derived methods
// are not promised to be stable). A Source is SplitMix64; each dataset and
// split draws from its own substream, New(seed, "pretrain/news"), so adding
// documents to one generator never shifts the bytes of another.
package rng
