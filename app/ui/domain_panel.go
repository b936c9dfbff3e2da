package ui

import (
	"fmt"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
	"tinystages/datasets/manifest"
)

// actionInspectDomain asks the engine for other examples of the domain
// data (tag "page").
const actionInspectDomain = "stage/inspect-domain"

// stageCompare puts pre- and mid-training's data side by side: scale,
// quality and structure, the numbers from the datasets' manifest.
type stageCompare struct {
	app.Compo

	Pre, Mid stageTotals
	Man      *manifest.Manifest
}

func (c *stageCompare) Render() app.UI {
	if c.Man == nil {
		return app.Section().Class("card").Aria("labelledby", "h-compare").Body(
			app.H2().ID("h-compare").Text("Mid-training against pre-training"),
			app.P().Class("muted").Text("Loading the datasets' manifest…"))
	}
	ds := func(name string) *manifest.Dataset {
		for i := range c.Man.Datasets {
			if c.Man.Datasets[i].Name == name {
				return &c.Man.Datasets[i]
			}
		}
		return &manifest.Dataset{}
	}
	pre, code, kb, syn := ds("pretrain"), ds("code"), ds("kb"), ds("synthetic")
	lowQ, total := 0, 0
	if q := pre.Quality; q != nil {
		for i, n := range q.Counts {
			total += n
			if q.Edges[i+1] <= 0.5 {
				lowQ += n
			}
		}
	}
	gens, items := 0, 0
	for k, n := range syn.Structure {
		if strings.HasPrefix(k, "generator:") {
			gens++
			items += n
		}
	}
	ratio := 0.0
	if c.Mid.Tokens > 0 {
		ratio = float64(c.Pre.Tokens) / float64(c.Mid.Tokens)
	}
	row := func(what string, pre, mid string, testid string) app.UI {
		return app.Tr().Body(app.Th().Scope("row").Text(what), app.Td().Text(pre), app.Td().DataSet("testid", testid).Text(mid))
	}
	lowShare := "–"
	if total > 0 {
		lowShare = fmt.Sprintf("%.0f%%", 100*float64(lowQ)/float64(total))
	}
	return app.Section().Class("card").Aria("labelledby", "h-compare").Body(
		app.H2().ID("h-compare").Text("Mid-training against pre-training"),
		app.Div().Class("table-scroll").Body(app.Table().Class("compare").DataSet("testid", "compare").Body(
			app.THead().Body(app.Tr().Body(app.Th().Scope("col").Text(""), app.Th().Scope("col").Text("pre-training"), app.Th().Scope("col").Text("mid-training"))),
			app.TBody().Body(
				row("scale", fmt.Sprintf("%s documents, %s tokens", formatInt(int64(c.Pre.Records)), formatInt(c.Pre.Tokens)),
					fmt.Sprintf("%s records, %s tokens: %.1f× smaller", formatInt(int64(c.Mid.Records)), formatInt(c.Mid.Tokens), ratio), "compare-scale"),
				row("quality", fmt.Sprintf("mixed: %s of the pages score 0.5 or less (spam, boilerplate, typos)", lowShare),
					"clean: source code and an edited wiki, nothing filtered out", "compare-quality"),
				row("structure", "free text: the objective sees none",
					fmt.Sprintf("%d of %d declarations with a doc comment in %d packages; %s wiki pages with %s citations and %d records; %s items made from that structure by %d generators",
						code.Structure["decls_with_doc"], code.Structure["decls"], code.Structure["packages"],
						formatInt(int64(kb.Structure["pages"])), formatInt(int64(kb.Structure["citations"])), kb.Structure["records"],
						formatInt(int64(items)), gens), "compare-structure"),
				row("objective", "next token, weight 1 on every token",
					"the same next-token loss on domain text, with replay of general text, structure-derived items and, optionally, JEPA's embedding loss", ""),
			),
		)),
	)
}

// domainPanel is the domain data inspector: how much of each part the
// engine loaded, and examples of the structure mid-training exploits — a
// code file's doc comments and signatures, a wiki page's URL, title,
// citations and record, and one synthetic item per generator, made from
// them by code.
type domainPanel struct {
	app.Compo

	Page   string
	Domain *protocol.Domain
	Ready  bool // the engine can answer
}

