package midtrain

import (
	"errors"
	"slices"
	"testing"
)

func TestSettingsValidate(t *testing.T) {
	if err := DefaultSettings().Validate(); err != nil {
		t.Fatalf("default settings: %v", err)
	}
	for _, tt := range []struct {
		name string
		s    Settings
	}{
		{"negative replay", Settings{Replay: -0.1}},
		{"shares sum to 1", Settings{Replay: 0.5, Synthetic: 0.5}},
		{"negative λ", Settings{JEPA: -1}},
		{"λ too large", Settings{JEPA: MaxLambda + 1}},
		{"too many pairs", Settings{Pairs: MaxPairs + 1}},
		{"unknown views", Settings{Views: "images"}},
		{"unknown generator", Settings{Synthetic: 0.2, Generators: []string{"doc2sig", "poems"}}},
	} {
		if err := tt.s.Validate(); !errors.Is(err, ErrBadSettings) {
			t.Errorf("%s: got %v, want ErrBadSettings", tt.name, err)
		}
	}
}

func TestParseGenerators(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"all", nil, true},
		{"record2text", []string{GenRecord}, true},
		{" doc2sig, cites ,doc2sig", []string{GenDocToSig, GenCites}, true},
		{"doc2sig,nope", nil, false},
	} {
		got, err := ParseGenerators(tt.in)
		if (err == nil) != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("ParseGenerators(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestLessons checks the lesson table the page renders: every run's
// settings are valid, the compared runs exist and the metric is one
// Measure reports.
func TestLessons(t *testing.T) {
	keys := []string{MeasureDomain, MeasureGeneral, MeasureFactsMid, MeasureFactsPre, MeasureRecallMid, MeasureRecallPre, MeasureRetrieval}
	seen := map[string]bool{}
	for _, l := range Lessons {
		if seen[l.Name] || l.Name == "" || l.Title == "" || l.Expect == "" || l.Steps < 1 {
			t.Errorf("lesson %q: duplicate or incomplete", l.Name)
		}
		seen[l.Name] = true
		if got, err := LessonByName(l.Name); err != nil || got.Name != l.Name {
			t.Errorf("LessonByName(%q) = %v, %v", l.Name, got.Name, err)
		}
		if !slices.Contains(keys, l.Metric) {
			t.Errorf("lesson %q: metric %q is not measured", l.Name, l.Metric)
		}
		var labels []string
		for _, r := range l.Runs {
			if err := r.Settings.Validate(); err != nil {
				t.Errorf("lesson %q, run %q: %v", l.Name, r.Label, err)
			}
			labels = append(labels, r.Label)
		}
		for _, c := range l.Compare {
			if !slices.Contains(labels, c) {
				t.Errorf("lesson %q compares %q, which is not one of its runs %v", l.Name, c, labels)
			}
		}
	}
	if _, err := LessonByName("nope"); !errors.Is(err, ErrBadSettings) {
		t.Errorf("LessonByName(nope): %v", err)
	}
	l := Lessons[0]
	ok, msg := l.Check(map[string]Result{l.Compare[0]: {l.Metric: 1}, l.Compare[1]: {l.Metric: 2}})
	if ok != l.Lower {
		t.Errorf("Check: %v, %s", ok, msg)
	}
}
