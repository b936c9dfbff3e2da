package ui

import (
	"fmt"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
	"tinystages/model/midtrain"
	"tinystages/model/posttrain"
	"tinystages/model/train"
)

// lessonItem is a lesson as the page lists it: a finding to reproduce,
// the run(s) that show it, and the effect expected, in words.
type lessonItem struct {
	Name   string
	Title  string
	Expect string
	Found  string   // what a native run measured, if known
	Runs   []string // labels of its runs: one button each
	Steps  int
	Signal string // post-training: where the signal comes from
}

// lessonsPanel lists a stage's lessons: one click applies a lesson run's
// settings and starts it; the report card then holds a row for each run,
// to compare.
type lessonsPanel struct {
	app.Compo

	Page     string
	Intro    string
	Lessons  []lessonItem
	Disabled bool // a run is active
}

func (l *lessonsPanel) Render() app.UI {
	return app.Section().Class("card").Aria("labelledby", "h-lessons-"+l.Page).Body(
		app.H2().ID("h-lessons-"+l.Page).Text("Lessons"),
		app.P().Class("muted").Text(l.Intro),
		app.Ul().Class("lessons").Body(app.Range(l.Lessons).Slice(func(i int) app.UI {
			ls := l.Lessons[i]
			return app.Li().Class("lesson").DataSet("testid", "lesson-"+ls.Name+"-item").Body(
				app.H3().Text(ls.Title),
				app.If(ls.Signal != "", func() app.UI { return app.P().Class("muted small").Text("Signal: " + ls.Signal) }),
				app.P().Class("expect").Body(app.Strong().Text("Expected: "), app.Text(ls.Expect)),
				app.If(ls.Found != "", func() app.UI {
					return app.P().Class("muted small").Body(app.Strong().Text("Measured natively: "), app.Text(ls.Found))
				}),
				app.Div().Class("buttons").Body(app.Range(ls.Runs).Slice(func(k int) app.UI {
					testid := "lesson-" + ls.Name
					if k > 0 {
						testid += "-" + strconv.Itoa(k+1)
					}
					b := app.Button().Type("button").DataSet("testid", testid).
						Aria("label", fmt.Sprintf("Run the lesson %q: %s (%d steps)", ls.Title, ls.Runs[k], ls.Steps)).
						Text(fmt.Sprintf("Run: %s", ls.Runs[k])).
						OnClick(func(ctx app.Context, e app.Event) {
							ctx.NewAction(actionPreset, app.T("page", l.Page), app.T("lesson", ls.Name), app.T("run", strconv.Itoa(k)))
						})
					if l.Disabled {
						b = b.Disabled(true)
					}
					return b
				})),
			)
		})),
	)
}

// midLessons lists model/midtrain's lessons for the page.
func midLessons() []lessonItem {
	out := make([]lessonItem, len(midtrain.Lessons))
	for i, l := range midtrain.Lessons {
		it := lessonItem{Name: l.Name, Title: l.Title, Expect: l.Expect, Found: l.Found, Steps: l.Steps}
		for _, r := range l.Runs {
			it.Runs = append(it.Runs, r.Label)
		}
		out[i] = it
	}
	return out
}

// midLessonSettings are the browser settings of run k of a mid-training
// lesson, from base: the lesson's steps and knobs, the page's backend and
// seed.
func midLessonSettings(name string, k int, cur protocol.Settings) (protocol.Settings, bool) {
	l, err := midtrain.LessonByName(name)
	if err != nil || k < 0 || k >= len(l.Runs) {
		return cur, false
	}
	s := protocol.DefaultStageSettings(train.StageMidtrain)
	s.Backend, s.Seed = cur.Backend, cur.Seed
	s.Steps = l.Steps
	s.Mid = protocol.MidOf(l.Runs[k].Settings)
	if s.Mid.Views == "" {
		s.Mid.Views = midtrain.ViewsStructured
	}
	return s, true
}

// postLessons lists model/posttrain's lessons for the page.
func postLessons() []lessonItem {
	out := make([]lessonItem, len(posttrain.Lessons))
	for i, l := range posttrain.Lessons {
		out[i] = lessonItem{Name: l.Name, Title: l.Title, Expect: l.Expect, Found: l.Measured, Steps: l.Settings.Steps,
			Signal: l.Signal, Runs: []string{fmt.Sprintf("%s from %s, %d steps", l.Settings.Stage, l.Init, l.Settings.Steps)}}
	}
	return out
}

// postLessonSettings are the browser settings of a post-training lesson.
func postLessonSettings(name string, cur protocol.Settings) (protocol.Settings, bool) {
	l, ok := posttrain.LessonByName(name)
	if !ok {
		return cur, false
	}
	s := protocol.DefaultStageSettings(l.Settings.Stage)
	s.Backend, s.Seed = cur.Backend, cur.Seed
	s.Steps, s.Batch, s.LR = l.Settings.Steps, l.Settings.Batch, l.Settings.LR
	s.Post = l.Options
	s.Post.MaxTokens = min(s.Post.MaxTokens, protocol.MaxCompletion)
	if l.Init != "" {
		s.Init = l.Init
	}
	if l.Teacher != "" {
		s.Teacher = l.Teacher
	}
	return s, true
}
