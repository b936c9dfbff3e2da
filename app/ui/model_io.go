package ui

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
)

// modelIO is the page's side of moving models in and out of the engine
// (protocol.ModelRequest): download the current model as a Hugging Face
// GPT-2 bundle, import one, and sample from the current model at the
// run's seed, to see that an imported model is the one exported.
type modelIO struct {
	next    int
	pending map[int]func(ctx app.Context, r protocol.ModelReply, data app.Value)

	busy     string // what the engine is doing for the panel: "exporting"...
	info     *protocol.ModelInfo
	imported bool
	err      string
	sample   string
}

// mountModels is called when the page mounts.
func (p *pretraining) mountModels(ctx app.Context) {
	p.ext.models = modelIO{pending: map[int]func(app.Context, protocol.ModelReply, app.Value){}}
}

// wireModels routes the engine's model replies to the page; called when
// the engine is ready.
func (p *pretraining) wireModels(ctx app.Context) {
	if p.eng == nil {
		return
	}
	p.eng.onObject = func(data app.Value) {
		header := data.Get(protocol.ModelHeaderKey)
		if header.Type() != app.TypeString {
			return
		}
		r, err := protocol.DecodeModelReply(header.String())
		bytes := data.Get(protocol.ModelDataKey)
		ctx.Dispatch(func(ctx app.Context) {
			mio := &p.ext.models
			if err != nil {
				mio.busy, mio.err = "", err.Error()
				return
			}
			done := mio.pending[r.ID]
			delete(mio.pending, r.ID)
			if done != nil {
				done(ctx, r, bytes)
			}
		})
	}
}

// modelRequest posts r, with the bytes of an ArrayBuffer data (transferred)
// when data is truthy, and calls done with the reply.
func (p *pretraining) modelRequest(r protocol.ModelRequest, data app.Value, done func(ctx app.Context, r protocol.ModelReply, data app.Value)) {
	mio := &p.ext.models
	if p.eng == nil {
		return
	}
	mio.next++
	r.ID = mio.next
	header, err := protocol.EncodeModelRequest(r)
	if err != nil {
		mio.err = err.Error()
		return
	}
	mio.pending[r.ID] = done
	w := app.Window()
	obj := w.Get("Object").New()
	obj.Set(protocol.ModelHeaderKey, header)
	transfer := w.Get("Array").New()
	if data != nil && data.Truthy() {
		obj.Set(protocol.ModelDataKey, data)
		transfer.Call("push", data)
	}
	p.eng.worker.Call("postMessage", obj, transfer)
}

// canExport reports whether there is a model to export or sample, and the
// engine is not busy computing it.
func (p *pretraining) canExport() bool {
	mio := &p.ext.models
	if mio.busy != "" || !p.engineReady {
		return false
	}
	switch p.status {
	case protocol.StatusPaused, protocol.StatusDone:
		return true
	case protocol.StatusRunning, protocol.StatusPreparing:
		return false
	}
	return mio.imported
}

func (p *pretraining) exportModel(ctx app.Context) {
	mio := &p.ext.models
	mio.busy, mio.err = "exporting", ""
	p.modelRequest(protocol.ModelRequest{Kind: protocol.ModelExport}, nil, func(ctx app.Context, r protocol.ModelReply, data app.Value) {
		mio.busy = ""
		if r.Error != "" {
			mio.err = r.Error
			return
		}
		mio.info = r.Model
		name := "tinystages-model.zip"
		if m := r.Model; m != nil {
			name = fmt.Sprintf("tinystages-%s-%s-step%d.zip", m.Stage, m.Preset, m.Steps)
		}
		downloadValue(name, "application/zip", data)
	})
}

