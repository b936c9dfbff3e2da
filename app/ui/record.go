package ui

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
)

// runRecord is what a run leaves for a reader to keep: its settings, its
// metrics step by step, its samples, and how it ended. The page downloads
// it as three files: the settings (JSON, with the link that reproduces
// the run), the metrics (CSV, one row per step) and a report card
// (Markdown).
type runRecord struct {
	Stage    string // stage key: "pretraining"
	Settings protocol.Settings
	Backend  string
	Steps    []protocol.Metrics
	Samples  []protocol.Sample // oldest first, at most maxRecordSamples
	Done     *protocol.Done
	Err      string
}

// maxRecordSamples bounds the samples a record keeps (the last ones).
const maxRecordSamples = 100

// start begins the record of a run of s.
func (r *runRecord) start(stage string, s protocol.Settings) {
	*r = runRecord{Stage: stage, Settings: s}
}

// add records one message of the engine.
func (r *runRecord) add(m protocol.Message) {
	if r.Stage == "" {
		return
	}
	switch m.Kind {
	case protocol.KindState:
		if m.State.Backend != "" {
			r.Backend = m.State.Backend
		}
		if m.State.Status == protocol.StatusIdle {
			*r = runRecord{} // reset: the run is gone
		}
	case protocol.KindMetrics:
		mt := *m.Metrics
		if n := len(r.Steps); n > 0 && mt.Step <= r.Steps[n-1].Step {
			return
		}
		r.Steps = append(r.Steps, mt)
	case protocol.KindSample:
		r.Samples = append(r.Samples, *m.Sample)
		if len(r.Samples) > maxRecordSamples {
			r.Samples = slices.Delete(r.Samples, 0, len(r.Samples)-maxRecordSamples)
		}
	case protocol.KindDone:
		d := *m.Done
		r.Done = &d
	case protocol.KindError:
		r.Err = m.Error.Message
	}
}

// empty reports whether there is nothing to download.
func (r *runRecord) empty() bool { return len(r.Steps) == 0 }

// fileName is the name of one file of the record: a prefix that says
// which run, and what.
func (r *runRecord) fileName(what, ext string) string {
	return fmt.Sprintf("tinystages-%s-%s-seed%d-%s.%s", r.Stage, r.Settings.Preset, r.Settings.Seed, what, ext)
}

// SettingsJSON is the record's settings file: what was asked for, the
// link that reproduces it, and what computed it.
func (r *runRecord) SettingsJSON(link string) []byte {
	v := struct {
		Stage    string            `json:"stage"`
		Settings protocol.Settings `json:"settings"`
		Link     string            `json:"link"`
		Backend  string            `json:"backend,omitempty"`
		Steps    int               `json:"steps_done"`
	}{r.Stage, r.Settings, link, r.Backend, r.stepsDone()}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the link's & as is
	enc.SetIndent("", "  ")
	enc.Encode(v)
	return buf.Bytes()
}

func (r *runRecord) stepsDone() int {
	if len(r.Steps) == 0 {
		return 0
	}
	return r.Steps[len(r.Steps)-1].Step
}

