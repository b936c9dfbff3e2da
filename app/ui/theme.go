package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// themeStorageKey is where the chosen theme is kept in localStorage.
const themeStorageKey = "tinystages.theme"

// themeToggle switches between the dark and light themes. Until it is
// pressed, the page follows the system's prefers-color-scheme; the choice
// is remembered in localStorage and applied as <html data-theme=...>.
type themeToggle struct {
	app.Compo
	dark bool
}

func (t *themeToggle) OnMount(ctx app.Context) {
	var saved string
	ctx.LocalStorage().Get(themeStorageKey, &saved)
	switch saved {
	case "dark", "light":
		t.dark = saved == "dark"
		applyTheme(saved)
	default:
		t.dark = app.Window().Call("matchMedia", "(prefers-color-scheme: dark)").Get("matches").Bool()
	}
}

func (t *themeToggle) Render() app.UI {
	label, next := "Dark theme", "dark"
	if t.dark {
		label, next = "Light theme", "light"
	}
	return app.Button().
		Class("theme-toggle").
		Type("button").
		DataSet("testid", "theme").
		Aria("label", "Switch to the "+next+" theme").
		Text(label).
		OnClick(func(ctx app.Context, e app.Event) {
			t.dark = !t.dark
			theme := "light"
			if t.dark {
				theme = "dark"
			}
			applyTheme(theme)
			ctx.LocalStorage().Set(themeStorageKey, theme)
		})
}

func applyTheme(theme string) {
	app.Window().Get("document").Get("documentElement").Call("setAttribute", "data-theme", theme)
}
