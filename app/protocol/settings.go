package protocol

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"tinystages/model"
	"tinystages/model/midtrain"
	"tinystages/model/posttrain"
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

// Settings are the knobs of a browser run, as a page URL carries them.
//
// Pre-training (Stage "" or train.StagePretrain) trains a fresh model of
// Preset (?preset=nano&lr=0.003&batch=8&steps=300&backend=auto&seed=1&min_quality=0).
// The stages after it start from a shipped checkpoint (Init), whose preset
// the model keeps (Preset is ignored), and carry their own knobs: Mid for
// mid-training, Post for the post-training objectives
// (?stage=rl&steps=30&lr=0.0001&batch=16&group=8&kl=0.1...).
type Settings struct {
	// Stage is the stage run: "" or "pretrain", "midtrain", "sft", "rl",
	// "dpo", "distill" (the names of package train).
	Stage      string  `json:"stage,omitempty"`
	Preset     string  `json:"preset"`
	LR         float32 `json:"lr"`
	Batch      int     `json:"batch"`
	Steps      int     `json:"steps"`
	Backend    string  `json:"backend"`
	Seed       uint64  `json:"seed"`
	MinQuality float64 `json:"min_quality"` // pre-training curation filter, 0..1

	// The stages after pre-training.

	// Init is the shipped checkpoint the run starts from (a name in
	// Checkpoints: web/checkpoints/<Init>.safetensors); Teacher is
	// distillation's teacher.
	Init    string `json:"init,omitempty"`
	Teacher string `json:"teacher,omitempty"`
	// EvalEvery is the number of steps between validation measurements
	// (0: at the first and last step only).
	EvalEvery int `json:"eval_every,omitempty"`
	// Report asks for a report-card row of the model before the first
	// step and after the last (evaluated with small limits, in seconds).
	Report bool         `json:"report,omitempty"`
	Mid    MidSettings  `json:"mid"`
	Post   PostSettings `json:"post"`
}

// MidSettings are mid-training's knobs (midtrain.Settings, with the
// generators as a comma-separated list so that Settings stays a plain
// comparable value).
type MidSettings struct {
	Replay     float64 `json:"replay"`
	Synthetic  float64 `json:"synthetic"`
	Generators string  `json:"generators,omitempty"` // "" or "all": every generator
	JEPA       float64 `json:"jepa"`
	Views      string  `json:"views,omitempty"` // midtrain.ViewsStructured or ViewsWeb
}

// PostSettings are the post-training objectives' knobs.
type PostSettings = posttrain.Options

// Midtrain returns the mid-training settings of m.
func (m MidSettings) Midtrain() (midtrain.Settings, error) {
	gens, err := midtrain.ParseGenerators(m.Generators)
	if err != nil {
		return midtrain.Settings{}, err
	}
	s := midtrain.Settings{Replay: m.Replay, Synthetic: m.Synthetic, Generators: gens, JEPA: m.JEPA, Views: m.Views}
	return s, s.Validate()
}

// MidOf returns the protocol form of mid-training settings.
func MidOf(s midtrain.Settings) MidSettings {
	return MidSettings{Replay: s.Replay, Synthetic: s.Synthetic, Generators: strings.Join(s.Generators, ","), JEPA: s.JEPA, Views: s.Views}
}

// Shipped checkpoints (web/checkpoints/<name>.safetensors), in pipeline
// order.
const (
	CheckpointBase       = "base"       // pre-trained
	CheckpointMidtrained = "midtrained" // base + mid-training
	CheckpointSFT        = "sft"        // midtrained + SFT
	CheckpointTeacher    = "teacher"    // sft + long supervised math: distillation's teacher
	CheckpointStudent    = "student"    // teacher + chat SFT without math: forgot its arithmetic
)

// CheckpointImported is the Init of a pre-training run that trains the
// model the page imported (a bundle) further, instead of a fresh model
// of the preset. It is not a URL parameter: a link cannot carry the
// imported file.
const CheckpointImported = "imported"

