package split

import "hash/fnv"

// Names of the splits, as used in file names (pretrain.train.jsonl) and in
// the manifest.
const (
	Train = "train"
	Eval  = "eval"
)

// Bucket maps id to a number in [0, 1), uniformly for distinct ids.
func Bucket(id string) float64 {
	h := fnv.New64a()
	h.Write([]byte("tinystages/split:"))
	h.Write([]byte(id))
	x := h.Sum64()
	// FNV's low bits mix poorly for short inputs; finish with a 64-bit mixer.
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return float64(x>>11) / (1 << 53)
}

// IsEval reports whether id belongs to the eval split when a fraction frac of
// all ids is held out for evaluation.
func IsEval(id string, frac float64) bool {
	return Bucket(id) < frac
}

// Of returns Eval or Train for id at hold-out fraction frac.
func Of(id string, frac float64) string {
	if IsEval(id, frac) {
		return Eval
	}
	return Train
}
