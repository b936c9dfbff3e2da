package protocol

import (
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"tinystages/datasets/record"
	"tinystages/model/eval"
	"tinystages/model/midtrain"
	"tinystages/model/train"
)

func TestEncodeDecodeStages(t *testing.T) {
	s := DefaultStageSettings(train.StageRL)
	nan := math.NaN()
	row := eval.Row{Name: "sft", GeneralLoss: 2.5, GeneralBPB: 1.1, DomainLoss: nan, QAPretrain: 0.25, QAMidtrain: nan,
		QANever: 0, QANeverIDK: 0.5, QASeenIDK: 0.25, MathAccuracy: 0.125, Format: 1, PrefAccuracy: nan, Seconds: 3}
	msgs := []Message{
		{Kind: KindStart, Settings: &s},
		{Kind: KindUpload, Upload: &Upload{Kind: "sft", File: "a.jsonl", Data: []byte("{\"messages\":[]}\n\xff")}},
		{Kind: KindEvaluate, Evaluate: &Evaluate{Name: "base", Model: "base"}},
		{Kind: KindInspect, Inspect: &Inspect{Seed: 3, Stage: train.StageMidtrain}},
		{Kind: KindHeatmap, Heatmap: &Heatmap{Step: 4, Stage: "distill", Value: "reverse KL", Rows: []HeatRow{
			{Origin: "completion", Label: "reward 1", Tokens: []string{" 7", "<|end|>"}, Weights: []float32{0.5, -0.25}, Values: []float32{-0.5, 0.25}}}}},
		{Kind: KindReport, Report: &Report{When: "after", Stage: "sft", Step: 20, Row: row}},
		{Kind: KindProjection, Projection: &Projection{Step: 3, Explained: [2]float64{0.4, 0.2}, Linked: 0.5,
			Points: []ProjPoint{{X: 1, Y: -2, Pair: 0, View: "A", Source: "doc2sig", Text: "// Foo"}}}},
		{Kind: KindCompletions, Completions: &Completions{Step: 2, Items: []Completion{{Prompt: "1+1?", Completion: `\boxed{2}`, Answer: "2", Reward: 1, Advantage: 0.7, Tokens: 5, Terminated: true}}}},
		{Kind: KindUploaded, Uploaded: &Uploaded{Kind: "corpus", File: "x.txt", Error: &FileError{File: "x.txt", Line: 2, Message: "invalid UTF-8"}}},
		{Kind: KindDomain, Domain: &Domain{CodeFiles: 3, KBPages: 4, Synthetic: map[string]int{"cites": 2},
			Code: &CodeItem{Path: "a.go", Package: "a", Decls: []record.Decl{{Name: "F", Kind: "func", Signature: "func F()", Doc: "F does."}}},
			KB:   &KBItem{URL: "https://kb/x", Title: "X", Cites: []string{"https://kb/y"}}, Items: []SynItem{{Generator: "cites", Input: "a", Output: "b"}}}},
		{Kind: KindMetrics, Metrics: &Metrics{Step: 2, Steps: 3, Loss: 1, Extra: map[string]float64{"reward": 0.5}}},
		{Kind: KindSample, Sample: &Sample{Step: 0, Prompt: "q", Text: "a", When: "before"}},
		{Kind: KindState, State: &State{Status: StatusRunning, Step: 1, Stage: "sft", Preset: "tiny", Init: "midtrained"}},
	}
	for _, m := range msgs {
		data, err := Encode(m)
		if err != nil {
			t.Fatalf("Encode(%s): %v", m.Kind, err)
		}
		got, err := Decode(data)
		if err != nil {
			t.Fatalf("Decode(%s): %v", data, err)
		}
		m.V = Version
		if m.Kind == KindReport {
			// NaN is not equal to itself: compare the encodings
			if a, b := eval.Cells(got.Report.Row), eval.Cells(m.Report.Row); !reflect.DeepEqual(a, b) || !math.IsNaN(got.Report.Row.DomainLoss) {
				t.Errorf("report round trip: cells %v, want %v", a, b)
			}
			continue
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("round trip of %s:\n got %+v\nwant %+v", m.Kind, got, m)
		}
	}
}

