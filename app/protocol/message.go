package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Version is the protocol version carried in every message. It changes
// when a message or field changes meaning or is removed.
//
// Version 2: start runs any stage (Settings.Stage, from a shipped
// checkpoint for the stages after pre-training); upload, evaluate and
// inspect of the domain; heatmap, report, projection, completions,
// uploaded and domain messages; Metrics.Extra.
const Version = 2

// Kind names a message.
type Kind string

// Messages from the UI to the engine.
const (
	KindStart   Kind = "start"
	KindPause   Kind = "pause"
	KindResume  Kind = "resume"
	KindReset   Kind = "reset"
	KindInspect Kind = "inspect"
	// Version 2.
	KindUpload   Kind = "upload"
	KindEvaluate Kind = "evaluate"
)

// Messages from the engine to the UI.
const (
	KindReady    Kind = "ready"
	KindState    Kind = "state"
	KindProgress Kind = "progress"
	KindDataset  Kind = "dataset"
	KindMetrics  Kind = "metrics"
	KindSample   Kind = "sample"
	KindError    Kind = "error"
	KindDone     Kind = "done"
	// Version 2.
	KindHeatmap     Kind = "heatmap"
	KindReport      Kind = "report"
	KindProjection  Kind = "projection"
	KindCompletions Kind = "completions"
	KindUploaded    Kind = "uploaded"
	KindDomain      Kind = "domain"
)

// Message is one message in either direction. Kind says which payload field
// is set; commands without a payload (pause, resume, reset) set none.
type Message struct {
	V    int  `json:"v"`
	Kind Kind `json:"kind"`

	Settings *Settings `json:"settings,omitempty"` // start
	Inspect  *Inspect  `json:"inspect,omitempty"`  // inspect
	Ready    *Ready    `json:"ready,omitempty"`
	State    *State    `json:"state,omitempty"`
	Progress *Progress `json:"progress,omitempty"`
	Dataset  *Dataset  `json:"dataset,omitempty"`
	Metrics  *Metrics  `json:"metrics,omitempty"`
	Sample   *Sample   `json:"sample,omitempty"`
	Error    *Error    `json:"error,omitempty"`
	Done     *Done     `json:"done,omitempty"`

	Upload      *Upload      `json:"upload,omitempty"`
	Evaluate    *Evaluate    `json:"evaluate,omitempty"`
	Heatmap     *Heatmap     `json:"heatmap,omitempty"`
	Report      *Report      `json:"report,omitempty"`
	Projection  *Projection  `json:"projection,omitempty"`
	Completions *Completions `json:"completions,omitempty"`
	Uploaded    *Uploaded    `json:"uploaded,omitempty"`
	Domain      *Domain      `json:"domain,omitempty"`
}

// Inspect asks for the corpus as the quality filter MinQuality leaves it,
// with a random kept document drawn with Seed (another seed, another
// document). The engine loads the data on the first inspect.
//
// With Stage "midtrain" it asks instead for the mid-training domain data
// (a Domain message: a code file, a knowledge-base page and synthetic
// items drawn with Seed).
type Inspect struct {
	Seed       uint64  `json:"seed"`
	MinQuality float64 `json:"min_quality"`
	Stage      string  `json:"stage,omitempty"`
}

// Ready is the engine's first message.
type Ready struct {
	Protocol int    `json:"protocol"` // Version, as compiled into the engine
	Engine   string `json:"engine"`   // the engine's build, for bug reports
}

// Status is the engine's state.
type Status string

// Engine states.
const (
	StatusIdle      Status = "idle"      // no run
	StatusPreparing Status = "preparing" // loading data, training the tokenizer, building the model
	StatusRunning   Status = "running"
	StatusPaused    Status = "paused"
	StatusDone      Status = "done"
	StatusFailed    Status = "failed"
)

// State reports a change of the engine's state.
type State struct {
	Status Status `json:"status"`
	Step   int    `json:"step"` // steps done
	// Stage, Preset and Init describe the run (version 2): the stage, the
	// model's preset (a checkpoint's, after pre-training) and the shipped
	// checkpoint it started from.
	Stage  string `json:"stage,omitempty"`
	Preset string `json:"preset,omitempty"`
	Init   string `json:"init,omitempty"`
	// Backend says what computes, for people ("CPU (pure Go)"), and
	// BackendReason why it was chosen over the one asked for, if it was.
	Backend       string `json:"backend,omitempty"`
	BackendReason string `json:"backend_reason,omitempty"`
}

