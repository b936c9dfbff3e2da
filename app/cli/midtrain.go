package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"tinystages/model"
	"tinystages/model/checkpoint"
	"tinystages/model/cpu"
	"tinystages/model/midtrain"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// midtrainFlags are the mid-training flags of `train` beyond -replay and
// -synthetic.
type midtrainFlags struct {
	jepa       float64
	views      string
	pairs      int
	generators string
	lesson     string
}

func addMidtrainFlags(fs *flag.FlagSet, f *midtrainFlags) {
	fs.StringVar(&f.generators, "synthetic-generators", "all",
		"mid-training: synthetic generators to use, comma-separated: "+strings.Join(midtrain.Generators, ", ")+" (all: every one)")
	fs.Float64Var(&f.jepa, "jepa", 0, "mid-training: λ of the JEPA-style embedding loss between paired views (0: off)")
	fs.StringVar(&f.views, "jepa-views", midtrain.ViewsStructured,
		"mid-training: JEPA's paired views: structured (doc comment ↔ signature, title ↔ body...) or web (neighbouring spans of web text)")
	fs.IntVar(&f.pairs, "jepa-pairs", midtrain.DefaultPairs, "mid-training: JEPA view pairs per step")
	var names []string
	for _, l := range midtrain.Lessons {
		names = append(names, l.Name)
	}
	fs.StringVar(&f.lesson, "lesson", "", "mid-training: run a lesson's runs from -init and compare them: "+strings.Join(names, ", ")+
		" (its own steps unless -steps is given)")
}

// midtrainSettings reads the mid-training settings from the flags.
func midtrainSettings(f trainFlags) (midtrain.Settings, error) {
	gens, err := midtrain.ParseGenerators(f.mid.generators)
	if err != nil {
		return midtrain.Settings{}, fmt.Errorf("%w: -synthetic-generators: %v", ErrUsage, err)
	}
	s := midtrain.Settings{Replay: f.replay, Synthetic: f.synthetic, Generators: gens,
		JEPA: f.mid.jepa, Views: f.mid.views, Pairs: f.mid.pairs}
	if err := s.Validate(); err != nil {
		return s, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return s, nil
}

// midtrainCorpora loads the shipped mid-training data, with -data as the
// user's domain corpus in place of the shipped one, and tokenizes it.
func midtrainCorpora(f trainFlags, tok *tokenizer.Tokenizer, T int, log *progress) (*midtrain.Corpora, error) {
	d, err := stageData(f)
	if err != nil {
		return nil, err
	}
	if f.data != "" {
		log.phase("domain corpus: %s in place of the shipped code and knowledge base", f.data)
	}
	return d.MidCorpora(tok, T)
}

// lessonStepJSON is one line of `train -lesson ... -json`: a step of one
// of the lesson's runs.
type lessonStepJSON struct {
	Lesson string `json:"lesson"`
	Run    string `json:"run"`
	stepJSON
}

// lessonJSON is the last line of `train -lesson ... -json`.
type lessonJSON struct {
	Lesson     string                       `json:"lesson"`
	Results    map[string]midtrain.Result   `json:"results"` // by run label, "base" for the starting model
	Settings   map[string]midtrain.Settings `json:"settings"`
	Steps      int                          `json:"steps"`
	Reproduced bool                         `json:"reproduced"`
	Check      string                       `json:"check"`
}

// runLesson runs every run of a mid-training lesson from the -init model
// and prints the comparison: a Markdown table, the expected effect and
// whether it was reproduced.
func runLesson(ctx context.Context, fs *flag.FlagSet, f trainFlags, stdout, stderr io.Writer) error {
	s := f.settings
	if s.Stage != train.StageMidtrain {
		return fmt.Errorf("%w: -lesson is a mid-training lesson: use -stage midtrain", ErrUsage)
	}
	lesson, err := midtrain.LessonByName(f.mid.lesson)
	if err != nil {
		return fmt.Errorf("%w: -lesson: %v", ErrUsage, err)
	}
	if f.init == "" {
		return fmt.Errorf("%w: -lesson starts from a trained model: pass -init <checkpoint.safetensors>", ErrUsage)
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if !set["steps"] {
		s.Steps = lesson.Steps
	}
	log := newProgress(stderr, f.jsonOut)
	ck, err := loadCheckpoint(f.init)
	if err != nil {
		return err
	}
	// the batch and learning rate of the checkpoint's preset, unless given
	if p, err := model.PresetByName(ck.Info.Preset); err == nil {
		if !set["batch"] {
			s.Batch = p.Batch
		}
		if !set["lr"] {
			s.LR = p.LR
		}
	}
	fresh := func() (*model.GPT, error) { return ck.Model(cpu.New(nil)) }
	base, err := fresh()
	if err != nil {
		return err
	}
	c, err := midtrainCorpora(f, ck.Tokenizer, base.Config.MaxSeqLen, log)
	if err != nil {
		return err
	}
	log.phase("lesson %q: %s — %d runs of %d steps of %d×%d tokens at learning rate %g from %s", lesson.Name, lesson.Title,
		len(lesson.Runs), s.Steps, s.Batch, base.Config.MaxSeqLen, s.LR, f.init)
	out := lessonJSON{Lesson: lesson.Name, Results: map[string]midtrain.Result{}, Settings: map[string]midtrain.Settings{}, Steps: s.Steps}
	if out.Results["base"], err = midtrain.Measure(base, c, nil); err != nil {
		return err
	}
	log.phase("base: %s", formatMetrics(out.Results["base"]))
	jepaCos := map[string]float64{}
	for _, lr := range lesson.Runs {
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := fresh()
		if err != nil {
			return err
		}
		st, err := c.Stage(lr.Settings, m.Config.NEmbd)
		if err != nil {
			return err
		}
		run, err := st.NewRun(s, m, ck.Tokenizer)
		if err != nil {
			return err
		}
		log.phase("run %q: %s", lr.Label, st.About)
		for !run.Done() {
			if err := ctx.Err(); err != nil {
				return err
			}
			mt, err := run.Step()
			if err != nil {
				return err
			}
			if f.jsonOut {
				if err := writeLessonStep(stdout, lesson.Name, lr.Label, mt); err != nil {
					return err
				}
			}
			log.step(mt)
			if c, ok := mt.Extra["jepa_cos"]; ok {
				jepaCos[lr.Label] = c
			}
		}
		res, err := midtrain.Measure(m, c, st.JEPA)
		if err != nil {
			return err
		}
		out.Results[lr.Label], out.Settings[lr.Label] = res, lr.Settings
		log.phase("%s: %s", lr.Label, formatMetrics(res))
		if f.out != "" {
			path := lessonCheckpointPath(f.out, lr.Label)
			info := checkpoint.Info{Name: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)),
				Stage: s.Stage, Preset: ck.Info.Preset, Steps: s.Steps, Seed: s.Seed, Parent: f.init,
				Settings: map[string]any{"lesson": lesson.Name, "run": lr.Label, "midtrain": lr.Settings},
				Metrics: map[string]string{"domain_loss": fmt.Sprintf("%.4f", res[midtrain.MeasureDomain]),
					"general_loss": fmt.Sprintf("%.4f", res[midtrain.MeasureGeneral])}}
			if err := saveCheckpoint(path, m, ck.Tokenizer, info); err != nil {
				return err
			}
			log.phase("wrote %s", path)
		}
	}
	out.Reproduced, out.Check = lesson.Check(out.Results)
	if f.jsonOut {
		io.WriteString(stderr, lessonMarkdown(lesson, out, jepaCos))
		return writeJSON(stdout, out)
	}
	_, err = io.WriteString(stdout, lessonMarkdown(lesson, out, jepaCos))
	return err
}

