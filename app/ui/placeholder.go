package ui

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// placeholder is the page of a stage whose lesson is not built yet: it says
// what the stage is and which issue brings its page, and shows nothing
// pretend.
type placeholder struct {
	app.Compo
	stage stage
}

func (p *placeholder) OnNav(ctx app.Context) {
	ctx.Page().SetTitle(p.stage.Title + " · tinystages")
}

func (p *placeholder) Render() app.UI {
	s := p.stage
	return layout(s.Path,
		app.H1().Text(s.Title),
		app.P().Class("lead").Text(s.Goal),
		app.Div().Class("notice warn").DataSet("testid", "placeholder").Body(
			app.Text(fmt.Sprintf("This stage's live lesson is not built yet: it comes with issue %d. ", s.Issue)),
			app.A().Href(pageURL("/pretraining")).Text("Pre-training"),
			app.Text(" trains in your browser today."),
		),
		app.Div().Class("card stage").Body(
			app.Dl().Body(
				app.Dt().Text("Data"), app.Dd().Text(s.Data),
				app.Dt().Text("Objective"), app.Dd().Text(s.Objective),
				app.Dt().Text("What it changes"), app.Dd().Text(s.Changes),
			),
		),
	)
}
