package build

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"tinystages/datasets/load"
	"tinystages/datasets/manifest"
	"tinystages/datasets/posttrain"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

// The tests share one full build with the default seed, made once.
var (
	shared struct {
		once sync.Once
		dir  string
		m    *manifest.Manifest
		err  error
	}
	sharedRoot string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tinystages-datasets-")
	if err != nil {
		panic(err)
	}
	sharedRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func goroot(t *testing.T) string {
	t.Helper()
	root, err := GoRoot()
	if err != nil {
		t.Skip(err)
	}
	return root
}

// built returns the directory and manifest of the shared build.
func built(t *testing.T) (string, *manifest.Manifest) {
	t.Helper()
	root := goroot(t)
	shared.once.Do(func() {
		shared.dir = filepath.Join(sharedRoot, "default")
		shared.m, shared.err = Run(Options{Out: shared.dir, Seed: DefaultSeed, GoRoot: root, Tokenizer: DefaultTokenizer})
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.dir, shared.m
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func TestSameSeedSameBytes(t *testing.T) {
	dir, _ := built(t)
	other := filepath.Join(sharedRoot, "again")
	if _, err := Run(Options{Out: other, Seed: DefaultSeed, GoRoot: goroot(t), Tokenizer: DefaultTokenizer}); err != nil {
		t.Fatal(err)
	}
	a, b := readDir(t, dir), readDir(t, other)
	if len(a) != len(b) {
		t.Fatalf("got %d files, then %d", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two builds with the same seed", name)
		}
	}
	for _, want := range []string{manifest.FileName, TokenizerFile, "pretrain.train.jsonl", "pretrain.md"} {
		if a[want] == nil {
			t.Errorf("missing %s", want)
		}
	}
}

func TestDifferentSeedDifferentBytes(t *testing.T) {
	dir, _ := built(t)
	other := filepath.Join(sharedRoot, "seed2")
	if _, err := Run(Options{Out: other, Seed: DefaultSeed + 1, GoRoot: goroot(t)}); err != nil {
		t.Fatal(err)
	}
	a, b := readDir(t, dir), readDir(t, other)
	for _, name := range []string{"pretrain.train.jsonl", "kb.train.jsonl", "sft.train.jsonl", "math.train.jsonl", "preference.train.jsonl", "facts.jsonl"} {
		if bytes.Equal(a[name], b[name]) {
			t.Errorf("%s is the same for two seeds", name)
		}
	}
}

func TestIdempotent(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Out: dir, Seed: 7, GoRoot: goroot(t)}
	if _, err := Run(opts); err != nil {
		t.Fatal(err)
	}
	first := readDir(t, dir)
	st, err := os.Stat(filepath.Join(dir, "pretrain.train.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(opts); err != nil {
		t.Fatal(err)
	}
	second := readDir(t, dir)
	if len(first) != len(second) {
		t.Fatalf("second run left %d files, first %d (temporary files left behind?)", len(second), len(first))
	}
	for name := range first {
		if !bytes.Equal(first[name], second[name]) {
			t.Errorf("%s changed on the second run", name)
		}
	}
	st2, _ := os.Stat(filepath.Join(dir, "pretrain.train.jsonl"))
	if !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("an unchanged file was rewritten")
	}
}

// TestManifest checks that every file listed parses with the loader and
// has the size, record count and hash the manifest states.
func TestManifest(t *testing.T) {
	dir, m := built(t)
	if m.Version != manifest.Version || m.Tokenizer.VocabSize != DefaultVocabSize {
		t.Errorf("manifest header: %+v", m)
	}
	names := map[string]bool{}
	for _, d := range m.Datasets {
		if names[d.Name] {
			t.Errorf("dataset %s listed twice", d.Name)
		}
		names[d.Name] = true
		if d.Stage == "" || d.License == "" || d.Source == "" || d.Card != d.Name+".md" || d.Records == 0 {
			t.Errorf("%s: incomplete entry %+v", d.Name, d)
		}
		if _, err := os.Stat(filepath.Join(dir, d.Card)); err != nil {
			t.Errorf("%s: card: %v", d.Name, err)
		}
		for _, f := range d.Files {
			data, err := os.ReadFile(filepath.Join(dir, f.Name))
			if err != nil {
				t.Fatal(err)
			}
			n, err := load.Check(d.Format, f.Name, data)
			if err != nil {
				t.Errorf("%v", err)
			}
			if n != f.Records || int64(len(data)) != f.Bytes {
				t.Errorf("%s: manifest says %d records, %d bytes; file has %d, %d", f.Name, f.Records, f.Bytes, n, len(data))
			}
			if d.Format != load.FormatFact && f.Tokens == 0 {
				t.Errorf("%s: no tokens counted", f.Name)
			}
		}
	}
	for _, want := range []string{"pretrain", "code", "kb", "synthetic", "sft", "math", "preference", "qa-pretrain", "qa-midtrain", "qa-never", "facts"} {
		if !names[want] {
			t.Errorf("manifest lacks dataset %s", want)
		}
	}
	pre := m.Dataset("pretrain")
	if len(pre.Sources) < 9 || pre.Quality == nil {
		t.Errorf("pretrain: sources %v, quality %v", pre.Sources, pre.Quality)
	}
	if pre.Bytes < 2<<20 || pre.Bytes > 4<<20 {
		t.Errorf("pretrain is %d bytes, want 2-4 MiB", pre.Bytes)
	}
	if mid := m.Dataset("code").Bytes + m.Dataset("kb").Bytes; mid < 300<<10 {
		t.Errorf("mid-training code and kb are %d bytes, want at least 300 KiB", mid)
	}
}

// lines returns every record of a file parsed by the loader.
func lines[T any, PT interface {
	*T
	record.Record
}](t *testing.T, dir, name string) []T {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := load.Parse[T, PT](name, data)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestSplitsDisjoint(t *testing.T) {
	dir, _ := built(t)
	check := func(name string, train, eval []string, ids bool) {
		t.Helper()
		in := map[string]bool{}
		for _, s := range train {
			in[s] = true
		}
		what := "text"
		if ids {
			what = "id"
		}
		for _, s := range eval {
			if in[s] {
				t.Errorf("%s: %s %.60q in both train and eval", name, what, s)
			}
		}
		if len(eval) == 0 || len(train) == 0 {
			t.Errorf("%s: train %d, eval %d", name, len(train), len(eval))
		}
	}
	both := func(name string, get func(split string) (ids, texts []string)) {
		ti, tt := get("train")
		ei, et := get("eval")
		check(name, ti, ei, true)
		check(name, tt, et, false)
	}
	both("pretrain", func(s string) (ids, texts []string) {
		for _, d := range lines[record.Document](t, dir, "pretrain."+s+".jsonl") {
			ids, texts = append(ids, d.ID), append(texts, d.Text)
		}
		return
	})
	both("code", func(s string) (ids, texts []string) {
		for _, d := range lines[record.CodeDoc](t, dir, "code."+s+".jsonl") {
			ids, texts = append(ids, d.ID), append(texts, d.Text)
		}
		return
	})
	both("kb", func(s string) (ids, texts []string) {
		for _, d := range lines[record.KBDoc](t, dir, "kb."+s+".jsonl") {
			ids, texts = append(ids, d.ID), append(texts, d.Text)
		}
		return
	})
	both("synthetic", func(s string) (ids, texts []string) {
		for _, d := range lines[record.Synthetic](t, dir, "synthetic."+s+".jsonl") {
			ids, texts = append(ids, d.ID), append(texts, d.Text)
		}
		return
	})
	both("sft", func(s string) (ids, texts []string) {
		for _, d := range lines[record.Example](t, dir, "sft."+s+".jsonl") {
			ids, texts = append(ids, d.ID), append(texts, d.Messages[len(d.Messages)-2].Content)
		}
		return
	})
	both("math", func(s string) (ids, texts []string) {
		for _, d := range lines[record.MathProblem](t, dir, "math."+s+".jsonl") {
			ids, texts = append(ids, d.ID), append(texts, d.Prompt)
		}
		return
	})
	both("preference", func(s string) (ids, texts []string) {
		for _, d := range lines[record.Preference](t, dir, "preference."+s+".jsonl") {
			ids, texts = append(ids, d.ID), append(texts, d.Kind+"|"+d.Prompt)
		}
		return
	})
	// RL and SFT never see an eval math problem.
	evalProblems := map[string]bool{}
	for _, p := range lines[record.MathProblem](t, dir, "math.eval.jsonl") {
		evalProblems[p.Prompt] = true
	}
	for _, e := range lines[record.Example](t, dir, "sft.train.jsonl") {
		if e.Kind == posttrain.KindMath && evalProblems[e.Messages[0].Content] {
			t.Errorf("sft.train has the eval problem %q", e.Messages[0].Content)
		}
	}
	g := posttrain.NewMathGen(1)
	for range 5000 {
		if p := g.Next(); evalProblems[p.Prompt] {
			t.Fatalf("MathGen.Next yielded the eval problem %q", p.Prompt)
		}
	}
}

func TestMathAnswersCorrect(t *testing.T) {
	dir, _ := built(t)
	levels := map[int]int{}
	for _, name := range []string{"math.train.jsonl", "math.eval.jsonl"} {
		for _, p := range lines[record.MathProblem](t, dir, name) {
			levels[p.Level]++
			got, ok := posttrain.Solve(p.Prompt)
			if !ok || got != p.Answer {
				t.Errorf("%s: %q: stored answer %s, recomputed %s (parsed %v)", name, p.Prompt, p.Answer, got, ok)
			}
			sol := posttrain.Solution(posttrain.Problem{Prompt: p.Prompt, Answer: p.Answer, Level: p.Level})
			if g := posttrain.Check(sol, p.Answer, true); !g.Correct || !g.Formatted || !strings.HasSuffix(sol, `\boxed{`+p.Answer+`}`) {
				t.Errorf("reference solution %q: %+v", sol, g)
			}
		}
	}
	for l := posttrain.MinLevel; l <= posttrain.MaxLevel; l++ {
		if levels[l] == 0 {
			t.Errorf("no problems of level %d", l)
		}
	}
	for _, e := range lines[record.Example](t, dir, "sft.train.jsonl") {
		if e.Kind != posttrain.KindMath {
			continue
		}
		ans, ok := posttrain.Solve(e.Messages[0].Content)
		if !ok || !posttrain.Check(e.Messages[1].Content, ans, true).Formatted || posttrain.Reward(e.Messages[1].Content, ans) != 1 {
			t.Errorf("sft math example %q -> %q does not earn the reward", e.Messages[0].Content, e.Messages[1].Content)
		}
	}
}

func TestPreferenceLabelsCheckable(t *testing.T) {
	dir, m := built(t)
	w := world.Generate(m.Seed)
	kinds := map[string]int{}
	for _, name := range []string{"preference.train.jsonl", "preference.eval.jsonl"} {
		for _, p := range lines[record.Preference](t, dir, name) {
			kinds[p.Kind]++
			if err := posttrain.CheckPreference(w, p); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			// The checker is not a rubber stamp: swapped, the label fails.
			p.Chosen, p.Rejected = p.Rejected, p.Chosen
			if posttrain.CheckPreference(w, p) == nil {
				t.Errorf("%s: the swapped pair %q also checks", name, p.Prompt)
			}
		}
	}
	for _, k := range []string{record.KindCorrect, record.KindFaithful, record.KindConcise, record.KindFormat} {
		if kinds[k] == 0 {
			t.Errorf("no preference pairs of kind %s", k)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
