package ui

import (
	"math"
	"net/url"
	"strings"
	"testing"

	"tinystages/app/protocol"
	"tinystages/model/eval"
	"tinystages/model/midtrain"
	"tinystages/model/posttrain"
)

func TestWeightClass(t *testing.T) {
	for _, tt := range []struct {
		w, max float64
		want   string
	}{
		{0, 1, "wz"}, {1, 1, "wp5"}, {0.5, 1, "wp3"}, {0.01, 1, "wp1"}, {-1, 1, "wn5"}, {-0.3, 1, "wn2"}, {math.NaN(), 1, "wz"}, {1, 0, "wz"},
	} {
		if got := weightClass(tt.w, tt.max); got != tt.want {
			t.Errorf("weightClass(%v, %v) = %s, want %s", tt.w, tt.max, got, tt.want)
		}
	}
}

func TestHeatmapHTML(t *testing.T) {
	h := &protocol.Heatmap{Rows: []protocol.HeatRow{
		{Origin: "chosen", Label: "w +0.05", Tokens: []string{"<b>", "\n"}, Weights: []float32{0.05, 0.05}},
		{Origin: "rejected", Tokens: []string{"x"}, Weights: []float32{-0.05}, Values: []float32{1.5}},
	}}
	got := heatmapHTML(h)
	for _, want := range []string{`class="heat-row origin-chosen" data-origin="chosen"`, `<span class="tok wp5" title="weight 0.05">&lt;b&gt;</span>`,
		"↵\n", `class="tok wn5" title="weight -0.05 · 1.5"`, `<span class="muted">w +0.05</span>`} {
		if !strings.Contains(got, want) {
			t.Errorf("heatmap HTML lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "style") {
		t.Error("inline style in the heatmap: the CSP forbids it")
	}
	if heatmapHTML(nil) != "" {
		t.Error("an empty heatmap renders something")
	}
}

func TestToggleGenerator(t *testing.T) {
	all := strings.Join(midtrain.Generators, ",")
	for _, tt := range []struct{ list, g, want string }{
		{"all", "cites", strings.Join(without(midtrain.Generators, "cites"), ",")},
		{"", "cites", strings.Join(without(midtrain.Generators, "cites"), ",")},
		{"cites", "cites", "all"},
		{"cites", "doc2sig", "doc2sig,cites"},
		{strings.Join(without(midtrain.Generators, "cites"), ","), "cites", "all"},
	} {
		if got := toggleGenerator(tt.list, tt.g); got != tt.want {
			t.Errorf("toggleGenerator(%q, %q) = %q, want %q (of %s)", tt.list, tt.g, got, tt.want, all)
		}
	}
}

func without(xs []string, x string) []string {
	var out []string
	for _, v := range xs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// TestLessonSettings: every lesson's one-click settings are valid for the
// browser and carry the lesson's knobs.
func TestLessonSettings(t *testing.T) {
	cur := protocol.DefaultStageSettings("midtrain")
	cur.Backend, cur.Seed = protocol.BackendCPU, 5
	for _, l := range midtrain.Lessons {
		for k, run := range l.Runs {
			s, ok := midLessonSettings(l.Name, k, cur)
			if !ok {
				t.Fatalf("%s run %d: no settings", l.Name, k)
			}
			if err := s.Validate(); err != nil {
				t.Errorf("%s run %q: %v", l.Name, run.Label, err)
			}
			m, err := s.Mid.Midtrain()
			if err != nil || m.Replay != run.Settings.Replay || m.JEPA != run.Settings.JEPA || s.Steps != l.Steps || s.Backend != "cpu" || s.Seed != 5 {
				t.Errorf("%s run %q: %+v (%v)", l.Name, run.Label, s, err)
			}
		}
	}
	for _, l := range posttrain.Lessons {
		s, ok := postLessonSettings(l.Name, cur)
		if !ok {
			t.Fatalf("%s: no settings", l.Name)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", l.Name, err)
		}
		if s.Stage != l.Settings.Stage || s.Init != l.Init || s.Post.DropEnd != l.Options.DropEnd || s.LR != l.Settings.LR {
			t.Errorf("%s: %+v", l.Name, s)
		}
	}
	if _, ok := midLessonSettings("nope", 0, cur); ok {
		t.Error("an unknown lesson has settings")
	}
}

func TestReportExports(t *testing.T) {
	nan := math.NaN()
	reps := []protocol.Report{{When: "before", Row: eval.Row{Name: "base", GeneralLoss: 2, GeneralBPB: 1, DomainLoss: 4, QAPretrain: nan, QAMidtrain: nan,
		QANever: nan, QANeverIDK: nan, QASeenIDK: nan, MathAccuracy: 0.5, Format: 1, PrefAccuracy: nan}}}
	md := cardOf(reps).Markdown()
	if !strings.Contains(md, "| base | 2.000 |") {
		t.Errorf("Markdown:\n%s", md)
	}
	u := dataURL("text/markdown", md+"a+b #1")
	data, ok := strings.CutPrefix(u, "data:text/markdown;charset=utf-8,")
	back, err := url.PathUnescape(data)
	if !ok || err != nil || back != md+"a+b #1" {
		t.Errorf("data URL %q does not give the text back (%v)", u, err)
	}
}

func TestProjectionSVG(t *testing.T) {
	p := &protocol.Projection{Explained: [2]float64{0.5, 0.25}, Points: []protocol.ProjPoint{
		{X: 0, Y: 0, Pair: 0, View: "A", Text: "<x>"}, {X: 1, Y: 1, Pair: 0, View: "B"}, {X: 2, Y: -1, Pair: 1, View: "A"},
	}}
	svg := projectionSVG("t", p)
	if strings.Count(svg, "<circle") != 2 || strings.Count(svg, "<rect") != 1 || strings.Count(svg, `class="pairline"`) != 1 ||
		!strings.Contains(svg, "&lt;x&gt;") || !strings.Contains(svg, "PC1 50%") {
		t.Errorf("projection SVG:\n%s", svg)
	}
	if !strings.Contains(projectionSVG("t", nil), "appears when") {
		t.Error("empty projection")
	}
}
