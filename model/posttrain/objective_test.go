package posttrain

import (
	"math"
	"testing"

	"tinystages/model/eval"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestGroupAdvantages(t *testing.T) {
	tests := []struct {
		name    string
		rewards []float64
		G       int
		want    []float64
		zero    int
	}{
		// one right of four: mean 0.25, std sqrt(0.25·0.75) = 0.4330
		{"one right", []float64{1, 0, 0, 0}, 4, []float64{1.7321, -0.5774, -0.5774, -0.5774}, 0},
		{"all right: no signal", []float64{1, 1, 1, 1}, 4, []float64{0, 0, 0, 0}, 1},
		{"all wrong: no signal", []float64{0, 0}, 2, []float64{0, 0}, 1},
		{"half", []float64{1.1, 0, 1.1, 0}, 4, []float64{1, -1, 1, -1}, 0},
		{"two groups", []float64{0.1, 0, 1, 1}, 2, []float64{1, -1, 0, 0}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]float64, len(tt.rewards))
			zero := GroupAdvantages(got, tt.rewards, tt.G)
			if zero != tt.zero {
				t.Errorf("zero-variance groups = %d, want %d", zero, tt.zero)
			}
			for i := range got {
				if !near(got[i], tt.want[i], 1e-4) {
					t.Errorf("advantages %.4f, want %.4f", got, tt.want)
					break
				}
			}
			// a group with signal has mean 0 and mean square 1
			for g := 0; g < len(got); g += tt.G {
				var s, s2 float64
				for _, a := range got[g : g+tt.G] {
					s, s2 = s+a, s2+a*a
				}
				if !near(s, 0, 1e-9) || !(near(s2/float64(tt.G), 1, 1e-9) || s2 == 0) {
					t.Errorf("group %d: sum %v, mean square %v", g/tt.G, s, s2/float64(tt.G))
				}
			}
		})
	}
}

// TestDPOLoss checks DPOLoss against values computed by hand and its
// weight against the loss's derivative.
func TestDPOLoss(t *testing.T) {
	tests := []struct {
		beta, margin float64
		loss, w      float64
	}{
		// margin 0 (policy = reference): loss ln 2, w = β/2
		{0.1, 0, math.Ln2, 0.05},
		// β·margin = 0.2: loss ln(1+e^-0.2) = 0.598139, w = 0.1·σ(-0.2) = 0.1·0.450166
		{0.1, 2, 0.598139, 0.0450166},
		// the policy prefers the rejected reply: β·margin = -1.5,
		// loss ln(1+e^1.5) = 1.701413, w = 0.5·σ(1.5) = 0.5·0.817574
		{0.5, -3, 1.701413, 0.408787},
		// far past the reference: no overflow, w → 0
		{1, 800, 0, 0},
		{1, -800, 800, 1},
	}
	for _, tt := range tests {
		loss, w := DPOLoss(tt.beta, tt.margin)
		if !near(loss, tt.loss, 1e-6) || !near(w, tt.w, 1e-6) {
			t.Errorf("DPOLoss(%v, %v) = %.6f, %.6f, want %.6f, %.6f", tt.beta, tt.margin, loss, w, tt.loss, tt.w)
		}
		// w = -d loss / d margin (margin moves one for one with log π(chosen))
		const h = 1e-5
		l1, _ := DPOLoss(tt.beta, tt.margin+h)
		l0, _ := DPOLoss(tt.beta, tt.margin-h)
		if d := -(l1 - l0) / (2 * h); !near(d, w, 1e-6) {
			t.Errorf("β %v margin %v: -dloss/dmargin = %.6f, weight %.6f", tt.beta, tt.margin, d, w)
		}
	}
}

func TestReverseKLAdvantage(t *testing.T) {
	tests := []struct {
		student, teacher, want float64
	}{
		{math.Log(0.5), math.Log(0.5), 0},            // agree: no push
		{math.Log(0.1), math.Log(0.4), math.Log(4)},  // teacher likes it more: push up by ln 4
		{math.Log(0.8), math.Log(0.2), -math.Log(4)}, // student over-confident: push down
		{-0.01, -6, -5.99},                           // a token the teacher finds wrong
	}
	for _, tt := range tests {
		if got := ReverseKLAdvantage(tt.student, tt.teacher); !near(got, tt.want, 1e-12) {
			t.Errorf("ReverseKLAdvantage(%.4f, %.4f) = %.6f, want %.6f", tt.student, tt.teacher, got, tt.want)
		}
	}
	// the mean advantage over the student's own samples is -KL(student‖teacher)
	ps, pt := []float64{0.7, 0.2, 0.1}, []float64{0.3, 0.3, 0.4}
	var meanAdv, kl float64
	for i := range ps {
		meanAdv += ps[i] * ReverseKLAdvantage(math.Log(ps[i]), math.Log(pt[i]))
		kl += ps[i] * math.Log(ps[i]/pt[i])
	}
	if !near(meanAdv, -kl, 1e-12) || !(kl > 0) {
		t.Errorf("expected advantage %v, want -KL = %v", meanAdv, -kl)
	}
	if got := KLPenalty(0.5, math.Log(0.8), math.Log(0.2)); !near(got, -0.5*math.Log(4), 1e-12) {
		t.Errorf("KLPenalty = %v", got)
	}
	if k := K3(-1, -1); k != 0 {
		t.Errorf("K3 of equal log-probs = %v", k)
	}
	if k := K3(math.Log(0.8), math.Log(0.2)); !(k > 0) {
		t.Errorf("K3 = %v, want > 0", k)
	}
}

// TestLessons checks the lesson table the UI renders: unique names, valid
// settings and options, and every field the page shows filled in.
func TestLessons(t *testing.T) {
	watchable := map[string]bool{}
	for _, h := range eval.Headers() {
		watchable[h] = true
	}
	for _, m := range []string{MetricReward, MetricFormatReward, MetricZeroVariance, MetricTopAnswer, MetricLength, MetricCutOff, MetricKL,
		MetricReverseKL, MetricDPOLoss, MetricRewardMargin, MetricRewardAcc, MetricChosenReward, MetricRejectedReward} {
		watchable[m] = true
	}
	seen := map[string]bool{}
	for _, l := range Lessons {
		if seen[l.Name] || l.Name == "" {
			t.Errorf("lesson name %q empty or repeated", l.Name)
		}
		seen[l.Name] = true
		if err := l.Settings.Validate(); err != nil {
			t.Errorf("%s: %v", l.Name, err)
		}
		if err := l.Options.Validate(); err != nil {
			t.Errorf("%s: %v", l.Name, err)
		}
		if l.Title == "" || l.Init == "" || l.Signal == "" || l.Expect == "" || l.Measured == "" || len(l.Watch) == 0 {
			t.Errorf("%s: a field the page shows is empty: %+v", l.Name, l)
		}
		if (l.Settings.Stage == "distill") != (l.Teacher != "") {
			t.Errorf("%s: stage %s with teacher %q", l.Name, l.Settings.Stage, l.Teacher)
		}
		for _, w := range l.Watch {
			if !watchable[w] {
				t.Errorf("%s: watches %q, neither a report-card column nor a producer metric", l.Name, w)
			}
		}
		if got, ok := LessonByName(l.Name); !ok || got.Name != l.Name {
			t.Errorf("LessonByName(%q) = %v, %v", l.Name, got.Name, ok)
		}
	}
	if err := DefaultOptions().Validate(); err != nil {
		t.Error(err)
	}
	if err := (Options{}).Validate(); err == nil {
		t.Error("zero options validated")
	}
}
