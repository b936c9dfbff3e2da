package posttrain

import (
	"fmt"

	"tinystages/datasets/load"
	"tinystages/datasets/record"
)

// Kinds of user-supplied post-training files, in the JSONL conventions of
// TRL.
const (
	KindSFT        = "sft"        // {"messages":[{"role","content"},...]}: SFT conversations
	KindPreference = "preference" // {"prompt","chosen","rejected"}: DPO pairs
	KindPrompts    = "prompts"    // {"prompt","answer"}: RL and distillation problems
)

// Data holds the post-training data a session works with: the shipped
// files, replaced one kind at a time by files the user brings.
type Data struct {
	Conversations []record.Example
	Pairs         []record.Preference
	Prompts       []record.MathProblem
}

// Load parses a file of the given kind and, only if all of it is valid,
// replaces that kind's data. A bad file — a missing role, an empty
// answer, a pair whose chosen equals its rejected, invalid UTF-8, a file
// or line over the loader's limits — fails with a *load.ParseError naming
// the file, the line and the field, and leaves everything already loaded
// as it was.
func (d *Data) Load(kind, file string, data []byte) error {
	switch kind {
	case KindSFT:
		return load.Into(&d.Conversations, file, data)
	case KindPreference:
		return load.Into(&d.Pairs, file, data)
	case KindPrompts:
		return load.Into(&d.Prompts, file, data)
	}
	return fmt.Errorf("posttrain: unknown kind of data %q (want %s, %s or %s)", kind, KindSFT, KindPreference, KindPrompts)
}
