package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// A Page is one route of the app.
type Page struct {
	Path  string
	Title string // in the navigation
	New   func() app.Composer
}

// Pages are the app's routes, in navigation order.
var Pages = []Page{
	{Path: "/", Title: "Overview", New: func() app.Composer { return &overview{} }},
	{Path: "/pretraining", Title: "Pre-training", New: func() app.Composer { return &pretraining{} }},
	{Path: "/midtraining", Title: "Mid-training", New: func() app.Composer {
		return &placeholder{stage: stageMid}
	}},
	{Path: "/posttraining", Title: "Post-training", New: func() app.Composer {
		return &placeholder{stage: stagePost}
	}},
}

// Paths returns the paths of Pages.
func Paths() []string {
	out := make([]string, len(Pages))
	for i, p := range Pages {
		out[i] = p.Path
	}
	return out
}

// Register routes every page with go-app. Call it once, before
// app.RunWhenOnBrowser and before serving.
func Register() {
	for _, p := range Pages {
		app.Route(p.Path, p.New)
	}
}
