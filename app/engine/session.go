package main

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
	"unicode/utf8"

	"tinystages/app/protocol"
	"tinystages/datasets/load"
	"tinystages/datasets/manifest"
	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/checkpoint"
	"tinystages/model/compute"
	"tinystages/model/stages"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// Tunables of a browser run.
const (
	// SampleEvery is the number of steps between samples.
	SampleEvery = 10
	// SampleTokens is the length of a sample, in tokens.
	SampleTokens = 40
	// SampleTemperature is the sampling temperature.
	SampleTemperature = 0.8
	// YieldEvery is the most time the engine computes without letting
	// the worker's event loop run (and deliver commands).
	YieldEvery = 20 * time.Millisecond
	// ProgressEvery throttles progress messages.
	ProgressEvery = 200 * time.Millisecond
)

// SamplePrompt starts every sample, so samples at different steps compare.
const SamplePrompt = "The"

// errInterrupted stops a preparation that a reset or a new start replaced.
var errInterrupted = errors.New("interrupted")

// session is the engine's state: the data and tokenizer, loaded once and
// kept across runs, and the current run.
type session struct {
	fetch func(path string) ([]byte, error) // relative to web/
	// fetchProgress, if not nil, is fetch reporting the bytes received
	// (the checkpoints, a few megabytes each, use it).
	fetchProgress func(path string, progress func(done, total int)) ([]byte, error)
	post          func(protocol.Message)
	yield         func() // let the event loop run; may be nil
	selectBackend func(pref string) (compute.Backend, string, string)

	// Loaded once.
	trainRecs []record.Document
	trainDocs []train.Doc
	evalDocs  []train.Doc
	tok       *tokenizer.Tokenizer
	// The corpora tokenized by corpusTok (tok, or an imported model's):
	// the evaluation corpus, and the training corpus of the last quality
	// filter.
	corpusTok  *tokenizer.Tokenizer
	evalC      *train.Corpus
	trainC     *train.Corpus
	trainCMinQ float64

	// imported is the model the page imported last (models.go): a
	// pre-training run with Init protocol.CheckpointImported trains it
	// further instead of a fresh model of the preset.
	imported *checkpoint.Checkpoint

	status   protocol.Status
	settings protocol.Settings
	run      *train.Run
	backend  string
	why      string
	pausing  bool // a pause arrived while preparing

	lastYield, lastProgress time.Time
	queued                  []protocol.Message // commands read while preparing, to handle after

	// guard survives the loss of a GPU device (gpuloss.go); nil on the CPU.
	guard *lossGuard

	// The stages after pre-training (stage.go).
	stageState
}

// serve handles commands until cmds is closed, training between them while
// a run is running.
func (s *session) serve(cmds <-chan protocol.Message) {
	s.setStatus(protocol.StatusIdle)
	for {
		for len(s.queued) > 0 {
			m := s.queued[0]
			s.queued = s.queued[1:]
			s.handle(m, cmds)
		}
		if s.status == protocol.StatusRunning {
			select {
			case m, ok := <-cmds:
				if !ok {
					return
				}
				s.handle(m, cmds)
			default:
				s.step()
				s.maybeYield()
			}
			continue
		}
		m, ok := <-cmds
		if !ok {
			return
		}
		s.handle(m, cmds)
	}
}

func (s *session) handle(m protocol.Message, cmds <-chan protocol.Message) {
	switch m.Kind {
	case protocol.KindStart:
		s.run = nil
		prepare := s.prepare
		if m.Settings.StageName() != train.StagePretrain {
			prepare = s.prepareStage
		}
		if err := prepare(*m.Settings, cmds); err != nil {
			s.run = nil
			if errors.Is(err, errInterrupted) {
				s.setStatus(protocol.StatusIdle)
				return
			}
			s.fail(err)
			return
		}
		if s.pausing {
			s.pausing = false
			s.setStatus(protocol.StatusPaused)
		} else {
			s.setStatus(protocol.StatusRunning)
		}
	case protocol.KindPause:
		if s.status == protocol.StatusRunning {
			s.setStatus(protocol.StatusPaused)
		}
	case protocol.KindResume:
		if s.status == protocol.StatusPaused {
			s.setStatus(protocol.StatusRunning)
		}
	case protocol.KindReset:
		s.run = nil
		s.setStatus(protocol.StatusIdle)
	case protocol.KindInspect:
		if m.Inspect.Stage == train.StageMidtrain {
			s.postDomain(m.Inspect.Seed)
			return
		}
		if err := s.loadData(); err != nil {
			s.fail(err)
			return
		}
		s.postDataset(m.Inspect.MinQuality, m.Inspect.Seed)
	case protocol.KindUpload:
		s.handleUpload(m.Upload)
	case protocol.KindEvaluate:
		s.handleEvaluate(m.Evaluate)
	}
}