// Phases of preparing a run, in order.
const (
	PhaseLoading   = "loading data"
	PhaseTokenizer = "training tokenizer"
	PhaseTokenize  = "tokenizing"
	PhaseModel     = "building model"
	PhaseTraining  = "training"

	// The stages after pre-training load checkpoints instead of training
	// a tokenizer, and may evaluate before and after training.
	PhaseCheckpoint = "loading checkpoint"
	PhaseEvaluating = "evaluating"
)

// Progress reports how far a phase is: Done of Total units (Total 0 when
// unknown), and a short Detail for people.
type Progress struct {
	Phase  string `json:"phase"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
	Detail string `json:"detail,omitempty"`
}

// Dataset describes the training corpus of a run as loaded.
type Dataset struct {
	Name       string        `json:"name"`      // "pretrain"
	Documents  int           `json:"documents"` // training documents in the file
	Kept       int           `json:"kept"`      // after the quality filter
	MinQuality float64       `json:"min_quality"`
	Bytes      int           `json:"bytes"`  // of the kept documents' text
	Tokens     int           `json:"tokens"` // of the kept documents under the run's tokenizer; 0 until tokenized
	Sources    []SourceCount `json:"sources"`
	Doc        *Document     `json:"doc,omitempty"` // a random kept document
}

// SourceCount is the share of one source in the corpus.
type SourceCount struct {
	Source      string  `json:"source"`
	Documents   int     `json:"documents"` // before the filter
	Kept        int     `json:"kept"`      // after the filter
	MeanQuality float64 `json:"mean_quality"`
}

// Document is one document, as shown by the dataset inspector. Text may be
// cut to MaxDocText bytes (Truncated says so).
type Document struct {
	ID        string  `json:"id"`
	Source    string  `json:"source"`
	Quality   float64 `json:"quality"`
	Text      string  `json:"text"`
	Truncated bool    `json:"truncated,omitempty"`
}

// MaxDocText is the most text of a document a Dataset message carries.
const MaxDocText = 2000

// Metrics is one training step.
type Metrics struct {
	Step  int     `json:"step"` // steps done, 1-based
	Steps int     `json:"steps"`
	Loss  float64 `json:"loss"`
	// ValLoss is the validation loss when it was measured at this step.
	ValLoss     *float64           `json:"val_loss,omitempty"`
	ValBySource map[string]float64 `json:"val_by_source,omitempty"`
	LR          float32            `json:"lr"`
	TokensPerS  float64            `json:"tokens_per_s"` // over this step
	Tokens      int                `json:"tokens"`       // trained so far
	ElapsedMS   float64            `json:"elapsed_ms"`   // training time so far
	// Extra holds the stage's own metrics (train.Metrics.Extra): mean
	// reward, KL, DPO margins, JEPA loss... (version 2).
	Extra map[string]float64 `json:"extra,omitempty"`
}

// Sample is text the model generated from Prompt at Step. For the
// post-training stages Prompt is a question asked in the chat template and
// Text the model's greedy reply; When says "before" (the start model) or
// "after" (the trained one), "" along the run.
type Sample struct {
	Step   int    `json:"step"`
	Prompt string `json:"prompt"`
	Text   string `json:"text"`
	When   string `json:"when,omitempty"`
}

// Error is a failure, in words, and the phase it happened in.
type Error struct {
	Phase   string `json:"phase,omitempty"`
	Message string `json:"message"`
}

// Done says a run finished.
type Done struct {
	Step      int      `json:"step"`
	Loss      float64  `json:"loss"`
	ValLoss   *float64 `json:"val_loss,omitempty"`
	ElapsedMS float64  `json:"elapsed_ms"`
}

// Errors wrapped by Decode.
var (
	ErrVersion = errors.New("protocol version mismatch")
	ErrMessage = errors.New("malformed message")
)

// payloadOf returns whether the payload kind k requires is present, or
// true for kinds without a payload; known is false for an unknown kind.
func (m *Message) payloadOf() (present, known bool) {
	switch m.Kind {
	case KindPause, KindResume, KindReset:
		return true, true
	case KindStart:
		return m.Settings != nil, true
	case KindInspect:
		return m.Inspect != nil, true
	case KindReady:
		return m.Ready != nil, true
	case KindState:
		return m.State != nil, true
	case KindProgress:
		return m.Progress != nil, true
	case KindDataset:
		return m.Dataset != nil, true
	case KindMetrics:
		return m.Metrics != nil, true
	case KindSample:
		return m.Sample != nil, true
	case KindError:
		return m.Error != nil, true
	case KindDone:
		return m.Done != nil, true
	case KindUpload:
		return m.Upload != nil, true
	case KindEvaluate:
		return m.Evaluate != nil, true
	case KindHeatmap:
		return m.Heatmap != nil, true
	case KindReport:
		return m.Report != nil, true
	case KindProjection:
		return m.Projection != nil, true
	case KindCompletions:
		return m.Completions != nil, true
	case KindUploaded:
		return m.Uploaded != nil, true
	case KindDomain:
		return m.Domain != nil, true
	}
	return false, false
}

// Encode returns m as JSON with the current Version. JSON has no NaN or
// infinity, so a diverged loss (NaN, +Inf) is sent as math.MaxFloat64 and
// a diverging run still reports.
func Encode(m Message) ([]byte, error) {
	m.V = Version
	if present, known := m.payloadOf(); !known || !present {
		return nil, fmt.Errorf("protocol: %w: kind %q without its payload", ErrMessage, m.Kind)
	}
	if m.Metrics != nil {
		c := *m.Metrics
		c.Loss = finite(c.Loss)
		if c.ValLoss != nil {
			v := finite(*c.ValLoss)
			c.ValLoss = &v
		}
		if c.ValBySource != nil {
			by := make(map[string]float64, len(c.ValBySource))
			for k, v := range c.ValBySource {
				by[k] = finite(v)
			}
			c.ValBySource = by
		}
		c.TokensPerS = finite(c.TokensPerS)
		if c.Extra != nil {
			ex := make(map[string]float64, len(c.Extra))
			for k, v := range c.Extra {
				ex[k] = finite(v)
			}
			c.Extra = ex
		}
		m.Metrics = &c
	}
	if m.Heatmap != nil {
		c := *m.Heatmap
		c.Rows = make([]HeatRow, len(m.Heatmap.Rows))
		for i, r := range m.Heatmap.Rows {
			r.Weights, r.Values = finite32(r.Weights), finite32(r.Values)
			c.Rows[i] = r
		}
		m.Heatmap = &c
	}
	if m.Completions != nil {
		c := *m.Completions
		c.Items = make([]Completion, len(m.Completions.Items))
		for i, it := range m.Completions.Items {
			it.Reward, it.Format, it.Advantage, it.ReverseKL = finite(it.Reward), finite(it.Format), finite(it.Advantage), finite(it.ReverseKL)
			c.Items[i] = it
		}
		m.Completions = &c
	}
	if m.Projection != nil {
		c := *m.Projection
		c.Points = make([]ProjPoint, len(m.Projection.Points))
		for i, p := range m.Projection.Points {
			p.X, p.Y = finite(p.X), finite(p.Y)
			c.Points[i] = p
		}
		c.Explained = [2]float64{finite(c.Explained[0]), finite(c.Explained[1])}
		c.Linked = finite(c.Linked)
		m.Projection = &c
	}
	if m.Done != nil {
		c := *m.Done
		c.Loss = finite(c.Loss)
		if c.ValLoss != nil {
			v := finite(*c.ValLoss)
			c.ValLoss = &v
		}
		m.Done = &c
	}
	return json.Marshal(m)
}

// finite32 returns xs with NaN and +Inf as math.MaxFloat32 and -Inf as
// -math.MaxFloat32, copied only when one is there.
func finite32(xs []float32) []float32 {
	bad := func(x float32) bool { return x != x || math.IsInf(float64(x), 0) }
	for i, x := range xs {
		if !bad(x) {
			continue
		}
		out := append([]float32(nil), xs...)
		for j := i; j < len(out); j++ {
			switch v := out[j]; {
			case math.IsInf(float64(v), -1):
				out[j] = -math.MaxFloat32
			case bad(v):
				out[j] = math.MaxFloat32
			}
		}
		return out
	}
	return xs
}

func finite(x float64) float64 {
	switch {
	case math.IsNaN(x), math.IsInf(x, 1):
		return math.MaxFloat64
	case math.IsInf(x, -1):
		return -math.MaxFloat64
	}
	return x
}

// Decode parses one message, refusing other protocol versions, unknown
// kinds and kinds without their payload.
func Decode(data []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		return Message{}, fmt.Errorf("protocol: %w: %v", ErrMessage, err)
	}
	if m.V != Version {
		return Message{}, fmt.Errorf("protocol: %w: got version %d, this side speaks %d (reload the page to update)", ErrVersion, m.V, Version)
	}
	present, known := m.payloadOf()
	switch {
	case !known:
		return Message{}, fmt.Errorf("protocol: %w: unknown kind %q", ErrMessage, m.Kind)
	case !present:
		return Message{}, fmt.Errorf("protocol: %w: kind %q without its payload", ErrMessage, m.Kind)
	}
	return m, nil
}