func (p *pretraining) importModel(ctx app.Context, e app.Event) {
	mio := &p.ext.models
	input := ctx.JSSrc()
	files := input.Get("files")
	if !files.Truthy() || files.Length() == 0 {
		return
	}
	file := files.Index(0)
	name := file.Get("name").String()
	mio.busy, mio.err, mio.sample = "importing", "", ""
	var onBuf, onErr app.Func
	release := func() { onBuf.Release(); onErr.Release() }
	onBuf = app.FuncOf(func(this app.Value, args []app.Value) any {
		buf := args[0]
		ctx.Dispatch(func(ctx app.Context) {
			p.modelRequest(protocol.ModelRequest{Kind: protocol.ModelImport, Name: name}, buf, func(ctx app.Context, r protocol.ModelReply, _ app.Value) {
				mio.busy = ""
				if r.Error != "" {
					mio.err = name + ": " + r.Error
					return
				}
				mio.info, mio.imported = r.Model, true
			})
		})
		release()
		return nil
	})
	onErr = app.FuncOf(func(this app.Value, args []app.Value) any {
		msg := "could not be read"
		if len(args) > 0 {
			msg += ": " + args[0].Call("toString").String()
		}
		ctx.Dispatch(func(ctx app.Context) { mio.busy, mio.err = "", name+" "+msg })
		release()
		return nil
	})
	file.Call("arrayBuffer").Call("then", onBuf, onErr)
	input.Set("value", "") // the same file may be chosen again
}

func (p *pretraining) sampleModel(ctx app.Context) {
	mio := &p.ext.models
	mio.busy, mio.err = "sampling", ""
	req := protocol.ModelRequest{Kind: protocol.ModelSample, Seed: p.settings.Seed, Prompt: "The"}
	p.modelRequest(req, nil, func(ctx app.Context, r protocol.ModelReply, _ app.Value) {
		mio.busy = ""
		if r.Error != "" {
			mio.err = r.Error
			return
		}
		mio.sample = req.Prompt + r.Text
	})
}

// modelPanel shows the current model and moves it in and out.
func (p *pretraining) modelPanel() app.UI {
	mio := &p.ext.models
	can := p.canExport()
	btn := func(testid, label string, enabled bool, h app.EventHandler) app.HTMLButton {
		b := app.Button().Type("button").DataSet("testid", testid).Text(label).OnClick(h)
		if !enabled {
			b = b.Disabled(true)
		}
		return b
	}
	info := "Train a model (pause or finish the run) or import one."
	if m := mio.info; m != nil {
		from := "This run's model"
		if m.Source == "imported" {
			from = "Imported model"
			if m.Name != "" {
				from += " “" + m.Name + "”"
			}
		}
		info = fmt.Sprintf("%s: %s parameters (%d layers, %d heads, width %d, context %d, vocabulary %d)",
			from, formatCompact(float64(m.Params)), m.Layers, m.Heads, m.Width, m.Context, m.Vocab)
		if m.Steps > 0 {
			info += fmt.Sprintf(", %s %d steps", m.Stage, m.Steps)
		}
		info += "."
	}
	importInput := app.Input().Type("file").ID("import-model").Class("visually-hidden").
		Accept(".zip,application/zip").DataSet("testid", "import-model").OnChange(p.importModel)
	importLabel := app.Label().Class("button")
	if mio.busy != "" || !p.engineReady {
		importInput = importInput.Disabled(true)
		importLabel = importLabel.Class("disabled")
	}
	importLabel = importLabel.Body(app.Text("Import model…"), importInput)
	return app.Div().Class("models").Body(
		app.H3().Text("The model"),
		app.P().Class("muted").DataSet("testid", "model-info").Text(info),
		app.Div().Class("buttons").Body(
			btn("export-model", "Download model (.zip)", can, func(ctx app.Context, e app.Event) { p.exportModel(ctx) }),
			importLabel,
			btn("model-sample", "Sample", can, func(ctx app.Context, e app.Event) { p.sampleModel(ctx) }),
			app.If(mio.imported, func() app.UI {
				return btn("train-imported", "Train the imported model further", p.engineReady && !p.active() && mio.busy == "",
					func(ctx app.Context, e app.Event) { p.start(protocol.CheckpointImported) }).
					Title("Pre-train the imported model further on this page's corpus, with these settings (its own size and tokenizer)")
			}),
		),
		app.P().Class("hint").Text("The zip holds model.safetensors, config.json and tokenizer.json: "+
			"Hugging Face transformers loads it as a GPT-2 (its README says how)."),
		app.If(mio.busy != "", func() app.UI {
			return app.P().Class("muted").DataSet("testid", "model-busy").Text(mio.busy + "…")
		}),
		app.If(mio.err != "", func() app.UI {
			return app.P().Class("notice error").Role("alert").DataSet("testid", "model-error").Text(mio.err)
		}),
		app.If(mio.sample != "", func() app.UI {
			return app.P().Class("doc mono").DataSet("testid", "model-sample-text").Text(mio.sample)
		}),
	)
}
