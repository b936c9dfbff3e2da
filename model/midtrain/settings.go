package midtrain

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"tinystages/datasets/record"
)

// The synthetic generators (record.Generators: the "generator" field of
// synthetic.train.jsonl), by the names the settings and lessons use.
const (
	GenDocToSig   = record.GenDocToSig
	GenSigToPkg   = record.GenSigToPkg
	GenTitleToURL = record.GenTitleToURL
	GenCites      = record.GenCites
	GenRecord     = record.GenRecord
)

// Generators lists every synthetic generator.
var Generators = record.Generators

// Where JEPA's paired views come from.
const (
	// ViewsStructured pairs views the domain's structure makes: each
	// synthetic item's input and output line (doc comment ↔ signature,
	// signature ↔ package, title ↔ URL, page ↔ cited page, record ↔
	// sentence) and each knowledge-base page's title ↔ the start of its
	// body.
	ViewsStructured = "structured"
	// ViewsWeb pairs two neighbouring spans of a pre-training web page:
	// the only "views" plain web text offers.
	ViewsWeb = "web"
)

// ViewSources lists the accepted Settings.Views.
var ViewSources = []string{ViewsStructured, ViewsWeb}

// Settings are mid-training's own knobs, next to train.Settings (steps,
// batch, learning rate, seed).
type Settings struct {
	// Replay is the share of batch rows drawn from pre-training text.
	Replay float64 `json:"replay"`
	// Synthetic is the share of rows of structure-derived items; 0 is
	// plain next-token training on the domain text. The rest of the rows,
	// 1 − Replay − Synthetic, are domain text.
	Synthetic float64 `json:"synthetic"`
	// Generators are the synthetic generators whose items are used; empty
	// means all of them.
	Generators []string `json:"generators,omitempty"`
	// JEPA is λ, the weight of the embedding loss; 0 turns it off.
	JEPA float64 `json:"jepa"`
	// Views is where JEPA's pairs come from: ViewsStructured or ViewsWeb.
	Views string `json:"views,omitempty"`
	// Pairs is the number of view pairs JEPA embeds per step.
	Pairs int `json:"pairs,omitempty"`
}

// Defaults of a mid-training run.
const (
	DefaultReplay    = 0.25
	DefaultSynthetic = 0.25
	DefaultPairs     = 8
)

// DefaultSettings returns the settings a mid-training run starts with:
// a quarter replay, a quarter synthetic items from every generator, no
// JEPA.
func DefaultSettings() Settings {
	return Settings{Replay: DefaultReplay, Synthetic: DefaultSynthetic, Views: ViewsStructured, Pairs: DefaultPairs}
}

// Limits on Settings.
const (
	MaxLambda = 10
	MaxPairs  = 64
)

// ErrBadSettings is wrapped by every error of Settings.Validate.
var ErrBadSettings = errors.New("invalid mid-training settings")

// Validate reports the first setting out of range, with what is allowed.
func (s Settings) Validate() error {
	bad := func(name string, v any, want string) error {
		return fmt.Errorf("midtrain: %w: %s = %v, want %s", ErrBadSettings, name, v, want)
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case !finite(s.Replay) || s.Replay < 0 || s.Replay >= 1:
		return bad("replay", s.Replay, "in [0, 1)")
	case !finite(s.Synthetic) || s.Synthetic < 0 || s.Synthetic >= 1:
		return bad("synthetic", s.Synthetic, "in [0, 1)")
	case s.Replay+s.Synthetic >= 1:
		return bad("replay + synthetic", s.Replay+s.Synthetic, "below 1 (the rest of the rows are domain text)")
	case !finite(s.JEPA) || s.JEPA < 0 || s.JEPA > MaxLambda:
		return bad("jepa", s.JEPA, fmt.Sprintf("in [0, %d]", MaxLambda))
	case s.Pairs < 0 || s.Pairs > MaxPairs:
		return bad("pairs", s.Pairs, fmt.Sprintf("0..%d (0: %d)", MaxPairs, DefaultPairs))
	case s.Views != "" && !slices.Contains(ViewSources, s.Views):
		return bad("views", fmt.Sprintf("%q", s.Views), "one of "+strings.Join(ViewSources, ", "))
	}
	for _, g := range s.Generators {
		if !slices.Contains(Generators, g) {
			return bad("generators", fmt.Sprintf("%q", g), "any of "+strings.Join(Generators, ", "))
		}
	}
	return nil
}

// ParseGenerators reads a comma-separated list of generator names (the
// CLI's -synthetic-generators); "" and "all" mean every generator.
func ParseGenerators(list string) ([]string, error) {
	if list = strings.TrimSpace(list); list == "" || list == "all" {
		return nil, nil
	}
	var out []string
	for _, g := range strings.Split(list, ",") {
		g = strings.TrimSpace(g)
		if !slices.Contains(Generators, g) {
			return nil, fmt.Errorf("midtrain: %w: unknown synthetic generator %q (want any of %s)", ErrBadSettings, g, strings.Join(Generators, ", "))
		}
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out, nil
}

// uses reports whether generator g is selected by s.
func (s Settings) uses(g string) bool {
	return len(s.Generators) == 0 || slices.Contains(s.Generators, g)
}

func (s Settings) pairs() int {
	if s.Pairs == 0 {
		return DefaultPairs
	}
	return s.Pairs
}

func (s Settings) views() string {
	if s.Views == "" {
		return ViewsStructured
	}
	return s.Views
}
