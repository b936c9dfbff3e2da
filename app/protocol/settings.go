package protocol

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"tinystages/model"
	"tinystages/model/train"
)

// Backend preferences a run may ask for. The engine resolves "auto" to the
// fastest backend the browser offers, and falls back to the CPU (saying why)
// when the one asked for is unavailable.
const (
	BackendAuto   = "auto"
	BackendWebGPU = "webgpu"
	BackendCPU    = "cpu"
)

// Backends lists the accepted backend preferences.
var Backends = []string{BackendAuto, BackendWebGPU, BackendCPU}

// Settings are the knobs of a browser run, as a page URL carries them
// (?preset=nano&lr=0.003&batch=8&steps=300&backend=auto&seed=1&min_quality=0).
type Settings struct {
	Preset     string  `json:"preset"`
	LR         float32 `json:"lr"`
	Batch      int     `json:"batch"`
	Steps      int     `json:"steps"`
	Backend    string  `json:"backend"`
	Seed       uint64  `json:"seed"`
	MinQuality float64 `json:"min_quality"` // pre-training curation filter, 0..1
}

// Limits on the settings a URL may carry, on top of those of the model and
// training packages.
const (
	MinLR = 1e-5
	MaxLR = 1.0
)

// DefaultSettings returns the settings a run of preset starts with: the
// preset's batch and learning rate, and the training package's defaults.
// An unknown preset gives the first preset's settings.
func DefaultSettings(preset string) Settings {
	t := train.DefaultSettings(train.StagePretrain, preset)
	return Settings{
		Preset: t.Preset, LR: t.LR, Batch: t.Batch, Steps: t.Steps,
		Backend: BackendAuto, Seed: t.Seed, MinQuality: t.MinQuality,
	}
}

// Train returns the training package's settings for a run of stage.
func (s Settings) Train(stage string) train.Settings {
	t := train.DefaultSettings(stage, s.Preset)
	t.Preset, t.Steps, t.Batch, t.LR, t.Seed, t.MinQuality = s.Preset, s.Steps, s.Batch, s.LR, s.Seed, s.MinQuality
	return t
}

// A Problem is one URL parameter that could not be used: which one, the
// value given, what is allowed, and the value used instead.
type Problem struct {
	Param   string `json:"param"`
	Value   string `json:"value"`
	Allowed string `json:"allowed"`
	Used    string `json:"used"`
}

func (p Problem) String() string {
	return fmt.Sprintf("%s=%q is not allowed (%s); using %s", p.Param, p.Value, p.Allowed, p.Used)
}

// URL parameter names.
const (
	ParamPreset     = "preset"
	ParamLR         = "lr"
	ParamBatch      = "batch"
	ParamSteps      = "steps"
	ParamBackend    = "backend"
	ParamSeed       = "seed"
	ParamMinQuality = "min_quality"
)

// PresetNames lists the model presets, smallest first.
func PresetNames() []string {
	out := make([]string, len(model.Presets))
	for i, p := range model.Presets {
		out[i] = p.Name
	}
	return out
}

// ParseQuery reads settings from a page URL's query. Missing parameters
// take their defaults (those of the chosen preset); a parameter that is
// malformed or out of range is reported as a Problem and takes its default
// too, so a bad link never breaks the page. Unknown parameters are ignored.
func ParseQuery(q url.Values) (Settings, []Problem) {
	var probs []Problem
	report := func(param, allowed, used string) {
		probs = append(probs, Problem{Param: param, Value: q.Get(param), Allowed: allowed, Used: used})
	}

	s := DefaultSettings("")
	if v := q.Get(ParamPreset); q.Has(ParamPreset) {
		if _, err := model.PresetByName(v); err == nil {
			s = DefaultSettings(v)
		} else {
			report(ParamPreset, "one of "+strings.Join(PresetNames(), ", "), s.Preset)
		}
	}
	if q.Has(ParamLR) {
		v, err := strconv.ParseFloat(q.Get(ParamLR), 32)
		if err == nil && v >= MinLR && v <= MaxLR {
			s.LR = float32(v)
		} else {
			report(ParamLR, fmt.Sprintf("a number from %g to %g", MinLR, MaxLR), formatLR(s.LR))
		}
	}
	intParam := func(param string, dst *int, lo, hi int) {
		if !q.Has(param) {
			return
		}
		v, err := strconv.Atoi(q.Get(param))
		if err == nil && v >= lo && v <= hi {
			*dst = v
			return
		}
		report(param, fmt.Sprintf("a whole number from %d to %d", lo, hi), strconv.Itoa(*dst))
	}
	intParam(ParamBatch, &s.Batch, 1, train.MaxBatch)
	intParam(ParamSteps, &s.Steps, 1, train.MaxSteps)
	if q.Has(ParamBackend) {
		v := strings.ToLower(q.Get(ParamBackend))
		if valid(v, Backends) {
			s.Backend = v
		} else {
			report(ParamBackend, "one of "+strings.Join(Backends, ", "), s.Backend)
		}
	}
	if q.Has(ParamSeed) {
		v, err := strconv.ParseUint(q.Get(ParamSeed), 10, 64)
		if err == nil {
			s.Seed = v
		} else {
			report(ParamSeed, "a whole number from 0 to 18446744073709551615", strconv.FormatUint(s.Seed, 10))
		}
	}
	if q.Has(ParamMinQuality) {
		v, err := strconv.ParseFloat(q.Get(ParamMinQuality), 64)
		if err == nil && v >= 0 && v <= 1 {
			s.MinQuality = v
		} else {
			report(ParamMinQuality, "a number from 0 to 1", strconv.FormatFloat(s.MinQuality, 'g', -1, 64))
		}
	}
	return s, probs
}

// Validate reports the first setting ParseQuery would refuse, or nil.
func (s Settings) Validate() error {
	_, probs := ParseQuery(s.Query())
	if len(probs) > 0 {
		p := probs[0]
		return fmt.Errorf("protocol: setting %s = %s: want %s", p.Param, p.Value, p.Allowed)
	}
	return nil
}

// Query returns the URL query that reproduces s: ParseQuery(s.Query())
// gives s back.
func (s Settings) Query() url.Values {
	q := url.Values{}
	q.Set(ParamPreset, s.Preset)
	q.Set(ParamLR, formatLR(s.LR))
	q.Set(ParamBatch, strconv.Itoa(s.Batch))
	q.Set(ParamSteps, strconv.Itoa(s.Steps))
	q.Set(ParamBackend, s.Backend)
	q.Set(ParamSeed, strconv.FormatUint(s.Seed, 10))
	q.Set(ParamMinQuality, strconv.FormatFloat(s.MinQuality, 'g', -1, 64))
	return q
}

func formatLR(lr float32) string { return strconv.FormatFloat(float64(lr), 'g', -1, 32) }

func valid(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}
