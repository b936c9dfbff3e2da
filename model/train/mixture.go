package train

import (
	"fmt"
	"math/rand/v2"

	"tinystages/model"
)

// Component is one part of a data mixture: a corpus and its share of the
// rows of each batch.
type Component struct {
	Name   string  // shown in the UI's weight heatmap: "domain", "replay", "synthetic"
	Corpus *Corpus // tokenized documents
	Weight float64 // relative share of batch rows
}

// Mixture is the mid-training producer: every row of a batch is a random
// window of T+1 tokens from one component, the component drawn with
// probability proportional to its weight. Replay of pre-training data is
// simply a component, and so is structure-derived synthetic data.
type Mixture struct {
	comps   []Component
	total   float64
	origins []string // component of each row of the last batch
}

// NewMixture checks that every component with a positive weight can fill
// a window of T+1 tokens. Components with weight 0 are dropped.
func NewMixture(T int, comps ...Component) (*Mixture, error) {
	m := &Mixture{}
	for _, c := range comps {
		if c.Weight < 0 {
			return nil, fmt.Errorf("train: mixture component %s has weight %v", c.Name, c.Weight)
		}
		if c.Weight == 0 {
			continue
		}
		if c.Corpus == nil || len(c.Corpus.Tokens) < T+2 {
			return nil, fmt.Errorf("train: %w: mixture component %s cannot fill a window of %d tokens", ErrCorpusTooSmall, c.Name, T+1)
		}
		m.comps = append(m.comps, c)
		m.total += c.Weight
	}
	if len(m.comps) == 0 {
		return nil, fmt.Errorf("train: %w: the mixture has no component with a positive weight", ErrCorpusTooSmall)
	}
	return m, nil
}

// Next implements Producer.
func (m *Mixture) Next(B, T int, rng *rand.Rand) *model.Batch {
	windows := make([][]int32, B)
	m.origins = m.origins[:0]
	for b := range windows {
		c := m.pick(rng)
		windows[b] = c.Corpus.Window(T, rng)
		m.origins = append(m.origins, c.Name)
	}
	return model.NextTokenBatch(windows)
}

func (m *Mixture) pick(rng *rand.Rand) *Component {
	r := rng.Float64() * m.total
	for i := range m.comps {
		r -= m.comps[i].Weight
		if r < 0 {
			return &m.comps[i]
		}
	}
	return &m.comps[len(m.comps)-1]
}

// Origins returns the component name of each row of the last batch.
func (m *Mixture) Origins() []string { return append([]string(nil), m.origins...) }

// NamedValidator is a Validator with a name for the UI ("domain",
// "general").
type NamedValidator struct {
	Name string
	Val  Validator
}

// MultiVal measures several validators at once. Its mean is the first
// one's; its by-source map holds every validator's mean under its name
// and each of their sources as "name/source".
type MultiVal []NamedValidator

// Loss implements Validator.
func (mv MultiVal) Loss(m *model.GPT, B int) (float64, map[string]float64, error) {
	by := map[string]float64{}
	var first float64
	for i, nv := range mv {
		mean, sub, err := nv.Val.Loss(m, B)
		if err != nil {
			return 0, nil, fmt.Errorf("%s: %w", nv.Name, err)
		}
		if i == 0 {
			first = mean
		}
		by[nv.Name] = mean
		for src, l := range sub {
			by[nv.Name+"/"+src] = l
		}
	}
	return first, by, nil
}
