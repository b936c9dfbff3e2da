package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// layout wraps a page's content in the site's header, navigation and
// footer. current is the path of the page shown.
func layout(current string, content ...app.UI) app.UI {
	return app.Div().Class("site").Body(
		app.A().Class("skip").Href("#content").Text("Skip to content"),
		app.Header().Class("site-header").Body(
			app.A().Class("brand").Href(pageURL("/")).Body(
				app.Img().Src("/web/icon.svg").Alt(""),
				app.Text("tinystages"),
			),
			app.Nav().Class("site-nav").Aria("label", "Stages").Body(
				app.Range(Pages).Slice(func(i int) app.UI {
					p := Pages[i]
					a := app.A().Href(pageURL(p.Path)).Text(p.Title)
					if p.Path == current {
						a = a.Aria("current", "page")
					}
					return a
				}),
			),
			&themeToggle{},
		),
		app.Main().ID("content").Body(content...),
		app.Footer().Body(
			app.Text("tinystages trains a GPT-2 style model in your browser. Nothing you do here leaves this page."),
		),
	)
}