// Checkpoints lists the shipped checkpoints' names.
var Checkpoints = []string{CheckpointBase, CheckpointMidtrained, CheckpointSFT, CheckpointTeacher, CheckpointStudent}

// CheckpointPath is where a shipped checkpoint is served, relative to the
// engine's worker script (web/).
func CheckpointPath(name string) string { return "checkpoints/" + name + ".safetensors" }

// Limits on the settings a URL may carry, on top of those of the model and
// training packages.
const (
	MinLR = 1e-5
	MaxLR = 1.0
	// MaxCompletion bounds the completion length of RL and distillation
	// in the browser: the tiny model's context.
	MaxCompletion = 128
)

// StageName returns the stage s runs: Stage, or pre-training when empty.
func (s Settings) StageName() string {
	if s.Stage == "" {
		return train.StagePretrain
	}
	return s.Stage
}

// DefaultSettings returns the settings a pre-training run of preset starts
// with: the preset's batch and learning rate, and the training package's
// defaults. An unknown preset gives the first preset's settings.
func DefaultSettings(preset string) Settings {
	t := train.DefaultSettings(train.StagePretrain, preset)
	return Settings{
		Preset: t.Preset, LR: t.LR, Batch: t.Batch, Steps: t.Steps,
		Backend: BackendAuto, Seed: t.Seed, MinQuality: t.MinQuality,
	}
}

// DefaultStageSettings returns the settings a browser run of stage starts
// with: a short run from the previous stage's shipped checkpoint at the
// learning rate and batch of the stage's lessons, with a report-card row
// before and after. Pre-training gives DefaultSettings("").
func DefaultStageSettings(stage string) Settings {
	if stage == "" || stage == train.StagePretrain {
		return DefaultSettings("")
	}
	s := DefaultSettings("tiny")
	s.Stage, s.Report = stage, true
	s.Mid = MidOf(midtrain.DefaultSettings())
	s.Post = posttrain.DefaultOptions()
	switch stage {
	case train.StageMidtrain:
		s.Init, s.Steps, s.Batch, s.LR, s.EvalEvery = CheckpointBase, 60, 8, 1e-3, 10
	case train.StageSFT:
		s.Init, s.Steps, s.Batch, s.LR, s.EvalEvery = CheckpointMidtrained, 60, 8, 1e-3, 10
	case train.StageRL:
		s.Init, s.Steps, s.Batch, s.LR = CheckpointSFT, 30, 16, 1e-4
	case train.StageDPO:
		s.Init, s.Steps, s.Batch, s.LR = CheckpointSFT, 40, 8, 2e-4
	case train.StageDistill:
		// the distill-vs-rl lesson's start: the student that forgot the
		// teacher's arithmetic (from the SFT checkpoint, which never
		// learned it, distillation only collapses onto one answer)
		s.Init, s.Teacher, s.Steps, s.Batch, s.LR = CheckpointStudent, CheckpointTeacher, 30, 16, 3e-4
		s.Post.Group = 1
	}
	return s
}

// Train returns the training package's settings for a run of stage.
func (s Settings) Train(stage string) train.Settings {
	t := train.DefaultSettings(stage, s.Preset)
	t.Preset, t.Steps, t.Batch, t.LR, t.Seed, t.MinQuality = s.Preset, s.Steps, s.Batch, s.LR, s.Seed, s.MinQuality
	if stage != train.StagePretrain {
		t.EvalEvery = s.EvalEvery
	}
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
	ParamStage      = "stage"
	ParamPreset     = "preset"
	ParamLR         = "lr"
	ParamBatch      = "batch"
	ParamSteps      = "steps"
	ParamBackend    = "backend"
	ParamSeed       = "seed"
	ParamMinQuality = "min_quality"

	ParamInit      = "init"
	ParamTeacher   = "teacher"
	ParamEvalEvery = "eval_every"
	ParamReport    = "report"

	ParamReplay     = "replay"
	ParamSynthetic  = "synthetic"
	ParamGenerators = "generators"
	ParamJEPA       = "jepa"
	ParamViews      = "views"

	ParamGroup        = "group"
	ParamTemperature  = "temperature"
	ParamMaxTokens    = "max_tokens"
	ParamKL           = "kl"
	ParamBeta         = "beta"
	ParamFormatReward = "format_reward"
	ParamDropEnd      = "drop_end"
)

