package pretrain

import (
	"strings"

	"tinystages/datasets/internal/rng"
)

// typos corrupts some lower-case words of s, each with probability p, by
// swapping, dropping or doubling a letter. Only words of four or more
// lower-case ASCII letters are touched; the callers pass filler text only,
// never a sentence that names the world.
func typos(r *rng.Source, s string, p float64) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		if len(w) < 4 || !isLowerWord(w) || !r.Chance(p) {
			continue
		}
		b := []byte(w)
		j := r.IntN(len(b) - 1)
		switch r.IntN(3) {
		case 0:
			b[j], b[j+1] = b[j+1], b[j]
		case 1:
			b = append(b[:j], b[j+1:]...)
		default:
			b = append(b[:j+1], b[j:]...)
		}
		words[i] = string(b)
	}
	return strings.Join(words, " ")
}

func isLowerWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}