// sources lists the validation sources the record has, sorted.
func (r *runRecord) sources() []string {
	set := map[string]bool{}
	for _, m := range r.Steps {
		for s := range m.ValBySource {
			set[s] = true
		}
	}
	var out []string
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// MetricsCSV is the record's metrics: one row per step; validation
// columns are empty at steps where validation was not measured.
func (r *runRecord) MetricsCSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	srcs := r.sources()
	head := []string{"step", "loss", "val_loss", "lr", "tokens", "tokens_per_s", "elapsed_ms"}
	for _, s := range srcs {
		head = append(head, "val_"+s)
	}
	w.Write(head)
	num := func(x float64) string {
		if math.IsNaN(x) || math.IsInf(x, 0) || x == math.MaxFloat64 {
			return ""
		}
		return strconv.FormatFloat(x, 'g', 6, 64)
	}
	for _, m := range r.Steps {
		val := ""
		if m.ValLoss != nil {
			val = num(*m.ValLoss)
		}
		row := []string{strconv.Itoa(m.Step), num(m.Loss), val, strconv.FormatFloat(float64(m.LR), 'g', 4, 32),
			strconv.Itoa(m.Tokens), num(m.TokensPerS), strconv.FormatFloat(m.ElapsedMS, 'f', 0, 64)}
		for _, s := range srcs {
			if v, ok := m.ValBySource[s]; ok {
				row = append(row, num(v))
			} else {
				row = append(row, "")
			}
		}
		w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// ReportCard is the record as a Markdown report: the settings, the loss
// at the start and at the end, the validation loss by source, the speed,
// and the last samples.
func (r *runRecord) ReportCard(link string) string {
	var b strings.Builder
	st := r.Settings
	fmt.Fprintf(&b, "# tinystages report card: %s, %s model\n\n", stageTitle(r.Stage), st.Preset)
	if link != "" {
		fmt.Fprintf(&b, "Reproduce this run: <%s>\n\n", link)
	}
	b.WriteString("## Settings\n\n| setting | value |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, v) }
	row("model", st.Preset+" ("+presetSize(st.Preset)+")")
	row("learning rate", strconv.FormatFloat(float64(st.LR), 'g', -1, 32))
	row("batch", strconv.Itoa(st.Batch))
	row("steps", strconv.Itoa(st.Steps))
	row("seed", strconv.FormatUint(st.Seed, 10))
	row("quality filter", strconv.FormatFloat(st.MinQuality, 'g', -1, 64))
	backend := st.Backend
	if r.Backend != "" {
		backend += ": " + r.Backend
	}
	row("backend", backend)

	b.WriteString("\n## Result\n\n")
	if len(r.Steps) == 0 {
		b.WriteString("No step was trained.\n")
	} else {
		first, last := r.Steps[0], r.Steps[len(r.Steps)-1]
		status := fmt.Sprintf("%d of %d steps", last.Step, last.Steps)
		if r.Done != nil {
			status += ", finished"
		} else if r.Err != "" {
			status += ", failed: " + r.Err
		} else {
			status += ", not finished"
		}
		fmt.Fprintf(&b, "Trained %s: %s tokens in %.1f s, %s tokens/s.\n\n", status,
			strconv.Itoa(last.Tokens), last.ElapsedMS/1000, strconv.FormatFloat(float64(last.Tokens)/math.Max(last.ElapsedMS/1000, 1e-9), 'f', 0, 64))
		b.WriteString("| | first step | last step |\n|---|---|---|\n")
		fmt.Fprintf(&b, "| training loss | %s | %s |\n", mdLoss(first.Loss), mdLoss(last.Loss))
		firstVal, lastVal := r.valAt(true), r.valAt(false)
		if firstVal != nil {
			fmt.Fprintf(&b, "| validation loss | %s (step %d) | %s (step %d) |\n", mdLoss(*firstVal.ValLoss), firstVal.Step, mdLoss(*lastVal.ValLoss), lastVal.Step)
		}
		b.WriteString("\nLoss is the cross-entropy in nats per token; ln(vocabulary size) is a uniform guess.\n")
		if srcs := r.sources(); len(srcs) > 0 && firstVal != nil {
			b.WriteString("\n### Validation loss by source\n\n| source | first | last |\n|---|---|---|\n")
			for _, s := range srcs {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", s, mdLoss(firstVal.ValBySource[s]), mdLoss(lastVal.ValBySource[s]))
			}
		}
	}
	if len(r.Samples) > 0 {
		b.WriteString("\n## Samples\n\n")
		from := max(0, len(r.Samples)-5)
		for _, s := range r.Samples[from:] {
			fmt.Fprintf(&b, "- step %d: `%s%s`\n", s.Step, mdCode(s.Prompt), mdCode(s.Text))
		}
	}
	return b.String()
}

// valAt returns the first (or last) step with a validation loss, or nil.
func (r *runRecord) valAt(first bool) *protocol.Metrics {
	for i := range r.Steps {
		j := i
		if !first {
			j = len(r.Steps) - 1 - i
		}
		if r.Steps[j].ValLoss != nil {
			return &r.Steps[j]
		}
	}
	return nil
}

func mdLoss(x float64) string {
	if math.IsNaN(x) || x == math.MaxFloat64 {
		return "–"
	}
	return strconv.FormatFloat(x, 'f', 3, 64)
}

// mdCode makes text safe inside a one-line code span.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "\n", "⏎", "\r", "").Replace(s)
}

func stageTitle(key string) string {
	for _, s := range stages {
		if s.Key == key {
			return s.Title
		}
	}
	return key
}

// recordButtons download the run's record.
func (p *pretraining) recordButtons() app.UI {
	r := &p.ext.record
	dl := func(testid, label, what, ext, mime string, data func(link string) []byte) app.UI {
		b := app.Button().Type("button").DataSet("testid", testid).Text(label).
			OnClick(func(ctx app.Context, e app.Event) {
				link := absoluteURL(ctx, stagePre.Path, shareQuery(r.Settings, view{}, false))
				download(r.fileName(what, ext), mime, data(link))
			})
		if r.empty() {
			b = b.Disabled(true)
		}
		return b
	}
	return app.Div().Class("record").Body(
		app.H3().Text("This run's record"),
		app.Div().Class("buttons").Body(
			dl("download-settings", "Settings (JSON)", "settings", "json", "application/json", r.SettingsJSON),
			dl("download-metrics", "Metrics (CSV)", "metrics", "csv", "text/csv", func(string) []byte { return r.MetricsCSV() }),
			dl("download-report", "Report card (Markdown)", "report", "md", "text/markdown",
				func(link string) []byte { return []byte(r.ReportCard(link)) }),
		),
	)
}
