package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"tinystages/app/protocol"
	"tinystages/model"
	"tinystages/model/checkpoint"
	"tinystages/model/compute"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// models answers the page's model requests (protocol.ModelRequest): export
// the current model as a Hugging Face GPT-2 bundle, import a bundle, sample
// from the current model. The current model is the session's run's (while
// it is paused or finished), or the model imported since that run began.
//
// Requests are answered on a goroutine of their own, between the session's
// steps (the engine is single-threaded: goroutines switch where one
// blocks). A run's model is read only while the run is not stepping: a
// request for it while it runs or prepares is refused.
type models struct {
	s   *session
	cpu func() compute.Backend // where samples are computed

	// importedRun is the session's run when the model was imported (the
	// imported model itself is the session's: session.imported).
	importedRun *train.Run
}

func newModels(s *session, cpu func() compute.Backend) *models {
	return &models{s: s, cpu: cpu}
}

// errNoModel is the answer when there is no model to export or sample.
var errNoModel = errors.New("there is no model yet: train one (then pause or finish the run), or import one")

// handle answers one request; data is the bundle of an import. It returns
// the reply and its bytes (the bundle of an export).
func (b *models) handle(r protocol.ModelRequest, data []byte) (protocol.ModelReply, []byte) {
	reply := protocol.ModelReply{Kind: r.Kind, ID: r.ID}
	var out []byte
	var err error
	switch r.Kind {
	case protocol.ModelExport:
		reply.Model, out, err = b.export()
	case protocol.ModelImport:
		reply.Model, err = b.importBundle(r.Name, data)
	case protocol.ModelSample:
		reply.Text, err = b.sample(r.Prompt, r.Seed, r.Tokens)
	default:
		err = fmt.Errorf("unknown request %q", r.Kind)
	}
	if err != nil {
		reply.Error = err.Error()
		reply.Model, out = nil, nil
	}
	return reply, out
}

// current returns the current model as a checkpoint, and what it is.
func (b *models) current() (*checkpoint.Checkpoint, protocol.ModelInfo, error) {
	run := b.s.run
	if ck := b.s.imported; ck != nil && (run == nil || run == b.importedRun) {
		return ck, infoOf(ck, "imported"), nil
	}
	if run == nil || run.Tok == nil {
		return nil, protocol.ModelInfo{}, errNoModel
	}
	switch b.s.status {
	case protocol.StatusRunning, protocol.StatusPreparing:
		return nil, protocol.ModelInfo{}, errors.New("the model is training: pause the run first")
	}
	st := run.Settings
	info := checkpoint.Info{
		Name:  fmt.Sprintf("tinystages %s %s, step %d", st.Stage, st.Preset, run.StepsDone()),
		Stage: st.Stage, Preset: st.Preset, Steps: run.StepsDone(), Seed: st.Seed,
		Settings: settingsMap(b.s.settings),
	}
	ck := checkpoint.FromModel(run.Model, run.Tok, info)
	return ck, infoOf(ck, "run"), nil
}

// settingsMap is the run's settings as a checkpoint's free-form info.
func settingsMap(s protocol.Settings) map[string]any {
	data, err := json.Marshal(s)
	if err != nil {
		return nil
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	return m
}

func infoOf(ck *checkpoint.Checkpoint, source string) protocol.ModelInfo {
	c := ck.Config
	return protocol.ModelInfo{
		Source: source, Name: ck.Info.Name, Stage: ck.Info.Stage, Preset: ck.Info.Preset,
		Steps: ck.Info.Steps, Seed: ck.Info.Seed,
		Params: c.NumParams(), Layers: c.NLayer, Heads: c.NHead, Width: c.NEmbd, Context: c.MaxSeqLen, Vocab: c.VocabSize,
	}
}

func (b *models) export() (*protocol.ModelInfo, []byte, error) {
	ck, info, err := b.current()
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	if err := checkpoint.WriteBundle(&buf, ck); err != nil {
		return nil, nil, err
	}
	info.Bytes = buf.Len()
	return &info, buf.Bytes(), nil
}

// importBundle validates a bundle and makes it the current model; on any
// problem the current model stays as it was.
func (b *models) importBundle(name string, data []byte) (*protocol.ModelInfo, error) {
	ck, err := checkpoint.ReadBundle(data)
	if err != nil {
		return nil, err
	}
	if ck.Info.Name == "" {
		ck.Info.Name = strings.TrimSuffix(name, ".zip")
	}
	b.s.imported, b.importedRun = ck, b.s.run
	info := infoOf(ck, "imported")
	info.Bytes = len(data)
	return &info, nil
}

// sample continues prompt with the current model, placed on the CPU, at
// the engine's sampling temperature and top-k: the same text for the same
// weights, prompt and seed, whichever backend trained them.
func (b *models) sample(prompt string, seed uint64, n int) (string, error) {
	ck, _, err := b.current()
	if err != nil {
		return "", err
	}
	if n <= 0 {
		n = protocol.SampleTokens
	}
	m, err := ck.Model(b.cpu())
	if err != nil {
		return "", err
	}
	ids := append([]int32{tokenizer.BOS}, ck.Tokenizer.EncodeString(prompt)...)
	if over := len(ids) - (ck.Config.MaxSeqLen - 1); over > 0 {
		ids = append([]int32{tokenizer.BOS}, ids[1+over:]...)
	}
	out, err := m.Generate(ids, 1, model.SampleOptions{
		Temperature: SampleTemperature, TopK: 40, MaxTokens: n,
		Stop: []int32{tokenizer.BOS, tokenizer.End},
	}, rand.New(rand.NewPCG(seed, 4)))
	if err != nil {
		return "", err
	}
	toks := out[0].Tokens
	if out[0].Stopped {
		toks = toks[:len(toks)-1]
	}
	return string(ck.Tokenizer.Decode(toks)), nil
}
