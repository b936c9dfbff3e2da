package protocol

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	nano := DefaultSettings("nano")
	tiny := DefaultSettings("tiny")
	tests := []struct {
		name   string
		query  string
		want   func(s *Settings)
		params []string // parameters reported as problems
	}{
		{name: "empty gives defaults", query: "", want: func(s *Settings) {}},
		{name: "preset sets its batch and lr", query: "preset=tiny", want: func(s *Settings) { *s = tiny }},
		{name: "every field", query: "preset=nano&lr=0.01&batch=4&steps=50&backend=cpu&seed=7&min_quality=0.5",
			want: func(s *Settings) {
				s.LR, s.Batch, s.Steps, s.Backend, s.Seed, s.MinQuality = 0.01, 4, 50, BackendCPU, 7, 0.5
			}},
		{name: "backend is case-insensitive", query: "backend=WebGPU", want: func(s *Settings) { s.Backend = BackendWebGPU }},
		{name: "unknown preset", query: "preset=huge", want: func(s *Settings) {}, params: []string{"preset"}},
		{name: "lr not a number", query: "lr=fast", want: func(s *Settings) {}, params: []string{"lr"}},
		{name: "lr too big", query: "lr=2", want: func(s *Settings) {}, params: []string{"lr"}},
		{name: "lr zero", query: "lr=0", want: func(s *Settings) {}, params: []string{"lr"}},
		{name: "batch zero", query: "batch=0", want: func(s *Settings) {}, params: []string{"batch"}},
		{name: "batch fractional", query: "batch=2.5", want: func(s *Settings) {}, params: []string{"batch"}},
		{name: "steps huge", query: "steps=99999999", want: func(s *Settings) {}, params: []string{"steps"}},
		{name: "backend unknown", query: "backend=tpu", want: func(s *Settings) {}, params: []string{"backend"}},
		{name: "seed negative", query: "seed=-1", want: func(s *Settings) {}, params: []string{"seed"}},
		{name: "quality above 1", query: "min_quality=1.5", want: func(s *Settings) {}, params: []string{"min_quality"}},
		{name: "bad values keep the good ones", query: "preset=tiny&lr=x&steps=20",
			want: func(s *Settings) { *s = tiny; s.Steps = 20 }, params: []string{"lr"}},
		{name: "unknown parameters are ignored", query: "foo=bar", want: func(s *Settings) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			want := nano
			tt.want(&want)
			got, probs := ParseQuery(q)
			if got != want {
				t.Errorf("ParseQuery(%q) = %+v, want %+v", tt.query, got, want)
			}
			var params []string
			for _, p := range probs {
				params = append(params, p.Param)
				if p.Allowed == "" || p.Used == "" || !strings.Contains(p.String(), p.Param) {
					t.Errorf("problem %+v does not say what is allowed and used", p)
				}
			}
			if !reflect.DeepEqual(params, tt.params) {
				t.Errorf("ParseQuery(%q) problems %v, want %v", tt.query, params, tt.params)
			}
		})
	}
}

func TestQueryRoundTrip(t *testing.T) {
	for _, s := range []Settings{
		DefaultSettings("nano"),
		DefaultSettings("small"),
		{Preset: "tiny", LR: 0.0007, Batch: 3, Steps: 1234, Backend: BackendWebGPU, Seed: 1<<63 + 5, MinQuality: 0.35},
	} {
		got, probs := ParseQuery(s.Query())
		if len(probs) > 0 || got != s {
			t.Errorf("ParseQuery(%v.Query()) = %+v, %v; want the settings back", s, got, probs)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", s, err)
		}
	}
	if err := (Settings{Preset: "nano", LR: 5, Batch: 1, Steps: 1, Backend: "cpu"}).Validate(); err == nil ||
		!strings.Contains(err.Error(), "lr") {
		t.Errorf("Validate of lr=5 = %v, want an error naming lr", err)
	}
}

func TestTrainSettings(t *testing.T) {
	s := Settings{Preset: "tiny", LR: 0.01, Batch: 2, Steps: 9, Backend: BackendCPU, Seed: 3, MinQuality: 0.25}
	ts := s.Train("pretrain")
	if ts.Preset != "tiny" || ts.LR != 0.01 || ts.Batch != 2 || ts.Steps != 9 || ts.Seed != 3 || ts.MinQuality != 0.25 || ts.Stage != "pretrain" {
		t.Errorf("Train = %+v, does not carry %+v", ts, s)
	}
	if err := ts.Validate(); err != nil {
		t.Errorf("Train settings invalid: %v", err)
	}
}