func (s *session) setStatus(st protocol.Status) {
	s.status = st
	step := 0
	if s.run != nil {
		step = s.run.StepsDone()
	}
	state := &protocol.State{Status: st, Step: step, Backend: s.backend, BackendReason: s.why}
	if st != protocol.StatusIdle {
		state.Stage, state.Init, state.Preset = s.stageName(), s.init, s.preset
	}
	s.post(protocol.Message{Kind: protocol.KindState, State: state})
}

func (s *session) fail(err error) {
	phase := ""
	var pe *phaseError
	if errors.As(err, &pe) {
		phase, err = pe.phase, pe.err
	}
	s.post(protocol.Message{Kind: protocol.KindError, Error: &protocol.Error{Phase: phase, Message: err.Error()}})
	s.setStatus(protocol.StatusFailed)
}

func errorMessage(phase string, err error) protocol.Message {
	return protocol.Message{Kind: protocol.KindError, Error: &protocol.Error{Phase: phase, Message: err.Error()}}
}

// phaseError says in which phase of a preparation an error happened.
type phaseError struct {
	phase string
	err   error
}

func (e *phaseError) Error() string { return e.phase + ": " + e.err.Error() }
func (e *phaseError) Unwrap() error { return e.err }

func inPhase(phase string, err error) error {
	if err == nil || errors.Is(err, errInterrupted) {
		return err
	}
	return &phaseError{phase, err}
}

// progress posts how far a phase is, at most every ProgressEvery (and
// always at its start and end).
func (s *session) progress(phase string, done, total int, detail string) {
	now := time.Now()
	if done != 0 && done != total && now.Sub(s.lastProgress) < ProgressEvery {
		return
	}
	s.lastProgress = now
	s.post(protocol.Message{Kind: protocol.KindProgress, Progress: &protocol.Progress{Phase: phase, Done: done, Total: total, Detail: detail}})
}

// poll handles the commands that arrived during a preparation, between
// its phases: a reset or a new start interrupts it, a pause is kept for
// when it is ready, inspections are answered.
func (s *session) poll(cmds <-chan protocol.Message) error {
	if s.yield != nil {
		s.yield()
	}
	for {
		select {
		case m, ok := <-cmds:
			if !ok {
				return errInterrupted
			}
			switch m.Kind {
			case protocol.KindReset:
				s.pausing = false
				return errInterrupted
			case protocol.KindStart:
				s.queued = append(s.queued, m)
				return errInterrupted
			case protocol.KindPause:
				s.pausing = true
			case protocol.KindResume:
				s.pausing = false
			case protocol.KindInspect:
				if m.Inspect.Stage == train.StageMidtrain {
					s.postDomain(m.Inspect.Seed)
				} else {
					s.postDataset(m.Inspect.MinQuality, m.Inspect.Seed)
				}
			case protocol.KindUpload, protocol.KindEvaluate:
				s.queued = append(s.queued, m) // after the preparation
			}
		default:
			return nil
		}
	}
}

