package protocol

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestEncodeDecode(t *testing.T) {
	v := 4.5
	s := DefaultSettings("nano")
	msgs := []Message{
		{Kind: KindStart, Settings: &s},
		{Kind: KindPause},
		{Kind: KindResume},
		{Kind: KindReset},
		{Kind: KindInspect, Inspect: &Inspect{Seed: 9}},
		{Kind: KindReady, Ready: &Ready{Protocol: Version, Engine: "dev"}},
		{Kind: KindState, State: &State{Status: StatusRunning, Step: 3, Backend: "CPU (pure Go)", BackendReason: "WebGPU backend not built yet"}},
		{Kind: KindProgress, Progress: &Progress{Phase: PhaseTokenizer, Done: 10, Total: 752}},
		{Kind: KindDataset, Dataset: &Dataset{Name: "pretrain", Documents: 10, Kept: 8, Sources: []SourceCount{{Source: "news", Documents: 3, Kept: 2, MeanQuality: 0.7}},
			Doc: &Document{ID: "d1", Source: "news", Quality: 0.7, Text: "Hello"}}},
		{Kind: KindMetrics, Metrics: &Metrics{Step: 1, Steps: 10, Loss: 6.9, ValLoss: &v, ValBySource: map[string]float64{"news": 5}, LR: 0.001, TokensPerS: 100, Tokens: 512, ElapsedMS: 12}},
		{Kind: KindSample, Sample: &Sample{Step: 5, Prompt: "The", Text: " cat"}},
		{Kind: KindError, Error: &Error{Phase: PhaseLoading, Message: "boom"}},
		{Kind: KindDone, Done: &Done{Step: 10, Loss: 3, ValLoss: &v, ElapsedMS: 1000}},
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
		if !reflect.DeepEqual(got, m) {
			t.Errorf("round trip of %s:\n got %+v\nwant %+v", m.Kind, got, m)
		}
	}
}

func TestEncodeNonFinite(t *testing.T) {
	nan := math.NaN()
	data, err := Encode(Message{Kind: KindMetrics, Metrics: &Metrics{Loss: math.Inf(1), ValLoss: &nan, ValBySource: map[string]float64{"a": nan}, TokensPerS: nan}})
	if err != nil {
		t.Fatalf("Encode with NaN/Inf: %v", err)
	}
	m, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Metrics.Loss != math.MaxFloat64 || *m.Metrics.ValLoss != math.MaxFloat64 || m.Metrics.ValBySource["a"] != math.MaxFloat64 {
		t.Errorf("non-finite values came back as %+v", m.Metrics)
	}
	if !math.IsNaN(nan) {
		t.Error("Encode changed the caller's value")
	}
}

func TestDecodeRefuses(t *testing.T) {
	tests := []struct {
		name, data string
		want       error
	}{
		{"not JSON", `{"v":2,`, ErrMessage},
		{"old version", `{"v":0,"kind":"pause"}`, ErrVersion},
		{"future version", `{"v":3,"kind":"pause"}`, ErrVersion},
		{"unknown kind", `{"v":2,"kind":"explode"}`, ErrMessage},
		{"missing payload", `{"v":2,"kind":"metrics"}`, ErrMessage},
		{"start without settings", `{"v":2,"kind":"start"}`, ErrMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.data))
			if !errors.Is(err, tt.want) {
				t.Errorf("Decode(%s) = %v, want %v", tt.data, err, tt.want)
			}
		})
	}
	if _, err := Encode(Message{Kind: KindSample}); !errors.Is(err, ErrMessage) || !strings.Contains(err.Error(), "sample") {
		t.Errorf("Encode without payload = %v", err)
	}
}