func writeLessonStep(w io.Writer, lesson, label string, mt train.Metrics) error {
	return writeJSON(w, lessonStepJSON{Lesson: lesson, Run: label, stepJSON: stepOf(mt, nil)})
}

// lessonCheckpointPath names a lesson run's checkpoint after -out and the
// run's label: out.safetensors, "no replay" → out-no-replay.safetensors.
func lessonCheckpointPath(out, label string) string {
	slug := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, label)
	for strings.Contains(slug, "--") {
		slug = strings.ReplaceAll(slug, "--", "-")
	}
	ext := filepath.Ext(out)
	return strings.TrimSuffix(out, ext) + "-" + strings.Trim(slug, "-") + ext
}

// lessonMarkdown renders a lesson's results as a table (one row per run,
// the base model first), then the expected effect and the verdict.
func lessonMarkdown(l midtrain.Lesson, out lessonJSON, jepaCos map[string]float64) string {
	cols := []struct{ key, head string }{
		{midtrain.MeasureDomain, "domain loss"}, {midtrain.MeasureGeneral, "general loss"},
		{midtrain.MeasureFactsMid, "mid-train fact answer loss"}, {midtrain.MeasureFactsPre, "pre-train fact answer loss"},
		{midtrain.MeasureRecallMid, "mid-train facts recalled"}, {midtrain.MeasureRecallPre, "pre-train facts recalled"},
		{midtrain.MeasureRetrieval, "held-out pair retrieval"},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## %s (%d steps)\n\n| run |", l.Title, out.Steps)
	for _, c := range cols {
		fmt.Fprintf(&b, " %s |", c.head)
	}
	b.WriteString(" JEPA cos (last step) |\n|---|")
	for range cols {
		b.WriteString("---:|")
	}
	b.WriteString("---:|\n")
	labels := []string{"base"}
	for _, r := range l.Runs {
		labels = append(labels, r.Label)
	}
	for _, lab := range labels {
		fmt.Fprintf(&b, "| %s |", lab)
		res := out.Results[lab]
		for _, c := range cols {
			v := res[c.key]
			if strings.HasPrefix(c.key, "recall") || c.key == midtrain.MeasureRetrieval {
				fmt.Fprintf(&b, " %.0f%% |", 100*v)
			} else {
				fmt.Fprintf(&b, " %.3f |", v)
			}
		}
		if c, ok := jepaCos[lab]; ok {
			fmt.Fprintf(&b, " %.3f |\n", c)
		} else {
			b.WriteString(" – |\n")
		}
	}
	fmt.Fprintf(&b, "\nExpected: %s\n\n%s\n", l.Expect, out.Check)
	return b.String()
}
