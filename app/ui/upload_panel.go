package ui

import (
	"fmt"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
	stagebuild "tinystages/model/stages"
)

// uploadKind is one kind of file a page accepts.
type uploadKind struct {
	Kind   string // stagebuild.Kind*
	Label  string
	Accept string // the file input's accept attribute
	Help   string // the expected format, in words
}

// The kinds of user files, as the pages offer them.
var (
	uploadCorpus = uploadKind{stagebuild.KindCorpus, "Domain corpus", ".txt,.md,.go,.jsonl,text/plain,text/markdown",
		`A .txt, .md or .go file (one document) or a .jsonl file of {"text": ...} lines; it replaces the shipped code and knowledge base in the next run.`}
	uploadSFT = uploadKind{stagebuild.KindSFT, "SFT conversations", ".jsonl",
		`TRL's conversational format: {"messages": [{"role": "user", "content": ...}, {"role": "assistant", "content": ...}]} per line (or {"prompt", "answer"} math problems).`}
	uploadPrefs = uploadKind{stagebuild.KindPreference, "Preference pairs (DPO)", ".jsonl",
		`TRL's preference format: {"prompt": ..., "chosen": ..., "rejected": ...} per line.`}
	uploadPrompts = uploadKind{stagebuild.KindPrompts, "Prompts with answers (RL, distillation)", ".jsonl",
		`TRL's prompt-only format with the answer that verifies a completion: {"prompt": ..., "answer": ...} per line.`}
)

// uploadPanel lets the reader bring their own data: a file input (keyboard
// reachable, labelled), the kind of file, its format and size limit, and
// the engine's verdict — the records accepted, or the file, line and field
// of the first problem. A refused file changes nothing: the model, the
// run and the data in use stay as they were.
type uploadPanel struct {
	app.Compo

	Page  string
	Kinds []uploadKind
	Kind  string // the kind the page's stage trains on, selected at first
	State uploadState

	chosen string // the kind the reader selected, if any
}

func (u *uploadPanel) kind() uploadKind {
	for _, want := range []string{u.chosen, u.Kind} {
		for _, k := range u.Kinds {
			if k.Kind == want {
				return k
			}
		}
	}
	return u.Kinds[0]
}

func (u *uploadPanel) Render() app.UI {
	k := u.kind()
	st := u.State
	limit := formatBytes(protocol.MaxUploadBytes)
	var verdict app.UI
	switch {
	case st.Busy:
		verdict = app.P().Class("muted").Role("status").Text("Checking " + st.File + "…")
	case st.Err != nil:
		where := st.Err.File
		if st.Err.Line > 0 {
			where += fmt.Sprintf(", line %d", st.Err.Line)
		}
		if st.Err.Field != "" {
			where += fmt.Sprintf(", field %q", st.Err.Field)
		}
		verdict = app.Div().Class("notice error").Role("alert").DataSet("testid", "upload-error").
			DataSet("file", st.Err.File).DataSet("line", st.Err.Line).DataSet("field", st.Err.Field).Body(
			app.Strong().Text("Refused: "+where+". "),
			app.Text(st.Err.Message+". Nothing changed: the model, the run and the data in use are as they were."))
	case st.File != "":
		verdict = app.P().Class("notice ok").Role("status").DataSet("testid", "upload-ok").
			Text(fmt.Sprintf("%s accepted: %d records. The next run uses it.", st.File, st.Records))
	}
	var inUse []string
	for _, kind := range sortedKeys(st.InUse) {
		inUse = append(inUse, fmt.Sprintf("%s: %s", kind, st.InUse[kind]))
	}
	id := "upload-" + u.Page
	return app.Section().Class("card").Aria("labelledby", "h-upload-"+u.Page).Body(
		app.H2().ID("h-upload-"+u.Page).Text("Your own data"),
		app.If(len(u.Kinds) > 1, func() app.UI {
			return field(id+"-kind", "Kind of file", "",
				app.Select().ID(id+"-kind").DataSet("testid", "upload-kind").
					OnChange(func(ctx app.Context, e app.Event) { u.chosen = ctx.JSSrc().Get("value").String() }).
					Body(app.Range(u.Kinds).Slice(func(i int) app.UI {
						return option(u.Kinds[i].Kind, u.Kinds[i].Label, u.Kinds[i].Kind == k.Kind)
					})), true)
		}),
		app.P().Class("muted small").ID(id+"-hint").Text(k.Help+" At most "+limit+", UTF-8 text."),
		app.Div().Class("field wide").Body(
			app.Label().For(id).Text("Choose a file ("+k.Label+")"),
			app.Input().Type("file").ID(id).Accept(k.Accept).DataSet("testid", "upload").
				Aria("describedby", id+"-hint").OnChange(u.onFile),
		),
		verdict,
		app.If(len(inUse) > 0, func() app.UI {
			return app.P().Class("muted small").DataSet("testid", "upload-in-use").Text("In use instead of the shipped data: " + strings.Join(inUse, "; "))
		}),
	)
}

// onFile reads the chosen file and hands it to the page, or reports it
// too large without reading it. go-app keeps the handler of the first
// render, so the page and the kind are read when the file is chosen.
func (u *uploadPanel) onFile(ctx app.Context, e app.Event) {
	page, kind := u.Page, u.kind().Kind
	input := ctx.JSSrc()
	files := input.Get("files")
	if !files.Truthy() || files.Length() == 0 {
		return
	}
	f := files.Index(0)
	name, size := f.Get("name").String(), f.Get("size").Int()
	input.Set("value", "") // the same file can be chosen again
	if size > protocol.MaxUploadBytes {
		ctx.NewActionWithValue(actionUploadError, &protocol.FileError{File: name,
			Message: fmt.Sprintf("the file is %s; files up to %s are accepted", formatBytes(int64(size)), formatBytes(protocol.MaxUploadBytes))},
			app.T("page", page))
		return
	}
	var then, fail app.Func
	release := func() { then.Release(); fail.Release() }
	then = app.FuncOf(func(this app.Value, args []app.Value) any {
		arr := app.Window().Get("Uint8Array").New(args[0])
		data := make([]byte, arr.Get("length").Int())
		app.CopyBytesToGo(data, arr)
		release()
		ctx.Dispatch(func(ctx app.Context) {
			ctx.NewActionWithValue(actionUpload, uploadFile{Kind: kind, File: name, Data: data}, app.T("page", page))
		})
		return nil
	})
	fail = app.FuncOf(func(this app.Value, args []app.Value) any {
		msg := "the file could not be read"
		if len(args) > 0 {
			msg += ": " + args[0].Call("toString").String()
		}
		release()
		ctx.Dispatch(func(ctx app.Context) {
			ctx.NewActionWithValue(actionUploadError, &protocol.FileError{File: name, Message: msg}, app.T("page", page))
		})
		return nil
	})
	f.Call("arrayBuffer").Call("then", then, fail)
}
