package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// visibility watches whether an element is visible to the reader: on
// screen (an IntersectionObserver, which in a frame measures against the
// top page's viewport, across origins) and in a tab in the foreground (the
// Page Visibility API). It calls changed, on the UI goroutine, with the
// first state and each change.
type visibility struct {
	observer         app.Value
	doc              app.Value
	onSee, onVisible app.Func
	onScreen         bool
	last             int // -1 before the first report, else 0 or 1
}

// watchVisibility starts watching the element with the given id. It
// returns nil, and calls nothing, where the element is missing.
func watchVisibility(ctx app.Context, id string, changed func(ctx app.Context, visible bool)) *visibility {
	w := app.Window()
	el := w.GetElementByID(id)
	if !el.Truthy() {
		return nil
	}
	v := &visibility{doc: w.Get("document"), last: -1}
	report := func() {
		visible := v.onScreen && v.doc.Get("visibilityState").String() == "visible"
		now := 0
		if visible {
			now = 1
		}
		if now == v.last {
			return
		}
		v.last = now
		ctx.Dispatch(func(ctx app.Context) { changed(ctx, visible) })
	}
	v.onVisible = app.FuncOf(func(this app.Value, args []app.Value) any {
		report()
		return nil
	})
	v.doc.Call("addEventListener", "visibilitychange", v.onVisible)
	if !w.Get("IntersectionObserver").Truthy() {
		v.onScreen = true
		report()
		return v
	}
	v.onSee = app.FuncOf(func(this app.Value, args []app.Value) any {
		entries := args[0]
		if n := entries.Length(); n > 0 {
			v.onScreen = entries.Index(n - 1).Get("isIntersecting").Bool()
		}
		report()
		return nil
	})
	v.observer = w.Get("IntersectionObserver").New(v.onSee)
	v.observer.Call("observe", el)
	return v
}

// stop stops watching.
func (v *visibility) stop() {
	if v == nil {
		return
	}
	v.doc.Call("removeEventListener", "visibilitychange", v.onVisible)
	v.onVisible.Release()
	if v.observer != nil {
		v.observer.Call("disconnect")
		v.onSee.Release()
	}
}
