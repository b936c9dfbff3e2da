package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"tinystages/model/cpu"
	"tinystages/model/eval"
)

// listFlag is a repeatable string flag that also splits on commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*l = append(*l, x)
		}
	}
	return nil
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	var ckpts listFlag
	fs.Var(&ckpts, "ckpt", "checkpoint(s) to evaluate (.safetensors; repeat the flag or separate with commas), one report card row each")
	datasets := fs.String("datasets", DefaultDatasets, "folder of the shipped datasets")
	jsonOut := fs.Bool("json", false, "print the rows as JSON")
	csvOut := fs.Bool("csv", false, "print the card as CSV instead of Markdown")
	quick := fs.Bool("quick", false, "evaluate on a subset (8 questions per QA set, 24 math problems, 32 preference pairs)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(ckpts) == 0 {
		return fmt.Errorf("%w: eval needs -ckpt <file.safetensors>", ErrUsage)
	}
	data, err := eval.LoadData(func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(*datasets, name)) })
	if err != nil {
		return fmt.Errorf("eval: %w (build the datasets first: make datasets)", err)
	}
	lim := eval.Limits{}
	if *quick {
		lim = eval.Limits{QA: 8, Math: 24, Prefs: 32, WindowsPerSource: 4}
	}
	log := newProgress(stderr, *jsonOut)
	var card eval.Card
	for _, path := range ckpts {
		if err := ctx.Err(); err != nil {
			return err
		}
		ck, err := loadCheckpoint(path)
		if err != nil {
			return err
		}
		m, err := ck.Model(cpu.New(nil))
		if err != nil {
			return err
		}
		name := ck.Info.Name
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		}
		suite := eval.NewSuite(ck.Tokenizer, m.Config.MaxSeqLen, data, lim)
		log.phase("evaluating %s", path)
		row, err := suite.Evaluate(name, m, nil)
		if err != nil {
			return fmt.Errorf("eval %s: %w", path, err)
		}
		card.Add(row)
	}
	switch {
	case *jsonOut:
		b, err := json.MarshalIndent(card.Rows, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	case *csvOut:
		_, err := io.WriteString(stdout, card.CSV())
		return err
	}
	_, err = io.WriteString(stdout, card.Markdown())
	return err
}
