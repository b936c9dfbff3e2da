package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/datasets/manifest"
	"tinystages/datasets/record"
	"tinystages/model/tokenizer"
)

// overview is the home page: the three stages side by side, each with its
// goal, its data (numbers from the datasets' manifest), its objective (a
// strip of per-token weights on a real example of its data) and what it
// changes in the model.
type overview struct {
	app.Compo

	man      *manifest.Manifest
	err      string
	examples map[string]weighted // by stage key
	exErr    string              // why examples are missing
}

func (o *overview) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("tinystages: pre-, mid- and post-training, live in your browser")
}

func (o *overview) OnMount(ctx app.Context) {
	if app.IsServer {
		return
	}
	ctx.Async(func() {
		m, err := loadManifest(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				o.err = err.Error()
				return
			}
			o.man = m
		})
		if err != nil {
			return
		}
		ex, err := loadExamples(ctx, m)
		ctx.Dispatch(func(ctx app.Context) {
			o.examples = ex
			if err != nil {
				o.exErr = err.Error()
			}
		})
	})
}

// exampleTokens is how many tokens an overview strip shows.
const exampleTokens = 48

// goodQuality is the quality score from which a pre-training document
// makes a good example.
const goodQuality = 0.8

// loadExamples takes the first record of the first dataset of each stage
// and lays it out with the stage's per-token weights, under the shipped
// tokenizer. Stages whose example cannot be loaded are left out; the error
// says why the first of them is.
func loadExamples(ctx app.Context, m *manifest.Manifest) (map[string]weighted, error) {
	out := map[string]weighted{}
	if m.Tokenizer.File == "" {
		return out, errors.New("the datasets ship no tokenizer")
	}
	data, err := fetchStatic(ctx, "/web/datasets/"+m.Tokenizer.File, 4<<20)
	if err != nil {
		return out, err
	}
	tok, err := tokenizer.Load(data)
	if err != nil {
		return out, err
	}
	var first error
	for _, st := range stages {
		for _, d := range totalsFor(m, st.Key).Datasets {
			w, err := exampleOf(ctx, tok, d)
			if err == nil {
				w.Source = d.Title
				out[st.Key] = w
				break
			}
			if first == nil {
				first = err
			}
		}
	}
	if len(out) == len(stages) {
		first = nil
	}
	return out, first
}

// exampleOf loads the first record of d's smallest file.
func exampleOf(ctx app.Context, tok *tokenizer.Tokenizer, d *manifest.Dataset) (weighted, error) {
	if len(d.Files) == 0 {
		return weighted{}, fmt.Errorf("dataset %s has no files", d.Name)
	}
	files := append([]manifest.File(nil), d.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Bytes < files[j].Bytes })
	data, err := fetchStatic(ctx, "/web/datasets/"+files[0].Name, 16<<20)
	if err != nil {
		return weighted{}, err
	}
	// The first record, or of documents with a quality score the first
	// good one (a spam page shows the objective as well, but badly).
	var probe struct {
		Text     string           `json:"text"`
		Messages []record.Message `json:"messages"`
		Quality  *float64         `json:"quality"`
	}
	lines := firstLines(data, 64)
	if len(lines) == 0 {
		return weighted{}, fmt.Errorf("%s is empty", files[0].Name)
	}
	for i, line := range lines {
		probe.Quality = nil
		if err := json.Unmarshal(line, &probe); err != nil {
			return weighted{}, fmt.Errorf("%s:%d: %v", files[0].Name, i+1, err)
		}
		if probe.Quality == nil || *probe.Quality >= goodQuality {
			break
		}
	}
	switch {
	case len(probe.Messages) > 0:
		return weightsOfChat(tok, probe.Messages, exampleTokens)
	case probe.Text != "":
		return weightsOfDocument(tok, probe.Text, exampleTokens), nil
	}
	return weighted{}, fmt.Errorf("%s: no text or messages in its first record", files[0].Name)
}

func (o *overview) Render() app.UI {
	return layout("/",
		app.H1().Text("Three stages of training, live in your browser"),
		app.P().Class("lead").Text("tinystages trains a small GPT-2 style language model in this page, "+
			"on your computer, and shows what each stage of training does: what data it uses, "+
			"what objective it optimises, and what it changes in the model."),
		app.P().Class("thesis").DataSet("testid", "thesis").Text(thesis),
		app.If(o.err != "", func() app.UI {
			return app.Div().Class("notice error").Role("alert").Text(o.err)
		}),
		app.If(o.exErr != "", func() app.UI {
			return app.P().Class("notice warn").DataSet("testid", "examples-error").Text("Some examples could not be shown: " + o.exErr)
		}),
		app.Div().Class("stages").Body(
			app.Range(stages).Slice(func(i int) app.UI { return o.stageCard(stages[i]) }),
		),
	)
}

