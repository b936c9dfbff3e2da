package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"tinystages/datasets/load"
	"tinystages/model"
	"tinystages/model/checkpoint"
	"tinystages/model/posttrain"
	"tinystages/model/stages"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// DefaultDatasets is where `make` writes the shipped datasets.
const DefaultDatasets = "web/datasets"

// trainFlags are the flags of `train`, shared by stages.
type trainFlags struct {
	settings  train.Settings
	init      string
	out       string
	data      string
	datasets  string
	tokenizer string
	jsonOut   bool
	backend   string
	replay    float64
	synthetic float64
	mid       midtrainFlags
	teacher   string
	post      posttrain.Options
	heldout   int
	skipKinds []string // sft: conversation kinds left out
}

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", stderr)
	var f trainFlags
	s := &f.settings
	fs.StringVar(&s.Stage, "stage", train.StagePretrain, "stage: "+strings.Join(train.Stages, ", "))
	fs.StringVar(&s.Preset, "preset", "nano", "model size: nano, tiny, small")
	fs.IntVar(&s.Steps, "steps", 300, "optimizer steps")
	fs.IntVar(&s.Batch, "batch", 0, "sequences per batch (0: the preset's default)")
	lr := fs.Float64("lr", 0, "peak learning rate (0: the preset's default)")
	fs.Uint64Var(&s.Seed, "seed", 1, "random seed (same seed, same numbers)")
	fs.Float64Var(&s.MinQuality, "min-quality", 0, "pre-training: keep documents with quality >= this")
	fs.IntVar(&s.EvalEvery, "eval-every", 25, "steps between validation measurements")
	fs.StringVar(&f.init, "init", "", "checkpoint to start from (default: a freshly initialised model)")
	fs.StringVar(&f.out, "out", "", "write the trained checkpoint here (.safetensors)")
	fs.StringVar(&f.data, "data", "", "training data: a .jsonl dataset file or a .txt/.md/.go corpus (default: the shipped dataset of the stage; for midtrain, a domain corpus in place of the shipped code and knowledge base; for sft, TRL messages or a math file answered with reference solutions; for rl and distill, {\"prompt\",\"answer\"} problems; for dpo, {\"prompt\",\"chosen\",\"rejected\"} pairs)")
	fs.StringVar(&f.datasets, "datasets", DefaultDatasets, "folder of the shipped datasets")
	fs.StringVar(&f.tokenizer, "tokenizer", "", "tokenizer.json to use for a fresh model (default: <datasets>/tokenizer.json, else trained on the data)")
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object per step on stdout")
	fs.StringVar(&f.backend, "backend", "cpu", "compute backend: cpu (natively the only one), webgpu (app/cli/gpu under Deno)")
	fs.Float64Var(&f.replay, "replay", 0.25, "midtrain, sft: share of batch rows replayed from pre-training data")
	fs.Float64Var(&f.synthetic, "synthetic", 0.25, "mid-training: share of batch rows of structure-derived synthetic data (0: off)")
	addMidtrainFlags(fs, &f.mid)
	f.post = posttrain.DefaultOptions()
	po := &f.post
	fs.StringVar(&f.teacher, "teacher", "", "distill: the teacher checkpoint (same tokenizer; a longer-trained or larger model)")
	fs.IntVar(&po.Group, "group", po.Group, "rl, distill: completions sampled per prompt (G); a batch holds batch/G prompts")
	fs.Float64Var(&po.Beta, "beta", po.Beta, "dpo: β, how far the policy may move from the reference")
	fs.Float64Var(&po.KL, "kl", po.KL, "rl: β of the KL penalty to the starting model (0: reported, not penalised)")
	temp := fs.Float64("temperature", float64(po.Temperature), "rl, distill: sampling temperature")
	fs.IntVar(&po.MaxTokens, "max-tokens", po.MaxTokens, "rl, distill: completion length limit")
	fs.Float64Var(&po.FormatReward, "format-reward", po.FormatReward, "rl: weight of the format reward added to the answer reward")
	fs.BoolVar(&po.DropEnd, "drop-end", false, "sft: leave <|end|> out of the loss mask (the classic bug: the model never learns to stop)")
	skip := fs.String("skip-kinds", "", "sft: leave out the conversations of these kinds, comma-separated (the shipped file has chat, code, fact, idk, kb, math, multi)")
	fs.IntVar(&f.heldout, "heldout", 0, "rl, distill, dpo: held-out problems or pairs measured before, during (every -eval-every steps) and after training (0: all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkBackend(f.backend); err != nil {
		return err
	}
	p, err := model.PresetByName(s.Preset)
	if err != nil {
		return fmt.Errorf("%w: -preset: %v", ErrUsage, err)
	}
	if s.Batch == 0 {
		s.Batch = p.Batch
	}
	s.LR = p.LR
	if *lr != 0 {
		s.LR = float32(*lr)
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	f.post.Temperature = float32(*temp)
	f.post.Replay = f.replay
	if *skip != "" {
		if s.Stage != train.StageSFT {
			return fmt.Errorf("%w: -skip-kinds is for -stage sft", ErrUsage)
		}
		for _, k := range strings.Split(*skip, ",") {
			f.skipKinds = append(f.skipKinds, strings.TrimSpace(k))
		}
	}
	if err := f.post.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if f.teacher != "" && s.Stage != train.StageDistill {
		return fmt.Errorf("%w: -teacher is for -stage distill", ErrUsage)
	}
	if s.Stage == train.StageMidtrain {
		if _, err := midtrainSettings(f); err != nil {
			return err
		}
	}
	if f.mid.lesson != "" {
		return runLesson(ctx, fs, f, stdout, stderr)
	}
	return trainStage(ctx, f, p, stdout, stderr)
}