func (d *domainPanel) Render() app.UI {
	body := []app.UI{app.H2().ID("h-domain").Text("The domain data")}
	dm := d.Domain
	if dm == nil {
		body = append(body, app.P().Class("muted").Text("Loading the domain data in the engine…"))
		return app.Section().Class("card").Aria("labelledby", "h-domain").DataSet("testid", "domain-inspector").Body(body...)
	}
	if dm.UserCorpus != "" {
		body = append(body, app.P().Class("notice warn").Text("Your corpus "+dm.UserCorpus+" replaces the shipped code and knowledge base in the next run; below is the shipped domain."))
	}
	body = append(body, app.Dl().Class("stats").Body(
		stat("Go files", formatInt(int64(dm.CodeFiles)), "domain-code-files"),
		stat("wiki pages", formatInt(int64(dm.KBPages)), "domain-kb-pages"),
		stat("synthetic items", formatInt(int64(sum(dm.Synthetic))), "domain-synthetic-items"),
		stat("replayed pages", formatInt(int64(dm.Replay)), ""),
	))
	if c := dm.Code; c != nil {
		body = append(body, app.H3().Text("Code: doc comment ↔ signature"),
			app.P().Class("muted small").Text(fmt.Sprintf("%s, package %s", c.Path, c.Package)),
			app.Dl().Class("pairs").DataSet("testid", "domain-code").Body(app.Range(c.Decls).Slice(func(i int) app.UI {
				dc := c.Decls[i]
				return app.Div().Body(app.Dt().Class("small").Text("// "+firstLine(dc.Doc)), app.Dd().Class("mono").Text(dc.Signature))
			})))
	}
	if k := dm.KB; k != nil {
		body = append(body, app.H3().Text("Knowledge base: URL, title, citations, record"),
			app.Div().DataSet("testid", "domain-kb").Body(
				app.P().Body(app.Strong().Text(k.Title), app.Text(" · "), app.Span().Class("mono").Text(k.URL),
					app.If(k.Kind != "", func() app.UI { return app.Span().Class("muted").Text(" · " + k.Kind) })),
				app.If(len(k.Cites) > 0, func() app.UI {
					return app.P().Class("small").Body(app.Text("cites: "), app.Span().Class("mono").Text(strings.Join(k.Cites, ", ")))
				}),
				app.If(len(k.Record) > 0, func() app.UI {
					keys := sortedKeys(k.Record)
					return app.Table().Class("sources").Body(app.TBody().Body(app.Range(keys).Slice(func(i int) app.UI {
						return app.Tr().Body(app.Th().Scope("row").Text(keys[i]), app.Td().Text(k.Record[keys[i]]))
					})))
				}),
				app.Details().Body(app.Summary().Text("The page"), app.Div().Class("doc").TabIndex(0).Text(k.Text)),
			))
	}
	if len(dm.Items) > 0 {
		body = append(body, app.H3().Text("Synthetic items, made by code from that structure"),
			app.Div().Class("table-scroll").Body(app.Table().Class("sources synthetic").DataSet("testid", "domain-synthetic").Body(
				app.THead().Body(app.Tr().Body(app.Th().Scope("col").Text("generator"), app.Th().Scope("col").Text("first view"), app.Th().Scope("col").Text("second view"))),
				app.TBody().Body(app.Range(dm.Items).Slice(func(i int) app.UI {
					it := dm.Items[i]
					return app.Tr().Body(app.Td().Text(fmt.Sprintf("%s (%d)", it.Generator, dm.Synthetic[it.Generator])),
						app.Td().Class("mono").Text(it.Input), app.Td().Class("mono").Text(it.Output))
				})),
			)))
	}
	b := app.Button().Type("button").DataSet("testid", "domain-another").Text("Other examples").
		OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(actionInspectDomain, app.T("page", d.Page)) })
	if !d.Ready {
		b = b.Disabled(true)
	}
	body = append(body, b)
	return app.Section().Class("card").Aria("labelledby", "h-domain").DataSet("testid", "domain-inspector").Body(body...)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