// StageParams lists the URL parameters of each stage after pre-training,
// beyond the common ones (stage, lr, batch, steps, backend, seed,
// eval_every, report, init).
var StageParams = map[string][]string{
	train.StageMidtrain: {ParamReplay, ParamSynthetic, ParamGenerators, ParamJEPA, ParamViews},
	train.StageSFT:      {ParamReplay, ParamDropEnd},
	train.StageRL:       {ParamGroup, ParamTemperature, ParamMaxTokens, ParamKL, ParamFormatReward},
	train.StageDPO:      {ParamBeta},
	train.StageDistill:  {ParamTeacher, ParamGroup, ParamTemperature, ParamMaxTokens},
}

// PresetNames lists the model presets, smallest first.
func PresetNames() []string {
	out := make([]string, len(model.Presets))
	for i, p := range model.Presets {
		out[i] = p.Name
	}
	return out
}

// ParseQuery reads pre-training settings from a page URL's query. Missing
// parameters take their defaults (those of the chosen preset); a parameter
// that is malformed or out of range is reported as a Problem and takes its
// default too, so a bad link never breaks the page. Unknown parameters are
// ignored.
func ParseQuery(q url.Values) (Settings, []Problem) {
	p := &parser{q: q}
	s := DefaultSettings("")
	if v := q.Get(ParamPreset); q.Has(ParamPreset) {
		if _, err := model.PresetByName(v); err == nil {
			s = DefaultSettings(v)
		} else {
			p.report(ParamPreset, "one of "+strings.Join(PresetNames(), ", "), s.Preset)
		}
	}
	p.common(&s)
	p.float(ParamMinQuality, &s.MinQuality, 0, 1, true)
	return s, p.probs
}

// ParseStageQuery reads the settings of a run of one of stages (the
// stages after pre-training a page offers; the first is the default) from
// a page URL's query, as ParseQuery does: the stage, the common knobs,
// the stage's own (StageParams), each checked, each bad one reported and
// replaced by its default.
func ParseStageQuery(q url.Values, stages ...string) (Settings, []Problem) {
	p := &parser{q: q}
	stage := stages[0]
	if q.Has(ParamStage) {
		if v := q.Get(ParamStage); slices.Contains(stages, v) {
			stage = v
		} else {
			p.report(ParamStage, "one of "+strings.Join(stages, ", "), stage)
		}
	}
	s := DefaultStageSettings(stage)
	p.common(&s)
	p.int(ParamEvalEvery, &s.EvalEvery, 0, train.MaxSteps)
	p.bool(ParamReport, &s.Report)
	p.oneOf(ParamInit, &s.Init, Checkpoints)
	for _, param := range StageParams[stage] {
		switch param {
		case ParamReplay:
			if stage == train.StageSFT {
				p.float(param, &s.Post.Replay, 0, 0.95, true)
				continue
			}
			p.float(param, &s.Mid.Replay, 0, 0.95, true)
		case ParamSynthetic:
			p.float(param, &s.Mid.Synthetic, 0, 0.95, true)
		case ParamGenerators:
			if q.Has(param) {
				v := q.Get(param)
				if _, err := midtrain.ParseGenerators(v); err == nil {
					s.Mid.Generators = v
				} else {
					p.report(param, "all, or any of "+strings.Join(midtrain.Generators, ", ")+" separated by commas", orAll(s.Mid.Generators))
				}
			}
		case ParamJEPA:
			p.float(param, &s.Mid.JEPA, 0, midtrain.MaxLambda, true)
		case ParamViews:
			p.oneOf(param, &s.Mid.Views, midtrain.ViewSources)
		case ParamDropEnd:
			p.bool(param, &s.Post.DropEnd)
		case ParamGroup:
			p.int(param, &s.Post.Group, 1, 64)
		case ParamTemperature:
			t := float64(s.Post.Temperature)
			p.float(param, &t, 0.05, 4, true)
			s.Post.Temperature = float32(t)
		case ParamMaxTokens:
			p.int(param, &s.Post.MaxTokens, 1, MaxCompletion)
		case ParamKL:
			p.float(param, &s.Post.KL, 0, 10, true)
		case ParamBeta:
			p.float(param, &s.Post.Beta, 0.001, 10, true)
		case ParamFormatReward:
			p.float(param, &s.Post.FormatReward, 0, 1, true)
		case ParamTeacher:
			p.oneOf(param, &s.Teacher, Checkpoints)
		}
	}
	// replay and synthetic share the rows with the domain text
	if s.Mid.Replay+s.Mid.Synthetic >= 1 {
		def := DefaultStageSettings(stage).Mid
		p.probs = append(p.probs, Problem{Param: ParamSynthetic, Value: q.Get(ParamSynthetic),
			Allowed: "replay + synthetic below 1 (the rest of the rows are domain text)",
			Used:    strconv.FormatFloat(def.Synthetic, 'g', -1, 64) + " with replay " + strconv.FormatFloat(def.Replay, 'g', -1, 64)})
		s.Mid.Replay, s.Mid.Synthetic = def.Replay, def.Synthetic
	}
	return s, p.probs
}