func (o *overview) stageCard(s stage) app.UI {
	t := totalsFor(o.man, s.Key)
	ex, hasEx := o.examples[s.Key]
	return app.Section().Class("card stage").DataSet("testid", "stage-"+s.Key).Aria("labelledby", "h-"+s.Key).Body(
		app.H2().ID("h-"+s.Key).Body(app.A().Href(pageURL(s.Path)).Text(s.Title)),
		app.P().Text(s.Goal),
		app.H3().Text("Data"),
		app.P().Text(s.Data),
		o.dataStats(s, t),
		app.H3().Text("Objective"),
		app.P().Text(s.Objective),
		app.If(hasEx, func() app.UI {
			return app.Div().Body(
				weightStrip(ex, "strip-"+s.Key),
				app.P().Class("muted").Text(fmt.Sprintf(
					"The start of a real example from %s, cut into the model's tokens. "+
						"Shaded tokens are targets with weight 1; grey ones have weight 0.", ex.Source)),
			)
		}),
		app.H3().Text("What it changes"),
		app.P().Text(s.Changes),
		app.P().Body(app.A().Href(pageURL(s.Path)).Text("Open the "+s.Title+" lesson")),
	)
}

func (o *overview) dataStats(s stage, t stageTotals) app.UI {
	if o.man == nil {
		return app.P().Class("muted").Text("Loading the datasets' numbers…")
	}
	if len(t.Datasets) == 0 {
		return app.P().Class("muted").Text("No dataset for this stage in the manifest.")
	}
	unit := t.Unit
	if unit == "" {
		unit = "records"
	}
	items := []app.UI{
		stat(unit, formatInt(int64(t.Records)), "records-"+s.Key),
		stat("tokens", formatInt(t.Tokens), "tokens-"+s.Key),
		stat("size", formatBytes(t.Bytes), ""),
		stat("datasets", fmt.Sprint(len(t.Datasets)), ""),
	}
	var extra app.UI
	for _, d := range t.Datasets {
		if d.Quality != nil {
			mean, n := 0.0, 0
			for _, src := range d.Sources {
				mean += src.MeanQuality * float64(src.Documents)
				n += src.Documents
			}
			if n > 0 {
				items = append(items, stat("mean quality", fmt.Sprintf("%.2f", mean/float64(n)), ""))
			}
			items = append(items, stat("sources", fmt.Sprint(len(d.Sources)), ""))
			extra = app.Div().Body(
				app.Raw(qualityHistogram(d.Quality)),
				app.P().Class("muted").Text("Documents by quality score, 0 (junk) to 1 (edited prose)."),
			)
			break
		}
	}
	structure := map[string]int{}
	for _, d := range t.Datasets {
		for k, v := range d.Structure {
			if len(d.Sources) > 0 && strings.HasPrefix(k, "source:") {
				continue // shown as the sources
			}
			structure[k] += v
		}
	}
	var keys []string
	for k := range structure {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 4 {
		keys = keys[:4]
	}
	for _, k := range keys {
		items = append(items, stat(k, formatInt(int64(structure[k])), ""))
	}
	return app.Div().Body(
		app.Dl().Class("stats").Body(items...),
		extra,
	)
}

// stat is one labelled number.
func stat(label, value, testid string) app.UI {
	dd := app.Dd().Text(value)
	if testid != "" {
		dd = dd.DataSet("testid", testid)
	}
	return app.Div().Class("stat").Body(app.Dt().Text(label), dd)
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// qualityHistogram draws a manifest histogram as a small SVG bar chart.
func qualityHistogram(h *manifest.Histogram) string {
	if h == nil || len(h.Counts) == 0 || len(h.Edges) != len(h.Counts)+1 {
		return ""
	}
	maxc := 1
	for _, c := range h.Counts {
		maxc = max(maxc, c)
	}
	const W, H, top, bottom = 300.0, 48.0, 2.0, 12.0
	bw := W / float64(len(h.Counts))
	s := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" class="hist" viewBox="0 0 %.0f %.0f" role="img" aria-label="quality histogram"><title>Documents by quality score</title>`, W, H)
	for i, c := range h.Counts {
		bh := (H - top - bottom) * float64(c) / float64(maxc)
		s += fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%.1f–%.1f: %d</title></rect>`,
			float64(i)*bw+1, H-bottom-bh, bw-2, bh, h.Edges[i], h.Edges[i+1], c)
	}
	s += fmt.Sprintf(`<text x="0" y="%.0f">%g</text><text x="%.0f" y="%.0f" text-anchor="end">%g</text></svg>`,
		H-1, h.Edges[0], W, H-1, h.Edges[len(h.Edges)-1])
	return s
}
