package ui

import (
	"fmt"
	"math"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
)

// statItem is one number of a statsPanel.
type statItem struct {
	Label  string
	Value  string
	Unit   string // after the value, muted ("/ 60")
	TestID string
	Small  bool // words rather than a number
	Note   string
}

// statsPanel is a card of key numbers.
type statsPanel struct {
	app.Compo

	ID    string // of its heading
	Title string
	Stats []statItem
}

func (s *statsPanel) Render() app.UI {
	return app.Section().Class("card").Aria("labelledby", s.ID).Body(
		app.H2().ID(s.ID).Text(s.Title),
		app.Dl().Class("stats").Body(app.Range(s.Stats).Slice(func(i int) app.UI {
			st := s.Stats[i]
			dd := app.Dd().Body(
				app.Span().DataSet("testid", st.TestID).Text(st.Value),
				app.If(st.Unit != "", func() app.UI { return app.Span().Class("muted").Text(st.Unit) }),
			)
			if st.Small {
				dd = dd.Class("small")
			}
			div := app.Div().Class("stat").Body(app.Dt().Text(st.Label), dd)
			if st.Note != "" {
				div = div.Title(st.Note)
			}
			return div
		})),
	)
}

// curve is one small chart of a curvesPanel: one metric over the steps.
type curve struct {
	Key    string // the metric, for data-testid "curve-<key>"
	Title  string
	Note   string // what it means and which way it should go
	SVG    string
	Values string // seriesValues of its points, for the tests
}

// curvesPanel shows a stage's own metrics as small charts, side by side.
type curvesPanel struct {
	app.Compo

	Title  string
	Intro  string
	Curves []curve
}

func (c *curvesPanel) Render() app.UI {
	return app.Section().Class("card").Aria("labelledby", "h-curves").Body(
		app.H2().ID("h-curves").Text(c.Title),
		app.If(c.Intro != "", func() app.UI { return app.P().Class("muted").Text(c.Intro) }),
		app.Div().Class("curves").Body(app.Range(c.Curves).Slice(func(i int) app.UI {
			cv := c.Curves[i]
			return app.Figure().Class("curve").DataSet("testid", "curve-"+cv.Key).DataSet("values", cv.Values).Body(
				app.Raw(cv.SVG),
				app.FigCaption().Body(app.Strong().Text(cv.Title), app.Text(" "), app.Span().Class("muted").Text(cv.Note)),
			)
		})),
	)
}

// smallChart renders one metric's series as a small line chart, with its
// smoothed line when it is noisy.
func smallChart(title string, pts []Point, steps int, class string) string {
	series := []Series{{Name: title, Class: class, Points: pts}}
	if len(pts) > 8 {
		series = []Series{{Name: title + ", each step", Class: class, Faint: true, Points: pts},
			{Name: title + ", smoothed", Class: class, Points: Smooth(pts, 0.2)}}
	}
	return LineChart(title+" by step", "step", "appears when training starts", series, float64(steps), 360, 170)
}

// beforeAfterPanel shows the model's samples before and after the run,
// prompt by prompt.
type beforeAfterPanel struct {
	app.Compo

	Title   string
	Intro   string
	Samples []protocol.Sample
}

func (b *beforeAfterPanel) Render() app.UI {
	type pair struct{ prompt, before, after string }
	var pairs []pair
	index := map[string]int{}
	for _, s := range b.Samples {
		i, ok := index[s.Prompt]
		if !ok {
			i = len(pairs)
			index[s.Prompt] = i
			pairs = append(pairs, pair{prompt: s.Prompt})
		}
		if s.When == "before" {
			pairs[i].before = s.Text
		} else {
			pairs[i].after = s.Text
		}
	}
	return app.Section().Class("card").Aria("labelledby", "h-before-after").Body(
		app.H2().ID("h-before-after").Text(b.Title),
		app.P().Class("muted").Text(b.Intro),
		app.If(len(pairs) == 0, func() app.UI {
			return app.P().Class("muted").Text("The start model's samples appear when a run starts, the trained model's when it ends.")
		}).Else(func() app.UI {
			return app.Table().Class("before-after").DataSet("testid", "samples").Body(
				app.THead().Body(app.Tr().Body(app.Th().Scope("col").Text("prompt"),
					app.Th().Scope("col").Text("before"), app.Th().Scope("col").Text("after"))),
				app.TBody().Aria("live", "polite").Body(app.Range(pairs).Slice(func(i int) app.UI {
					p := pairs[i]
					after := p.after
					if after == "" {
						after = "…"
					}
					return app.Tr().Body(app.Th().Scope("row").Class("prompt").Text(p.prompt),
						app.Td().Class("mono").DataSet("testid", "sample-before").Text(p.before),
						app.Td().Class("mono").DataSet("testid", "sample-after").Text(after))
				})),
			)
		}),
	)
}

// completionsPanel lists completions RL or distillation sampled in the
// last batch, with the reward each earned.
type completionsPanel struct {
	app.Compo

	Step    int
	Items   []protocol.Completion
	Distill bool
}

func (c *completionsPanel) Render() app.UI {
	intro := "Completions the model sampled in the last batch, each with the reward its \\boxed{} answer earned (1 right, 0 wrong) and its advantage: how much better than its group's average."
	if c.Distill {
		intro = "Completions the student sampled in the last batch: the teacher scored each of their tokens; the mean reverse KL says how far the student's choices were from the teacher's (the reward is shown for comparison, not trained on)."
	}
	return app.Section().Class("card").Aria("labelledby", "h-completions").Body(
		app.H2().ID("h-completions").Text("Sampled completions"),
		app.P().Class("muted").Text(intro),
		app.If(len(c.Items) == 0, func() app.UI {
			return app.P().Class("muted").Text("They appear after the first step.")
		}).Else(func() app.UI {
			return app.Ol().Class("completions").DataSet("testid", "completions").DataSet("step", c.Step).Body(
				app.Range(c.Items).Slice(func(i int) app.UI {
					it := c.Items[i]
					cls := "wrong"
					if it.Reward > 0 {
						cls = "right"
					}
					meta := fmt.Sprintf("reward %g · format %g · advantage %+.2f · %d tokens", it.Reward, it.Format, it.Advantage, it.Tokens)
					if c.Distill {
						meta = fmt.Sprintf("reward %g · mean reverse KL %.3f · %d tokens", it.Reward, it.ReverseKL, it.Tokens)
					}
					if !it.Terminated {
						meta += " · cut off"
					}
					return app.Li().Class(cls).Body(
						app.Div().Class("muted small").Text(fmt.Sprintf("%s (answer %s)", it.Prompt, it.Answer)),
						app.Div().Class("mono").Text(it.Completion),
						app.Div().Class("small").DataSet("testid", "completion-reward").DataSet("reward", it.Reward).Text(meta),
					)
				}))
		}),
	)
}

// finiteOr returns v, or alt when v is not finite.
func finiteOr(v, alt float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return alt
	}
	return v
}
