package main

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"tinystages/app/protocol"
	"tinystages/datasets/load"
	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/checkpoint"
	"tinystages/model/eval"
	"tinystages/model/posttrain"
	"tinystages/model/stages"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// The stages after pre-training: a run starts from a shipped checkpoint
// (fetched from web/checkpoints/), is built by package model/stages — the
// same code as the CLI's — and reports, besides the metrics, the per-token
// weight heatmap of its live batch, report-card rows before and after,
// samples before and after, sampled completions with their rewards (RL,
// distillation) and the projection of view embeddings (mid-training).

// Tunables of the stages after pre-training.
const (
	// HeatmapEvery is the shortest time between two heatmaps (and lists
	// of completions): the UI redraws them at most a few times a second.
	HeatmapEvery = time.Second
	// MaxCompletions is the most completions a Completions message lists.
	MaxCompletions = 16
	// StageSampleTokens bounds a before/after sample.
	StageSampleTokens = 24
	// ProjectionPairs is the number of held-out view pairs projected.
	ProjectionPairs = 24
)

// EvalLimits bound the report card's evaluation in the browser so that a
// row takes seconds: a few windows per source and a few questions, problems
// and pairs of each kind (the CLI's eval measures all of them).
var EvalLimits = eval.Limits{WindowsPerSource: 2, QA: 6, Math: 8, Prefs: 16, MaxReply: 12, MaxMathReply: 32}

// stageState is the part of the session the stages after pre-training
// use; the session embeds it.
type stageState struct {
	data     *stages.Data
	ckpts    map[string]*checkpoint.Checkpoint // shipped checkpoints loaded, by name
	evalData *eval.Data
	suite    *eval.Suite
	suiteKey string
	before   map[string]eval.Row // report rows of shipped checkpoints, by name

	stage    string // the run's stage; "" for pre-training
	init     string // the checkpoint it started from
	preset   string
	built    *stages.Built
	producer train.Producer // the stage's own producer (the GPU guard wraps the run's)
	lastHeat time.Time
	prompts  []string // before/after sample prompts
}

// stageData returns the session's stage data, reading the shipped
// datasets through fetch.
func (s *session) stageData() *stages.Data {
	if s.data == nil {
		s.data = &stages.Data{
			Read: func(name string) ([]byte, error) {
				b, err := s.fetch("datasets/" + name)
				if err != nil {
					return nil, fmt.Errorf("%w (are the datasets built? make run builds them)", err)
				}
				return b, nil
			},
			Progress: func(part string) {
				phase := protocol.PhaseLoading
				if strings.HasPrefix(part, "tokenizing ") {
					phase, part = protocol.PhaseTokenize, strings.TrimPrefix(part, "tokenizing ")
				}
				s.progress(phase, 0, 0, part)
			},
		}
	}
	return s.data
}