func TestEncodeStagesNonFinite(t *testing.T) {
	inf := float32(math.Inf(-1))
	data, err := Encode(Message{Kind: KindHeatmap, Heatmap: &Heatmap{Rows: []HeatRow{{Tokens: []string{"a", "b"}, Weights: []float32{float32(math.NaN()), inf}}}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if w := m.Heatmap.Rows[0].Weights; w[0] != math.MaxFloat32 || w[1] != -math.MaxFloat32 {
		t.Errorf("non-finite weights came back as %v", w)
	}
	data, err = Encode(Message{Kind: KindMetrics, Metrics: &Metrics{Extra: map[string]float64{"kl": math.NaN()}}})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := Decode(data); m.Metrics.Extra["kl"] != math.MaxFloat64 {
		t.Errorf("NaN extra came back as %v", m.Metrics.Extra)
	}
}

func TestParseStageQuery(t *testing.T) {
	tests := []struct {
		name   string
		stages []string
		query  string
		want   func(s *Settings)
		params []string
	}{
		{"defaults", []string{"midtrain"}, "", func(s *Settings) {}, nil},
		{"mid knobs", []string{"midtrain"}, "replay=0&synthetic=0.5&generators=doc2sig,cites&jepa=0.25&views=web&steps=20&eval_every=5&report=false",
			func(s *Settings) {
				s.Mid = MidSettings{Replay: 0, Synthetic: 0.5, Generators: "doc2sig,cites", JEPA: 0.25, Views: "web"}
				s.Steps, s.EvalEvery, s.Report = 20, 5, false
			}, nil},
		{"replay and synthetic fill the rows", []string{"midtrain"}, "replay=0.6&synthetic=0.5", func(s *Settings) {}, []string{"synthetic"}},
		{"unknown generator", []string{"midtrain"}, "generators=nope", func(s *Settings) {}, []string{"generators"}},
		{"the page's stages only", []string{"sft", "rl"}, "stage=midtrain", func(s *Settings) {}, []string{"stage"}},
		{"another stage starts from its defaults", []string{"sft", "rl"}, "stage=rl&group=4&kl=0&max_tokens=32",
			func(s *Settings) {
				*s = DefaultStageSettings("rl")
				s.Post.Group, s.Post.KL, s.Post.MaxTokens = 4, 0, 32
			}, nil},
		{"a stage ignores the others' knobs", []string{"sft", "dpo"}, "stage=dpo&group=3&beta=0.5",
			func(s *Settings) { *s = DefaultStageSettings("dpo"); s.Post.Beta = 0.5 }, nil},
		{"completion longer than the context", []string{"rl"}, "max_tokens=500", func(s *Settings) {}, []string{"max_tokens"}},
		{"bad init and bool", []string{"sft"}, "init=huge&drop_end=maybe", func(s *Settings) {}, []string{"init", "drop_end"}},
		{"drop_end", []string{"sft"}, "drop_end=1&init=sft", func(s *Settings) { s.Post.DropEnd, s.Init = true, "sft" }, nil},
		{"sft's replay, not mid-training's", []string{"sft"}, "replay=0", func(s *Settings) { s.Post.Replay = 0 }, nil},
		{"sft's replay out of range", []string{"sft"}, "replay=0.99", func(s *Settings) {}, []string{"replay"}},
		{"teacher", []string{"distill"}, "teacher=sft", func(s *Settings) { s.Teacher = "sft" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultStageSettings(tt.stages[0])
			tt.want(&want)
			got, probs := ParseStageQuery(q, tt.stages...)
			if got != want {
				t.Errorf("ParseStageQuery(%q) =\n %+v\nwant %+v", tt.query, got, want)
			}
			var params []string
			for _, p := range probs {
				params = append(params, p.Param)
			}
			if !reflect.DeepEqual(params, tt.params) {
				t.Errorf("problems %v (%v), want %v", params, probs, tt.params)
			}
		})
	}
}

func TestStageQueryRoundTrip(t *testing.T) {
	for _, st := range []string{"midtrain", "sft", "rl", "dpo", "distill"} {
		s := DefaultStageSettings(st)
		s.Seed, s.Steps, s.LR, s.Backend = 7, 11, 0.0007, BackendWebGPU
		s.Mid = MidSettings{Replay: 0.1, Synthetic: 0.3, Generators: "record2text", JEPA: 0.5, Views: midtrain.ViewsWeb}
		s.Post.Temperature, s.Post.Replay = 0.7, 0.4
		got, probs := ParseStageQuery(s.Query(), st)
		if len(probs) > 0 {
			t.Errorf("%s: problems %v", st, probs)
		}
		// the knobs of other stages do not travel
		want := s
		def := DefaultStageSettings(st)
		if st != "midtrain" {
			want.Mid = def.Mid
		}
		if st != "rl" && st != "distill" {
			want.Post.Temperature = def.Post.Temperature
		}
		if st != "sft" {
			want.Post.Replay = def.Post.Replay
		}
		if got != want {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", st, got, want)
		}
		if err := want.Validate(); err != nil {
			t.Errorf("%s: Validate = %v", st, err)
		}
	}
	bad := DefaultStageSettings("rl")
	bad.Post.Group = 0
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "group") {
		t.Errorf("Validate of group 0 = %v", err)
	}
	if err := (Settings{Stage: "finetune"}).Validate(); err == nil {
		t.Error("Validate of an unknown stage passed")
	}
	m, err := DefaultStageSettings("midtrain").Mid.Midtrain()
	if err != nil || m.Replay != midtrain.DefaultReplay || len(m.Generators) != 0 {
		t.Errorf("Mid.Midtrain() = %+v, %v", m, err)
	}
	if o := DefaultStageSettings("distill").Post; o.Validate() != nil || o.Group != 1 {
		t.Errorf("distill options %+v", o)
	}
}
