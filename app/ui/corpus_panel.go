package ui

import (
	"fmt"
	"sort"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
	"tinystages/datasets/manifest"
)

// corpusPanel is the dataset inspector of the pre-training page: the
// corpus's size from the manifest, its sources before and after the
// quality filter and a random document, as the engine loaded them.
type corpusPanel struct {
	app.Compo

	Manifest *manifest.Dataset
	Dataset  *protocol.Dataset
}

func (c *corpusPanel) Render() app.UI {
	d, ds := c.Manifest, c.Dataset
	body := []app.UI{app.H2().ID("h-data").Text("The corpus")}
	if d == nil && ds == nil {
		body = append(body, app.P().Class("muted").Text("Loading the corpus…"))
		return app.Section().Class("card").Aria("labelledby", "h-data").Body(body...)
	}
	var stats []app.UI
	if d != nil {
		stats = append(stats,
			stat("documents", formatInt(int64(d.Records)), "corpus-docs"),
			stat("tokens", formatInt(d.Tokens), "corpus-tokens"),
			stat("size", formatBytes(d.Bytes), ""),
		)
	}
	if ds != nil {
		stats = append(stats, stat(fmt.Sprintf("kept at ≥ %.2f", ds.MinQuality),
			formatInt(int64(ds.Kept))+" of "+formatInt(int64(ds.Documents)), "corpus-kept"))
	}
	body = append(body, app.Dl().Class("stats").Body(stats...))
	if d != nil && d.Quality != nil {
		body = append(body, app.Raw(qualityHistogram(d.Quality)),
			app.P().Class("muted").Text("Documents by quality score, 0 (junk) to 1 (edited prose)."))
	}
	body = append(body, sourcesTable(d, ds))
	if ds != nil && ds.Doc != nil {
		doc := ds.Doc
		text := doc.Text
		if doc.Truncated {
			text += " …"
		}
		body = append(body,
			app.H3().Text("A random document"),
			app.P().Class("muted").Text(fmt.Sprintf("%s · quality %.2f · %s", doc.Source, doc.Quality, doc.ID)),
			app.Div().Class("doc").DataSet("testid", "random-doc").TabIndex(0).Aria("label", "document text").Text(text),
			app.Button().Type("button").DataSet("testid", "another-doc").
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(actionInspect) }).Text("Another document"),
		)
	}
	return app.Section().Class("card").Aria("labelledby", "h-data").Body(body...)
}

// sourcesTable lists the documents per source: from the engine (with the
// filter's kept counts) when it has loaded the corpus, else the manifest.
func sourcesTable(d *manifest.Dataset, ds *protocol.Dataset) app.UI {
	type row struct {
		src        string
		docs, kept int
		q          float64
	}
	var rows []row
	if ds != nil {
		for _, s := range ds.Sources {
			rows = append(rows, row{s.Source, s.Documents, s.Kept, s.MeanQuality})
		}
	} else if d != nil {
		for _, s := range d.Sources {
			rows = append(rows, row{s.Source, s.Documents, -1, s.MeanQuality})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].docs > rows[j].docs })
	return app.Table().Class("sources").DataSet("testid", "sources").Body(
		app.Caption().Class("visually-hidden").Text("Documents per source"),
		app.THead().Body(app.Tr().Body(
			app.Th().Scope("col").Text("source"), app.Th().Scope("col").Text("documents"),
			app.Th().Scope("col").Text("kept"), app.Th().Scope("col").Text("quality"),
		)),
		app.TBody().Body(app.Range(rows).Slice(func(i int) app.UI {
			r := rows[i]
			kept := "–"
			if r.kept >= 0 {
				kept = formatInt(int64(r.kept))
			}
			return app.Tr().Body(
				app.Td().Text(r.src), app.Td().Text(formatInt(int64(r.docs))),
				app.Td().Text(kept), app.Td().Text(fmt.Sprintf("%.2f", r.q)),
			)
		})),
	)
}