// prepare loads the data, trains the tokenizer, tokenizes the corpus and
// builds the model and the run of settings st.
func (s *session) prepare(st protocol.Settings, cmds <-chan protocol.Message) error {
	if err := st.Validate(); err != nil {
		return inPhase("settings", err)
	}
	s.settings = st
	s.backend, s.why = "", ""
	s.stage, s.init, s.preset, s.built, s.producer = "", "", st.Preset, nil, nil
	s.setStatus(protocol.StatusPreparing)
	preset, err := model.PresetByName(st.Preset)
	if err != nil {
		return inPhase("settings", err)
	}
	// From an imported model: its weights, configuration and tokenizer.
	var from *checkpoint.Checkpoint
	if st.Init == protocol.CheckpointImported {
		if from = s.imported; from == nil {
			return inPhase(protocol.PhaseCheckpoint, errors.New("there is no imported model to train: import a model bundle first (Import model…)"))
		}
		s.init, s.preset = protocol.CheckpointImported, presetOf(from)
	} else if st.Init != "" {
		return inPhase("settings", fmt.Errorf("pre-training starts from a fresh model or from an imported one, not from %q", st.Init))
	}

	if err := inPhase(protocol.PhaseLoading, s.loadData()); err != nil {
		return err
	}
	s.postDataset(st.MinQuality, st.Seed)
	if err := s.poll(cmds); err != nil {
		return err
	}

	if s.tok == nil && from == nil {
		texts := make([][]byte, len(s.trainDocs))
		for i, d := range s.trainDocs {
			texts[i] = d.Text
		}
		detail := fmt.Sprintf("%d documents, vocabulary %d", len(texts), preset.Config.VocabSize)
		s.progress(protocol.PhaseTokenizer, 0, 1, detail)
		tok, err := tokenizer.Train(texts, preset.Config.VocabSize, func(done, total int) {
			s.progress(protocol.PhaseTokenizer, done, total, detail)
		})
		if err != nil {
			return inPhase(protocol.PhaseTokenizer, err)
		}
		s.tok = tok
	}
	tok := s.tok
	if from != nil {
		tok = from.Tokenizer // the imported model's, not one trained here
	}
	s.progress(protocol.PhaseTokenizer, 1, 1, "done")
	if err := s.poll(cmds); err != nil {
		return err
	}

	if s.corpusTok != tok {
		s.trainC, s.evalC, s.corpusTok = nil, nil, tok
	}
	if s.trainC == nil || s.trainCMinQ != st.MinQuality {
		kept := train.FilterQuality(s.trainDocs, st.MinQuality)
		if len(kept) == 0 {
			return inPhase(protocol.PhaseTokenize, fmt.Errorf("no document has quality ≥ %g: lower the quality filter", st.MinQuality))
		}
		s.trainC = train.Tokenize(tok, kept, func(done, total int) {
			s.progress(protocol.PhaseTokenize, done, total, fmt.Sprintf("%d documents", total))
		})
		s.trainCMinQ = st.MinQuality
	}
	if s.evalC == nil {
		s.evalC = train.Tokenize(tok, s.evalDocs, nil)
	}
	s.progress(protocol.PhaseTokenize, 1, 1, fmt.Sprintf("%d training tokens", len(s.trainC.Tokens)))
	if err := s.poll(cmds); err != nil {
		return err
	}

	s.progress(protocol.PhaseModel, 0, 1, s.preset)
	be, name, why := s.selectBackend(st.Backend)
	cfg := preset.Config
	cfg.VocabSize = tok.VocabSize()
	var m *model.GPT
	if from != nil {
		cfg = from.Config
		m, err = from.Model(be)
	} else {
		m, err = model.New(cfg, be, st.Seed)
	}
	if err != nil {
		return inPhase(protocol.PhaseModel, err)
	}
	built, err := stages.PretrainCorpora(s.trainC, s.evalC, cfg.MaxSeqLen)
	if err != nil {
		return inPhase(protocol.PhaseModel, err)
	}
	ts := st.Train(train.StagePretrain)
	ts.Preset = s.preset
	run, err := built.NewRun(ts, m, tok)
	if err != nil {
		return inPhase(protocol.PhaseModel, err)
	}
	run.PaceReads(be)
	s.run, s.backend, s.why = run, name, why
	s.built, s.producer = built, run.Producer
	s.guard = guardRun(run, be, SnapshotEvery, recoveryBackend(st.Backend, s.selectBackend))
	s.progress(protocol.PhaseModel, 1, 1, fmt.Sprintf("%s, %d parameters", s.preset, cfg.NumParams()))
	s.sample(0)
	s.lastYield = time.Now()
	return s.poll(cmds)
}

// loadData fetches and parses the pre-training corpus, once.
func (s *session) loadData() error {
	if s.trainDocs != nil {
		return nil
	}
	data, err := s.fetch("datasets/" + manifest.FileName)
	if err != nil {
		return fmt.Errorf("%w (are the datasets built? make run builds them)", err)
	}
	m, err := decodeManifest(data)
	if err != nil {
		return err
	}
	var ds *manifest.Dataset
	for i := range m.Datasets {
		if m.Datasets[i].Stage == manifest.StagePretraining && m.Datasets[i].Format == load.FormatDocument {
			ds = &m.Datasets[i]
			break
		}
	}
	if ds == nil {
		return errors.New("the manifest lists no pre-training corpus")
	}
	var trainRecs, evalRecs []record.Document
	for i, f := range ds.Files {
		s.progress(protocol.PhaseLoading, i, len(ds.Files), f.Name)
		data, err := s.fetch("datasets/" + f.Name)
		if err != nil {
			return err
		}
		recs, err := load.Documents(f.Name, data)
		if err != nil {
			return err
		}
		if f.Split == "eval" {
			evalRecs = append(evalRecs, recs...)
		} else {
			trainRecs = append(trainRecs, recs...)
		}
	}
	if len(trainRecs) == 0 || len(evalRecs) == 0 {
		return fmt.Errorf("the pre-training corpus needs a train and an eval split; got %d and %d documents", len(trainRecs), len(evalRecs))
	}
	s.progress(protocol.PhaseLoading, len(ds.Files), len(ds.Files), fmt.Sprintf("%d documents", len(trainRecs)+len(evalRecs)))
	s.trainRecs = trainRecs
	s.trainDocs = docsOf(trainRecs)
	s.evalDocs = docsOf(evalRecs)
	return nil
}