// stageData opens the shipped datasets of f for the stage builder, with
// -data, when given, in place of the stage's shipped training data.
func stageData(f trainFlags) (*stages.Data, error) {
	d := &stages.Data{Read: func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(f.datasets, name))
		if err != nil {
			return nil, fmt.Errorf("train: %w (build the datasets first: make datasets)", err)
		}
		return b, nil
	}}
	if kind := stages.KindFor(f.settings.Stage); f.data != "" && kind != "" {
		b, err := os.ReadFile(f.data)
		if err != nil {
			return nil, err
		}
		if _, err := d.Use(kind, filepath.Base(f.data), b); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// stageSettings are the stage builder's settings of f.
func stageSettings(f trainFlags) (stages.Settings, error) {
	s := stages.Settings{Train: f.settings, Post: f.post, HeldOut: f.heldout, Sampled: 4, SkipKinds: f.skipKinds}
	if f.settings.Stage == train.StageMidtrain {
		mid, err := midtrainSettings(f)
		if err != nil {
			return s, err
		}
		s.Mid = mid
	}
	return s, nil
}

// dataFor builds f's stage for model m (with tokenizer tok and context
// T): pre-training here, from the shipped corpus or -data; every other
// stage with the stage builder the browser engine uses too.
func dataFor(f trainFlags, m *model.GPT, tok *tokenizer.Tokenizer, T int, log *progress) (*stages.Built, error) {
	s := f.settings
	if s.Stage == train.StagePretrain {
		trainDocs, evalDocs, err := pretrainDocs(f)
		if err != nil {
			return nil, err
		}
		log.phase("tokenizing %d training and %d evaluation documents", len(trainDocs), len(evalDocs))
		b, err := stages.Pretrain(trainDocs, evalDocs, s.MinQuality, tok, T)
		if errors.Is(err, stages.ErrNoDocuments) {
			return nil, fmt.Errorf("train: no document has quality >= %v: lower -min-quality", s.MinQuality)
		}
		return b, err
	}
	if !stages.IsPostTraining(s.Stage) && s.Stage != train.StageMidtrain {
		return nil, fmt.Errorf("%w: -stage %s is not implemented yet", ErrUsage, s.Stage)
	}
	if s.Stage == train.StageDistill && f.teacher == "" {
		return nil, fmt.Errorf("%w: -stage distill needs -teacher <checkpoint.safetensors> (make checkpoints writes web/checkpoints/teacher.safetensors)", ErrUsage)
	}
	ss, err := stageSettings(f)
	if err != nil {
		return nil, err
	}
	d, err := stageData(f)
	if err != nil {
		return nil, err
	}
	if s.Stage == train.StageMidtrain && f.data != "" {
		log.phase("domain corpus: %s in place of the shipped code and knowledge base", f.data)
	}
	ms := stages.Models{Policy: m, Tok: tok, Reference: func() (*model.GPT, error) { return loadModel(f.init, nil) }}
	if s.Stage == train.StageDistill {
		if ms.Teacher, err = loadModel(f.teacher, tok); err != nil {
			return nil, err
		}
	}
	b, err := d.Build(ss, ms)
	if err != nil {
		return nil, err
	}
	if s.Stage == train.StageDistill && b.HeldOut != nil {
		if h, err := b.HeldOut(ms.Teacher); err == nil {
			log.phase("teacher %s held-out: %s", f.teacher, formatMetrics(h))
		}
	}
	return b, nil
}

func trainStage(ctx context.Context, f trainFlags, p model.Preset, stdout, stderr io.Writer) error {
	s := f.settings
	log := newProgress(stderr, f.jsonOut)
	be, err := newBackend(f.backend)
	if err != nil {
		return err
	}
	var m *model.GPT
	var tok *tokenizer.Tokenizer
	parent := ""
	switch {
	case f.init != "":
		ck, err := loadCheckpoint(f.init)
		if err != nil {
			return err
		}
		if m, err = ck.Model(be); err != nil {
			return err
		}
		tok, parent = ck.Tokenizer, f.init
		p.Name = ck.Info.Preset
	case s.Stage != train.StagePretrain:
		return fmt.Errorf("%w: -stage %s starts from a trained model: pass -init <checkpoint.safetensors> (make checkpoints writes web/checkpoints/base.safetensors)", ErrUsage, s.Stage)
	default:
		trainDocs, _, err := pretrainDocs(f)
		if err != nil {
			return err
		}
		if tok, err = tokenizerFor(f, trainDocs, log); err != nil {
			return err
		}
		cfg := p.Config
		cfg.VocabSize = tok.VocabSize()
		if m, err = model.New(cfg, be, s.Seed); err != nil {
			return err
		}
	}
	T := m.Config.MaxSeqLen
	data, err := dataFor(f, m, tok, T, log)
	if err != nil {
		return err
	}
	run, err := data.NewRun(s, m, tok)
	if err != nil {
		return err
	}
	run.PaceReads(be)
	log.phase("%s: %s (%d parameters) on %s, %d steps of %d×%d tokens, %s",
		s.Stage, p.Name, m.Config.NumParams(), be.Name(), s.Steps, s.Batch, T, data.About)
	var last train.Metrics
	measure := func(step int) (map[string]float64, error) {
		if data.HeldOut == nil || !(step == 0 || run.Done() || (s.EvalEvery > 0 && step%s.EvalEvery == 0)) {
			return nil, nil
		}
		h, err := data.HeldOut(m)
		if err == nil {
			log.phase("held-out after %d steps: %s", step, formatMetrics(h))
		}
		return h, err
	}
	if _, err := measure(0); err != nil {
		return err
	}
	for !run.Done() {
		if err := ctx.Err(); err != nil {
			return err
		}
		mt, err := run.Step()
		if err != nil {
			return err
		}
		last = mt
		h, err := measure(mt.Step)
		if err != nil {
			return err
		}
		if f.jsonOut {
			if err := writeJSONLine(stdout, mt, h); err != nil {
				return err
			}
		}
		log.step(mt)
	}
	var sample string
	if stages.IsPostTraining(s.Stage) {
		sample, err = chatSample(run, "What is 7 + 5?")
	} else {
		sample, err = run.Sample("The", 40, 0.8)
		sample = "The" + sample
	}
	if err != nil {
		return err
	}
	log.done(last, sample)
	if f.out != "" {
		info := checkpoint.Info{Name: strings.TrimSuffix(filepath.Base(f.out), filepath.Ext(f.out)),
			Stage: s.Stage, Preset: p.Name, Steps: s.Steps, Seed: s.Seed, Parent: parent,
			Metrics: map[string]string{"val_loss": fmt.Sprintf("%.4f", last.ValLoss)}}
		if stages.IsPostTraining(s.Stage) {
			info.Settings = postSettings(f)
			for k, v := range last.Extra {
				info.Metrics[k] = fmt.Sprintf("%.4g", v)
			}
		}
		if err := saveCheckpoint(f.out, m, tok, info); err != nil {
			return err
		}
		log.phase("wrote %s", f.out)
	}
	return nil
}

// stepJSON is one line of `train -json`.
type stepJSON struct {
	Step        int                `json:"step"`
	Steps       int                `json:"steps"`
	Loss        float64            `json:"loss"`
	ValLoss     *float64           `json:"val_loss,omitempty"`
	ValBySource map[string]float64 `json:"val_by_source,omitempty"`
	TokensPerS  float64            `json:"tokens_per_s"`
	LR          float32            `json:"lr"`
	GradNorm    float64            `json:"grad_norm"`
	ElapsedS    float64            `json:"elapsed_s"`
	Extra       map[string]float64 `json:"extra,omitempty"`   // the stage's own metrics (reward, KL, margins)
	Heldout     map[string]float64 `json:"heldout,omitempty"` // held-out task metrics, when measured
}

// stepOf is the JSON line of a step's metrics and its held-out
// measurements (nil when none were taken).
func stepOf(mt train.Metrics, heldout map[string]float64) stepJSON {
	j := stepJSON{Step: mt.Step, Steps: mt.Steps, Loss: mt.Loss, ValBySource: mt.ValBySource,
		TokensPerS: mt.TokensPerS, LR: mt.LR, GradNorm: mt.GradNorm, ElapsedS: mt.Elapsed.Seconds(),
		Extra: mt.Extra, Heldout: heldout}
	if !math.IsNaN(mt.ValLoss) {
		v := mt.ValLoss
		j.ValLoss = &v
	}
	return j
}

func writeJSONLine(w io.Writer, mt train.Metrics, heldout map[string]float64) error {
	return writeJSON(w, stepOf(mt, heldout))
}

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// pretrainDocs reads the training and evaluation documents: the shipped
// pre-training dataset, or -data.
func pretrainDocs(f trainFlags) (trainDocs, evalDocs []train.Doc, err error) {
	path := f.data
	if path == "" {
		path = filepath.Join(f.datasets, "pretrain.train.jsonl")
		if _, err := os.Stat(path); err != nil {
			return nil, nil, fmt.Errorf("train: %s is missing: build the datasets first (make datasets, or go run ./datasets/cmd/mkdatasets -out %s)", path, f.datasets)
		}
	}
	if strings.HasSuffix(path, ".jsonl") && !isUserJSONL(path) {
		trainDocs, err = readDocuments(path)
		if err != nil {
			return nil, nil, err
		}
		evalPath := strings.Replace(path, ".train.", ".eval.", 1)
		if evalPath != path {
			if _, statErr := os.Stat(evalPath); statErr == nil {
				evalDocs, err = readDocuments(evalPath)
				return trainDocs, evalDocs, err
			}
		}
		trainDocs, evalDocs = holdOut(trainDocs)
		return trainDocs, evalDocs, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	texts, err := load.UserCorpus(filepath.Base(path), data)
	if err != nil {
		return nil, nil, err
	}
	var docs []train.Doc
	for _, t := range texts {
		for _, piece := range train.SplitText(t, 2048) {
			docs = append(docs, train.Doc{Source: "user", Quality: 1, Text: []byte(piece)})
		}
	}
	trainDocs, evalDocs = holdOut(docs)
	return trainDocs, evalDocs, nil
}

// isUserJSONL tells a {"text": ...} corpus from a pre-training dataset file
// by its first line.
func isUserJSONL(path string) bool {
	fh, err := os.Open(path)
	if err != nil {
		return false
	}
	defer fh.Close()
	buf := make([]byte, 4096)
	n, _ := fh.Read(buf)
	line, _, _ := bytes.Cut(buf[:n], []byte("\n"))
	return !bytes.Contains(line, []byte(`"source"`))
}

func readDocuments(path string) ([]train.Doc, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	recs, err := load.Documents(filepath.Base(path), data)
	if err != nil {
		return nil, err
	}
	docs := make([]train.Doc, len(recs))
	for i, r := range recs {
		docs[i] = train.Doc{Source: r.Source, Quality: r.Quality, Text: []byte(r.Text)}
	}
	return docs, nil
}

// holdOut moves about 1 in 10 documents (by a hash of the text, not by
// position) to the evaluation split.
func holdOut(docs []train.Doc) (trainDocs, evalDocs []train.Doc) {
	for _, d := range docs {
		h := fnv.New32a()
		h.Write(d.Text)
		if h.Sum32()%10 == 0 {
			evalDocs = append(evalDocs, d)
		} else {
			trainDocs = append(trainDocs, d)
		}
	}
	if len(evalDocs) == 0 && len(trainDocs) > 1 {
		evalDocs, trainDocs = trainDocs[len(trainDocs)-1:], trainDocs[:len(trainDocs)-1]
	}
	return trainDocs, evalDocs
}

// tokenizerFor returns the tokenizer of a fresh model: -tokenizer, the
// shipped default, or one trained on the training documents.
func tokenizerFor(f trainFlags, docs []train.Doc, log *progress) (*tokenizer.Tokenizer, error) {
	path := f.tokenizer
	if path == "" {
		def := filepath.Join(f.datasets, "tokenizer.json")
		if _, err := os.Stat(def); err == nil && f.data == "" {
			path = def
		}
	}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		tok, err := tokenizer.Load(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return tok, nil
	}
	raw := make([][]byte, len(docs))
	for i, d := range docs {
		raw[i] = d.Text
	}
	log.phase("training a %d-token BPE tokenizer on %d documents", model.DefaultVocab, len(docs))
	return tokenizer.Train(raw, model.DefaultVocab, nil)
}

func loadCheckpoint(path string) (*checkpoint.Checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ck, err := checkpoint.Load(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ck, nil
}

// saveCheckpoint writes atomically: a temporary file renamed into place,
// so an interrupted save never leaves a truncated checkpoint.
func saveCheckpoint(path string, m *model.GPT, tok *tokenizer.Tokenizer, info checkpoint.Info) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ckpt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := checkpoint.Save(tmp, m, tok, info); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// progress prints a run's progress for people on stderr: a bar redrawn in
// place on a terminal, a line every tenth of the run otherwise.
type progress struct {
	w        io.Writer
	tty      bool
	quiet    bool
	lastLine time.Time
	loss     float64 // the last training loss read back
}

func newProgress(w io.Writer, jsonOut bool) *progress {
	p := &progress{w: w}
	if fh, ok := w.(*os.File); ok {
		if st, err := fh.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	_ = jsonOut
	return p
}

func (p *progress) phase(format string, args ...any) {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *progress) step(mt train.Metrics) {
	val := ""
	if !math.IsNaN(mt.ValLoss) {
		val = fmt.Sprintf(" val %.3f", mt.ValLoss)
	}
	eta := time.Duration(float64(mt.Elapsed) / float64(mt.Step) * float64(mt.Steps-mt.Step))
	extra := ""
	if len(mt.Extra) > 0 {
		extra = " " + formatMetrics(mt.Extra)
	}
	if !mt.Unread { // the first step always is
		p.loss = mt.Loss // on a GPU, the last loss read back (train.Run.ReadEvery)
	}
	line := fmt.Sprintf("step %d/%d loss %.3f%s%s %.0f tok/s lr %.2e eta %s",
		mt.Step, mt.Steps, p.loss, val, extra, mt.TokensPerS, mt.LR, eta.Round(time.Second))
	if p.tty {
		const width = 24
		done := width * mt.Step / mt.Steps
		bar := strings.Repeat("█", done) + strings.Repeat("·", width-done)
		fmt.Fprintf(p.w, "\r\033[K%s %s", bar, line)
		return
	}
	if mt.Step == 1 || mt.Step == mt.Steps || mt.Step%max(1, mt.Steps/10) == 0 {
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) done(mt train.Metrics, sample string) {
	if p.tty {
		fmt.Fprintln(p.w)
	}
	val := ""
	if !math.IsNaN(mt.ValLoss) {
		val = fmt.Sprintf(", val loss %.3f", mt.ValLoss)
	}
	fmt.Fprintf(p.w, "done: %d steps in %s, loss %.3f%s, %.0f tokens/s\nsample: %q\n",
		mt.Step, mt.Elapsed.Round(time.Millisecond), mt.Loss, val,
		float64(mt.Tokens)/mt.Elapsed.Seconds(), sample)
}