func orAll(gens string) string {
	if gens == "" {
		return "all"
	}
	return gens
}

// parser reads URL parameters, recording the problems.
type parser struct {
	q     url.Values
	probs []Problem
}

func (p *parser) report(param, allowed, used string) {
	p.probs = append(p.probs, Problem{Param: param, Value: p.q.Get(param), Allowed: allowed, Used: used})
}

// common reads the knobs every stage has.
func (p *parser) common(s *Settings) {
	if p.q.Has(ParamLR) {
		v, err := strconv.ParseFloat(p.q.Get(ParamLR), 32)
		if err == nil && v >= MinLR && v <= MaxLR {
			s.LR = float32(v)
		} else {
			p.report(ParamLR, fmt.Sprintf("a number from %g to %g", MinLR, MaxLR), formatFloat32(s.LR))
		}
	}
	p.int(ParamBatch, &s.Batch, 1, train.MaxBatch)
	p.int(ParamSteps, &s.Steps, 1, train.MaxSteps)
	if p.q.Has(ParamBackend) {
		v := strings.ToLower(p.q.Get(ParamBackend))
		if slices.Contains(Backends, v) {
			s.Backend = v
		} else {
			p.report(ParamBackend, "one of "+strings.Join(Backends, ", "), s.Backend)
		}
	}
	if p.q.Has(ParamSeed) {
		v, err := strconv.ParseUint(p.q.Get(ParamSeed), 10, 64)
		if err == nil {
			s.Seed = v
		} else {
			p.report(ParamSeed, "a whole number from 0 to 18446744073709551615", strconv.FormatUint(s.Seed, 10))
		}
	}
}

func (p *parser) int(param string, dst *int, lo, hi int) {
	if !p.q.Has(param) {
		return
	}
	v, err := strconv.Atoi(p.q.Get(param))
	if err == nil && v >= lo && v <= hi {
		*dst = v
		return
	}
	p.report(param, fmt.Sprintf("a whole number from %d to %d", lo, hi), strconv.Itoa(*dst))
}

// float reads a number in [lo, hi] (hi excluded unless closed).
func (p *parser) float(param string, dst *float64, lo, hi float64, closed bool) {
	if !p.q.Has(param) {
		return
	}
	v, err := strconv.ParseFloat(p.q.Get(param), 64)
	if err == nil && v >= lo && (v < hi || closed && v == hi) {
		*dst = v
		return
	}
	p.report(param, fmt.Sprintf("a number from %g to %g", lo, hi), strconv.FormatFloat(*dst, 'g', -1, 64))
}

