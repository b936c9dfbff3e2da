package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"

	"tinystages/model/cpu"
	"tinystages/model/train"
)

// evalResult is what `eval` prints. The full report card (QA by where a
// fact was seen, math, format, preference) arrives with the mid-training
// issue; until then eval measures the general validation loss.
type evalResult struct {
	Checkpoint  string             `json:"checkpoint"`
	Stage       string             `json:"stage,omitempty"`
	Params      int                `json:"params"`
	ValLoss     float64            `json:"val_loss"`
	BitsPerByte float64            `json:"bits_per_byte"`
	ValBySource map[string]float64 `json:"val_by_source"`
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	ckpt := fs.String("ckpt", "", "checkpoint to evaluate (.safetensors)")
	datasets := fs.String("datasets", DefaultDatasets, "folder of the shipped datasets")
	jsonOut := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *ckpt == "" {
		return fmt.Errorf("%w: eval needs -ckpt <file.safetensors>", ErrUsage)
	}
	ck, err := loadCheckpoint(*ckpt)
	if err != nil {
		return err
	}
	m, err := ck.Model(cpu.New(nil))
	if err != nil {
		return err
	}
	evalDocs, err := readDocuments(filepath.Join(*datasets, "pretrain.eval.jsonl"))
	if err != nil {
		return fmt.Errorf("eval: %w (build the datasets first: make datasets)", err)
	}
	c := train.Tokenize(ck.Tokenizer, evalDocs, nil)
	val := train.NewValSet(c, m.Config.MaxSeqLen, 8)
	loss, by, err := val.Loss(m, 8)
	if err != nil {
		return err
	}
	tokens := len(val.Windows) * m.Config.MaxSeqLen
	r := evalResult{Checkpoint: *ckpt, Stage: ck.Info.Stage, Params: m.Config.NumParams(),
		ValLoss: loss, BitsPerByte: loss * float64(tokens) / float64(val.Bytes) / math.Ln2, ValBySource: by}
	if *jsonOut {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	fmt.Fprintf(stdout, "%s (%s, %d parameters): val loss %.4f, %.3f bits per byte\n", r.Checkpoint, r.Stage, r.Params, r.ValLoss, r.BitsPerByte)
	for _, src := range val.SourceNames() {
		fmt.Fprintf(stdout, "  %-14s %.4f\n", src, by[src])
	}
	return nil
}