// checkpoint returns the shipped checkpoint called name, fetched once.
func (s *session) checkpoint(name string) (*checkpoint.Checkpoint, error) {
	if ck, ok := s.ckpts[name]; ok {
		return ck, nil
	}
	file := name + ".safetensors"
	s.progress(protocol.PhaseCheckpoint, 0, 1, file)
	var data []byte
	var err error
	if s.fetchProgress != nil {
		data, err = s.fetchProgress(protocol.CheckpointPath(name), func(done, total int) {
			s.progress(protocol.PhaseCheckpoint, done, total, fmt.Sprintf("%s: %s", file, formatBytes(done)))
		})
	} else {
		data, err = s.fetch(protocol.CheckpointPath(name))
	}
	if err != nil {
		return nil, fmt.Errorf("the shipped checkpoint %s could not be loaded (%v): make checkpoints writes it to web/checkpoints/", file, err)
	}
	s.progress(protocol.PhaseCheckpoint, 1, 1, fmt.Sprintf("%s, %s", file, formatBytes(len(data))))
	ck, err := checkpoint.Load(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if s.ckpts == nil {
		s.ckpts = map[string]*checkpoint.Checkpoint{}
	}
	s.ckpts[name] = ck
	return ck, nil
}

func formatBytes(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d kB", n/1024)
}

// presetOf names the preset of a checkpoint's model.
func presetOf(ck *checkpoint.Checkpoint) string {
	if _, err := model.PresetByName(ck.Info.Preset); err == nil {
		return ck.Info.Preset
	}
	for _, p := range model.Presets {
		c := p.Config
		c.VocabSize = ck.Config.VocabSize
		if c == ck.Config {
			return p.Name
		}
	}
	return model.Presets[0].Name
}

// prepareStage loads the start checkpoint(s) of a stage after
// pre-training, builds the stage and its run, and measures the start.
func (s *session) prepareStage(st protocol.Settings, cmds <-chan protocol.Message) error {
	if err := st.Validate(); err != nil {
		return inPhase("settings", err)
	}
	stage := st.StageName()
	s.settings = st
	s.backend, s.why = "", ""
	s.stage, s.init, s.built, s.producer = stage, st.Init, nil, nil
	s.setStatus(protocol.StatusPreparing)

	ck, err := s.checkpoint(st.Init)
	if err := inPhase(protocol.PhaseCheckpoint, err); err != nil {
		return err
	}
	var teacher *model.GPT
	if stage == train.StageDistill {
		tck, err := s.checkpoint(st.Teacher)
		if err := inPhase(protocol.PhaseCheckpoint, err); err != nil {
			return err
		}
		if !sameTokenizer(tck.Tokenizer, ck.Tokenizer) {
			return inPhase(protocol.PhaseCheckpoint, fmt.Errorf("the teacher %s has another tokenizer than %s: distillation compares token by token", st.Teacher, st.Init))
		}
		if teacher, err = tck.Model(newCPU()); err != nil {
			return inPhase(protocol.PhaseCheckpoint, err)
		}
	}
	s.preset = presetOf(ck)
	if err := s.poll(cmds); err != nil {
		return err
	}

	s.progress(protocol.PhaseModel, 0, 1, s.preset)
	be, name, why := s.selectBackend(st.Backend)
	m, err := ck.Model(be)
	if err != nil {
		return inPhase(protocol.PhaseModel, err)
	}
	ss := stages.Settings{Train: st.Train(stage), Post: st.Post}
	ss.Train.Preset = s.preset
	if stage == train.StageMidtrain {
		if ss.Mid, err = st.Mid.Midtrain(); err != nil {
			return inPhase("settings", err)
		}
	}
	ms := stages.Models{Policy: m, Tok: ck.Tokenizer, Teacher: teacher,
		Reference: func() (*model.GPT, error) { return ck.Model(newCPU()) }}
	d := s.stageData()
	built, err := d.Build(ss, ms)
	if err != nil {
		return inPhase(protocol.PhaseModel, err)
	}
	if err := s.poll(cmds); err != nil {
		return err
	}
	run, err := built.NewRun(ss.Train, m, ck.Tokenizer)
	if err != nil {
		return inPhase(protocol.PhaseModel, err)
	}
	run.PaceReads(be)
	s.run, s.built, s.producer, s.backend, s.why = run, built, run.Producer, name, why
	s.guard = guardRun(run, be, SnapshotEvery, recoveryBackend(st.Backend, s.selectBackend))
	s.progress(protocol.PhaseModel, 1, 1, fmt.Sprintf("%s from %s, %d parameters: %s", s.preset, st.Init, m.Config.NumParams(), built.About))
	s.prompts = s.samplePrompts(stage)

	// The start, measured: its report-card row, its samples, its
	// validation (the first point of the chart) and its embeddings.
	if st.Report {
		row, err := s.evaluateCheckpoint(st.Init, m, ck.Tokenizer)
		if err != nil {
			return inPhase(protocol.PhaseEvaluating, err)
		}
		s.post(protocol.Message{Kind: protocol.KindReport, Report: &protocol.Report{When: "before", Stage: stage, Row: row}})
		if err := s.poll(cmds); err != nil {
			return err
		}
	}
	s.stageSamples("before", 0)
	if built.Val != nil {
		v, by, err := built.Val.Loss(m, st.Batch)
		if err != nil {
			return inPhase(protocol.PhaseEvaluating, err)
		}
		s.post(protocol.Message{Kind: protocol.KindMetrics, Metrics: &protocol.Metrics{Step: 0, Steps: st.Steps, Loss: math.NaN(), ValLoss: &v, ValBySource: by}})
	}
	if built.Corpora != nil {
		s.postProjection(0)
	}
	s.lastYield, s.lastHeat = time.Now(), time.Time{}
	return s.poll(cmds)
}

func sameTokenizer(a, b *tokenizer.Tokenizer) bool {
	ja, err1 := a.MarshalJSON()
	jb, err2 := b.MarshalJSON()
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// afterStageStep reports what a step of a stage after pre-training shows
// besides its metrics, and finishes the run after its last step.
func (s *session) afterStageStep(mt train.Metrics) {
	if s.guard != nil {
		// after a recovery the run has a new model; the producers that
		// sample from the policy must use it
		switch p := s.producer.(type) {
		case *posttrain.GRPO:
			p.Policy = s.run.Model
		case *posttrain.Distill:
			p.Student = s.run.Model
		case *posttrain.DPO:
			p.Policy = s.run.Model
		}
	}
	if time.Since(s.lastHeat) >= HeatmapEvery || s.run.Done() {
		s.lastHeat = time.Now()
		if h := s.heatmap(mt.Step); h != nil {
			s.post(protocol.Message{Kind: protocol.KindHeatmap, Heatmap: h})
		}
		if c := s.completions(mt.Step); c != nil {
			s.post(protocol.Message{Kind: protocol.KindCompletions, Completions: c})
		}
	}
	if !s.run.Done() {
		return
	}
	s.stageSamples("after", mt.Step)
	if s.built.Corpora != nil {
		s.postProjection(mt.Step)
	}
	if s.settings.Report {
		name := fmt.Sprintf("%s + %s %d steps%s", s.init, s.stage, mt.Step, knobs(s.settings))
		row, err := s.evaluateRun(name)
		if err != nil {
			s.post(errorMessage(protocol.PhaseEvaluating, err))
		} else {
			s.post(protocol.Message{Kind: protocol.KindReport, Report: &protocol.Report{When: "after", Stage: s.stage, Step: mt.Step, Row: row}})
		}
	}
}

// knobs describes, for a report-card row's name, the settings of a run
// that differ from its stage's defaults (lessons compare runs that differ
// in one knob): " (replay 0%, JEPA 0.25)"; "" when none does.
func knobs(st protocol.Settings) string {
	def := protocol.DefaultStageSettings(st.StageName())
	var out []string
	add := func(differs bool, format string, args ...any) {
		if differs {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	m, dm, p, dp := st.Mid, def.Mid, st.Post, def.Post
	switch st.StageName() {
	case train.StageMidtrain:
		add(m.Replay != dm.Replay, "replay %.0f%%", 100*m.Replay)
		add(m.Synthetic != dm.Synthetic, "synthetic %.0f%%", 100*m.Synthetic)
		add(m.Generators != dm.Generators && m.Generators != "all" && m.Synthetic > 0, "%s", m.Generators)
		add(m.JEPA != dm.JEPA, "JEPA %g", m.JEPA)
		add(m.JEPA > 0 && m.Views != "" && m.Views != dm.Views, "%s views", m.Views)
	case train.StageSFT:
		add(p.Replay != dp.Replay, "replay %.0f%%", 100*p.Replay)
		add(p.DropEnd, "<|end|> out of the mask")
	case train.StageRL:
		add(p.Group != dp.Group, "G %d", p.Group)
		add(p.KL != dp.KL, "KL %g", p.KL)
	case train.StageDPO:
		add(p.Beta != dp.Beta, "β %g", p.Beta)
	}
	add(st.LR != def.LR, "lr %g", st.LR)
	if len(out) == 0 {
		return ""
	}
	return " (" + strings.Join(out, ", ") + ")"
}

// suiteFor returns the report card's evaluation for tok, with the
// engine's limits, preparing it on first use.
func (s *session) suiteFor(tok *tokenizer.Tokenizer, T int) (*eval.Suite, error) {
	key := fmt.Sprintf("%p/%d", tok, T)
	if tj, err := tok.MarshalJSON(); err == nil {
		key = fmt.Sprintf("%d/%d/%d", len(tj), hash(tj), T)
	}
	if s.suite != nil && s.suiteKey == key {
		return s.suite, nil
	}
	if err := s.loadEvalData(); err != nil {
		return nil, err
	}
	s.suite, s.suiteKey = eval.NewSuite(tok, T, *s.evalData, EvalLimits), key
	return s.suite, nil
}

// loadEvalData fetches the report card's data, once.
func (s *session) loadEvalData() error {
	if s.evalData != nil {
		return nil
	}
	data, err := eval.LoadData(s.stageData().Read)
	if err != nil {
		return err
	}
	s.evalData = &data
	return nil
}

func hash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

// evaluate measures a report-card row of m, with progress.
func (s *session) evaluate(name string, m *model.GPT, tok *tokenizer.Tokenizer) (eval.Row, error) {
	suite, err := s.suiteFor(tok, m.Config.MaxSeqLen)
	if err != nil {
		return eval.Row{}, err
	}
	s.progress(protocol.PhaseEvaluating, 0, 1, name)
	row, err := suite.Evaluate(name, m, func(phase string, done, total int) {
		s.progress(protocol.PhaseEvaluating, done, total, name+": "+phase)
	})
	s.progress(protocol.PhaseEvaluating, 1, 1, name)
	return row, err
}

// evaluateRun is evaluate for the run's model; a model DPO trained also
// gets DPO's own preference accuracy against its start (the reference),
// which moves where the raw likelihoods SFT settled do not.
func (s *session) evaluateRun(name string) (eval.Row, error) {
	m, tok := s.run.Model, s.run.Tok
	row, err := s.evaluate(name, m, tok)
	if err != nil {
		return row, err
	}
	if dpo, ok := s.producer.(*posttrain.DPO); ok {
		suite, err := s.suiteFor(tok, m.Config.MaxSeqLen)
		if err != nil {
			return row, err
		}
		s.progress(protocol.PhaseEvaluating, 0, 1, name+": DPO reward on held-out pairs")
		if row.DPOAccuracy, err = suite.ImplicitPrefAccuracy(m, dpo.Ref); err != nil {
			return row, err
		}
		s.progress(protocol.PhaseEvaluating, 1, 1, name)
	}
	return row, nil
}

// evaluateCheckpoint is evaluate for a shipped checkpoint's model m,
// measured once per session.
func (s *session) evaluateCheckpoint(name string, m *model.GPT, tok *tokenizer.Tokenizer) (eval.Row, error) {
	if row, ok := s.before[name]; ok {
		return row, nil
	}
	row, err := s.evaluate(name, m, tok)
	if err != nil {
		return row, err
	}
	if s.before == nil {
		s.before = map[string]eval.Row{}
	}
	s.before[name] = row
	return row, nil
}

// handleEvaluate answers an evaluate command: a row of a shipped
// checkpoint, or of the current run's model.
func (s *session) handleEvaluate(e *protocol.Evaluate) {
	var row eval.Row
	var err error
	switch {
	case e.Model != "":
		var ck *checkpoint.Checkpoint
		if ck, err = s.checkpoint(e.Model); err == nil {
			var m *model.GPT
			if m, err = ck.Model(newCPU()); err == nil {
				row, err = s.evaluateCheckpoint(e.Model, m, ck.Tokenizer)
			}
		}
	case s.run != nil:
		row, err = s.evaluateRun(e.Name)
	default:
		err = errors.New("there is no model to evaluate: start a run first")
	}
	if err != nil {
		s.post(errorMessage(protocol.PhaseEvaluating, err))
		return
	}
	if e.Name != "" {
		row.Name = e.Name
	}
	step := 0
	if s.run != nil && e.Model == "" {
		step = s.run.StepsDone()
	}
	s.post(protocol.Message{Kind: protocol.KindReport, Report: &protocol.Report{Stage: s.stage, Step: step, Row: row}})
}

// handleUpload validates a user's file and, if it is good, makes it the
// data of the next run of its kind. A running run, its model and its step
// are not touched either way.
func (s *session) handleUpload(u *protocol.Upload) {
	d := s.stageData()
	res := &protocol.Uploaded{Kind: u.Kind, File: u.File}
	if u.Kind == stages.KindCorpus && d.Tok == nil {
		// check the corpus against the shipped tokenizer and the tiny
		// model's context, which the shipped checkpoints use
		if tok, T, err := s.shippedTokenizer(); err == nil {
			d.Tok, d.T = tok, T
		}
	}
	up, err := d.Use(u.Kind, u.File, u.Data)
	if err != nil {
		fe := &protocol.FileError{File: u.File, Message: err.Error()}
		var pe *load.ParseError
		if errors.As(err, &pe) {
			fe.File, fe.Line, fe.Field = pe.File, pe.Line, pe.Field
		}
		res.Error = fe
	} else {
		res.Records = up.Records
	}
	s.post(protocol.Message{Kind: protocol.KindUploaded, Uploaded: res})
}

// shippedTokenizer is the tokenizer of the shipped checkpoints (any
// loaded one, else the datasets' tokenizer.json) and their context.
func (s *session) shippedTokenizer() (*tokenizer.Tokenizer, int, error) {
	for _, name := range protocol.Checkpoints {
		if ck, ok := s.ckpts[name]; ok {
			return ck.Tokenizer, ck.Config.MaxSeqLen, nil
		}
	}
	data, err := s.fetch("datasets/tokenizer.json")
	if err != nil {
		return nil, 0, err
	}
	tok, err := tokenizer.Load(data)
	if err != nil {
		return nil, 0, err
	}
	p, _ := model.PresetByName("tiny")
	return tok, p.Config.MaxSeqLen, nil
}

// samplePrompts are what a stage's before/after samples continue:
// sentences about facts placed in mid-training, cut before their answer,
// and a doc comment, for mid-training; questions in the chat template (a
// fact, a math problem) for post-training.
func (s *session) samplePrompts(stage string) []string {
	if stage == train.StageMidtrain {
		out := []string{"// HasPrefix reports whether"}
		if mid, err := s.stageData().MidData(); err == nil {
			for _, f := range mid.Facts {
				if f.Seen != record.SeenMidtrain || !strings.HasSuffix(strings.TrimSuffix(f.Sentence, "."), f.Answer) {
					continue
				}
				i := strings.LastIndex(f.Sentence, f.Answer)
				out = append(out, strings.TrimSpace(f.Sentence[:i]))
				if len(out) == 3 {
					break
				}
			}
		}
		return out
	}
	out := []string{}
	if s.loadEvalData() == nil {
		for _, q := range s.evalData.QA {
			if q.Seen == record.SeenMidtrain {
				out = append(out, q.Question)
				break
			}
		}
		if len(s.evalData.Math) > 0 {
			out = append(out, s.evalData.Math[0].Prompt)
		}
	}
	if len(out) == 0 {
		out = []string{"What is 7 + 5?"}
	}
	return out
}

// stageSamples posts the model's continuation of each sample prompt
// (greedy): text for mid-training, a chat reply for post-training.
func (s *session) stageSamples(when string, step int) {
	m, tok := s.run.Model, s.run.Tok
	for _, p := range s.prompts {
		var ids []int32
		if s.stage == train.StageMidtrain {
			ids = append([]int32{tokenizer.BOS}, tok.EncodeString(p)...)
		} else {
			ids = chat.UserPrompt(tok, p)
		}
		if over := len(ids) - (m.Config.MaxSeqLen - StageSampleTokens); over > 0 {
			continue
		}
		out, err := m.Generate(ids, 1, model.SampleOptions{MaxTokens: StageSampleTokens, Stop: []int32{tokenizer.End, tokenizer.BOS}},
			rand.New(rand.NewPCG(0, 0)))
		if err != nil {
			s.post(errorMessage("sampling", err))
			return
		}
		var text string
		if s.stage == train.StageMidtrain {
			toks := out[0].Tokens
			if out[0].Stopped {
				toks = toks[:len(toks)-1]
			}
			text = string(tok.Decode(toks))
		} else {
			reply, done := chat.Reply(tok, out[0].Tokens)
			text = reply
			if done {
				text += "<|end|>"
			}
		}
		s.post(protocol.Message{Kind: protocol.KindSample, Sample: &protocol.Sample{Step: step, Prompt: p, Text: text, When: when}})
	}
}
