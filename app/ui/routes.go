package ui

import (
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

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
	{Path: "/midtraining", Title: "Mid-training", New: func() app.Composer { return &midtrainingPage{} }},
	{Path: "/posttraining", Title: "Post-training", New: func() app.Composer { return &posttrainingPage{} }},
}

// Paths returns the paths of Pages and of EmbedPages (embed.go).
func Paths() []string {
	var out []string
	for _, p := range slices.Concat(Pages, EmbedPages) {
		out = append(out, p.Path)
	}
	return out
}

// Register routes every page with go-app. Call it once, before
// app.RunWhenOnBrowser and before serving.
func Register() {
	for _, p := range slices.Concat(Pages, EmbedPages) {
		app.Route(p.Path, p.New)
		if p.Path != "/" {
			app.Route(p.Path+"/", p.New) // a static host serves the page as a folder (pageURL)
		}
	}
}