func (p *parser) bool(param string, dst *bool) {
	if !p.q.Has(param) {
		return
	}
	switch p.q.Get(param) {
	case "1", "true", "on", "yes":
		*dst = true
	case "0", "false", "off", "no":
		*dst = false
	default:
		p.report(param, "true or false", strconv.FormatBool(*dst))
	}
}

func (p *parser) oneOf(param string, dst *string, allowed []string) {
	if !p.q.Has(param) {
		return
	}
	if v := p.q.Get(param); slices.Contains(allowed, v) {
		*dst = v
		return
	}
	p.report(param, "one of "+strings.Join(allowed, ", "), *dst)
}

// Validate reports the first setting the URL parsers would refuse, or nil.
func (s Settings) Validate() error {
	var probs []Problem
	if st := s.StageName(); st == train.StagePretrain {
		_, probs = ParseQuery(s.Query())
	} else if _, ok := StageParams[st]; !ok {
		return fmt.Errorf("protocol: setting stage = %q: want one of %s", s.Stage, strings.Join(train.Stages, ", "))
	} else {
		_, probs = ParseStageQuery(s.Query(), st)
	}
	if len(probs) > 0 {
		p := probs[0]
		return fmt.Errorf("protocol: setting %s = %s: want %s", p.Param, p.Value, p.Allowed)
	}
	return nil
}

// Query returns the URL query that reproduces s: ParseQuery(s.Query())
// (or ParseStageQuery for a stage after pre-training) gives s back.
func (s Settings) Query() url.Values {
	q := url.Values{}
	st := s.StageName()
	if st == train.StagePretrain {
		q.Set(ParamPreset, s.Preset)
	} else {
		q.Set(ParamStage, st)
	}
	q.Set(ParamLR, formatFloat32(s.LR))
	q.Set(ParamBatch, strconv.Itoa(s.Batch))
	q.Set(ParamSteps, strconv.Itoa(s.Steps))
	q.Set(ParamBackend, s.Backend)
	q.Set(ParamSeed, strconv.FormatUint(s.Seed, 10))
	if st == train.StagePretrain {
		q.Set(ParamMinQuality, formatFloat(s.MinQuality))
		return q
	}
	q.Set(ParamInit, s.Init)
	q.Set(ParamEvalEvery, strconv.Itoa(s.EvalEvery))
	q.Set(ParamReport, strconv.FormatBool(s.Report))
	for _, param := range StageParams[st] {
		switch param {
		case ParamReplay:
			if st == train.StageSFT {
				q.Set(param, formatFloat(s.Post.Replay))
				continue
			}
			q.Set(param, formatFloat(s.Mid.Replay))
		case ParamSynthetic:
			q.Set(param, formatFloat(s.Mid.Synthetic))
		case ParamGenerators:
			q.Set(param, orAll(s.Mid.Generators))
		case ParamJEPA:
			q.Set(param, formatFloat(s.Mid.JEPA))
		case ParamViews:
			if s.Mid.Views != "" {
				q.Set(param, s.Mid.Views)
			}
		case ParamDropEnd:
			q.Set(param, strconv.FormatBool(s.Post.DropEnd))
		case ParamGroup:
			q.Set(param, strconv.Itoa(s.Post.Group))
		case ParamTemperature:
			q.Set(param, formatFloat32(s.Post.Temperature))
		case ParamMaxTokens:
			q.Set(param, strconv.Itoa(s.Post.MaxTokens))
		case ParamKL:
			q.Set(param, formatFloat(s.Post.KL))
		case ParamBeta:
			q.Set(param, formatFloat(s.Post.Beta))
		case ParamFormatReward:
			q.Set(param, formatFloat(s.Post.FormatReward))
		case ParamTeacher:
			q.Set(param, s.Teacher)
		}
	}
	return q
}

// formatFloat32 writes x at float32 precision, so it parses back to the same float32.
func formatFloat32(x float32) string { return strconv.FormatFloat(float64(x), 'g', -1, 32) }

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
