package rng

import "hash/fnv"

// Source is a SplitMix64 generator. The zero value is valid (seed 0).
type Source struct {
	state uint64
}

// New returns the substream of seed named by stream.
func New(seed uint64, stream string) *Source {
	h := fnv.New64a()
	h.Write([]byte(stream))
	s := &Source{state: seed ^ h.Sum64()}
	s.Uint64() // decorrelate nearby seeds
	return s
}

// Sub returns an independent substream of s named by stream; s itself is
// advanced by one step.
func (s *Source) Sub(stream string) *Source {
	return New(s.Uint64(), stream)
}

// Uint64 returns the next 64 random bits.
func (s *Source) Uint64() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// IntN returns a uniform integer in [0, n). It panics if n <= 0.
func (s *Source) IntN(n int) int {
	if n <= 0 {
		panic("rng: IntN with n <= 0")
	}
	// Lemire's multiply-shift with rejection, on 64 bits.
	un := uint64(n)
	for {
		hi, lo := mul64(s.Uint64(), un)
		if lo >= un || lo >= (-un)%un {
			return int(hi)
		}
	}
}

func mul64(a, b uint64) (hi, lo uint64) {
	const mask32 = 1<<32 - 1
	a0, a1 := a&mask32, a>>32
	b0, b1 := b&mask32, b>>32
	w0 := a0 * b0
	t := a1*b0 + w0>>32
	w1 := t&mask32 + a0*b1
	hi = a1*b1 + t>>32 + w1>>32
	lo = a * b
	return
}

// Range returns a uniform integer in [lo, hi]. It panics if hi < lo.
func (s *Source) Range(lo, hi int) int {
	if hi < lo {
		panic("rng: Range with hi < lo")
	}
	return lo + s.IntN(hi-lo+1)
}

// Float64 returns a uniform float in [0, 1).
func (s *Source) Float64() float64 {
	return float64(s.Uint64()>>11) / (1 << 53)
}

// Chance reports true with probability p.
func (s *Source) Chance(p float64) bool {
	return s.Float64() < p
}

// Shuffle permutes n elements with swap, Fisher–Yates.
func (s *Source) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, s.IntN(i+1))
	}
}

// Perm returns a random permutation of [0, n).
func (s *Source) Perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	s.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// Pick returns a uniformly chosen element of xs. It panics if xs is empty.
func Pick[T any](s *Source, xs []T) T {
	return xs[s.IntN(len(xs))]
}
