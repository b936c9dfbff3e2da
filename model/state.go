package model

import (
	"errors"
	"fmt"
)

// Snapshot is a host copy of the training state: the parameters, the
// AdamW moments and the step count. Restored into a model of the same
// Config, on any backend, training continues exactly as it would have
// (up to the backends' float32 differences). The WebGPU engine keeps one
// to survive the loss of the GPU device.
type Snapshot struct {
	Params, M, V []float32 // flat, laid out by NewLayout(config)
	Step         int       // AdamW steps taken
}

// ErrBadSnapshot is wrapped by the errors of Restore.
var ErrBadSnapshot = errors.New("snapshot does not fit the model")

// Snapshot reads the training state back from the backend (three
// parameter-sized read-backs, which wait for the work recorded so far).
func (m *GPT) Snapshot() *Snapshot {
	n := m.Layout.Size
	s := &Snapshot{Params: make([]float32, n), M: make([]float32, n), V: make([]float32, n), Step: m.step}
	m.be.Read(s.Params, m.params)
	m.be.Read(s.M, m.m)
	m.be.Read(s.V, m.v)
	return s
}

// Restore replaces the parameters, the AdamW moments and the step count
// with those of s. Nothing is changed if s does not fit the model.
func (m *GPT) Restore(s *Snapshot) error {
	n := m.Layout.Size
	if len(s.Params) != n || len(s.M) != n || len(s.V) != n || s.Step < 0 {
		return fmt.Errorf("model: %w: %d/%d/%d values at step %d, layout has %d",
			ErrBadSnapshot, len(s.Params), len(s.M), len(s.V), s.Step, n)
	}
	m.be.Write(m.params, s.Params)
	m.be.Write(m.m, s.M)
	m.be.Write(m.v, s.V)
	m.step = s.Step
	return nil
}