func docsOf(recs []record.Document) []train.Doc {
	out := make([]train.Doc, len(recs))
	for i, r := range recs {
		out[i] = train.Doc{Source: r.Source, Quality: r.Quality, Text: []byte(r.Text)}
	}
	return out
}

// postDataset describes the training corpus under the quality filter
// minQ, with a random kept document drawn with seed.
func (s *session) postDataset(minQ float64, seed uint64) {
	if s.trainRecs == nil {
		return
	}
	ds := &protocol.Dataset{Name: "pretrain", Documents: len(s.trainRecs), MinQuality: minQ}
	bySrc := map[string]*protocol.SourceCount{}
	qsum := map[string]float64{}
	var kept []int
	for i, r := range s.trainRecs {
		sc := bySrc[r.Source]
		if sc == nil {
			sc = &protocol.SourceCount{Source: r.Source}
			bySrc[r.Source] = sc
		}
		sc.Documents++
		qsum[r.Source] += r.Quality
		if r.Quality >= minQ {
			sc.Kept++
			kept = append(kept, i)
			ds.Bytes += len(r.Text)
		}
	}
	ds.Kept = len(kept)
	for src, sc := range bySrc {
		sc.MeanQuality = qsum[src] / float64(sc.Documents)
		ds.Sources = append(ds.Sources, *sc)
	}
	sort.Slice(ds.Sources, func(i, j int) bool { return ds.Sources[i].Source < ds.Sources[j].Source })
	if s.trainC != nil && s.trainCMinQ == minQ {
		ds.Tokens = len(s.trainC.Tokens)
	}
	if len(kept) > 0 {
		r := s.trainRecs[kept[rand.New(rand.NewPCG(seed, 3)).IntN(len(kept))]]
		doc := &protocol.Document{ID: r.ID, Source: r.Source, Quality: r.Quality, Text: r.Text}
		if len(doc.Text) > protocol.MaxDocText {
			cut := protocol.MaxDocText
			for cut > 0 && !utf8.RuneStart(doc.Text[cut]) {
				cut--
			}
			doc.Text, doc.Truncated = doc.Text[:cut], true
		}
		ds.Doc = doc
	}
	s.post(protocol.Message{Kind: protocol.KindDataset, Dataset: ds})
}

// step runs one training step and reports it.
func (s *session) step() {
	mt, err := s.run.Step()
	if err != nil {
		s.fail(inPhase(protocol.PhaseTraining, err))
		return
	}
	if s.guard != nil {
		recovered, name, why, err := s.guard.afterStep(s.run, &mt)
		if err != nil {
			s.fail(inPhase(protocol.PhaseTraining, err))
			return
		}
		if recovered {
			s.backend, s.why = name, why
			s.setStatus(s.status)
		}
	}
	if !mt.Unread { // a step on a GPU that was not read back has no loss to show
		s.post(protocol.Message{Kind: protocol.KindMetrics, Metrics: metricsOf(mt)})
	}
	if s.stage != "" {
		s.afterStageStep(mt)
	} else if mt.Step%SampleEvery == 0 || s.run.Done() {
		s.sample(mt.Step)
	}
	if s.run.Done() {
		d := &protocol.Done{Step: mt.Step, Loss: mt.Loss, ElapsedMS: ms(mt.Elapsed)}
		if !math.IsNaN(mt.ValLoss) {
			v := mt.ValLoss
			d.ValLoss = &v
		}
		s.post(protocol.Message{Kind: protocol.KindDone, Done: d})
		s.setStatus(protocol.StatusDone)
	}
}

func (s *session) sample(step int) {
	text, err := s.run.Sample(SamplePrompt, SampleTokens, SampleTemperature)
	if err != nil {
		s.post(errorMessage("sampling", err))
		return
	}
	s.post(protocol.Message{Kind: protocol.KindSample, Sample: &protocol.Sample{Step: step, Prompt: SamplePrompt, Text: text}})
}

// maybeYield lets the worker's event loop run when the engine has computed
// for YieldEvery: commands are delivered only then.
func (s *session) maybeYield() {
	if s.yield == nil || time.Since(s.lastYield) < YieldEvery {
		return
	}
	s.yield()
	s.lastYield = time.Now()
}

func metricsOf(mt train.Metrics) *protocol.Metrics {
	out := &protocol.Metrics{
		Step: mt.Step, Steps: mt.Steps, Loss: mt.Loss, ValBySource: mt.ValBySource,
		LR: mt.LR, TokensPerS: mt.TokensPerS, Tokens: mt.Tokens, ElapsedMS: ms(mt.Elapsed),
		Extra: mt.Extra,
	}
	if !math.IsNaN(mt.ValLoss) {
		v := mt.ValLoss
		out.ValLoss = &v
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
