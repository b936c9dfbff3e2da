package eval

import (
	"tinystages/datasets/load"
	"tinystages/model/train"
)

// Files are the shipped dataset files a full evaluation reads.
var Files = struct {
	General, Code, KB, Math, Prefs, Facts string
	QA                                    []string
}{
	General: "pretrain.eval.jsonl",
	Code:    "code.eval.jsonl",
	KB:      "kb.eval.jsonl",
	Math:    "math.eval.jsonl",
	Prefs:   "preference.eval.jsonl",
	Facts:   "facts.jsonl",
	QA:      []string{"qa-pretrain.eval.jsonl", "qa-midtrain.eval.jsonl", "qa-never.eval.jsonl"},
}

// LoadData reads the evaluation files through read (os.ReadFile on a
// datasets folder natively, fetch in the browser). Any file that fails to
// read or parse fails the whole load.
func LoadData(read func(name string) ([]byte, error)) (Data, error) {
	var d Data
	get := func(name string) ([]byte, error) { return read(name) }
	data, err := get(Files.General)
	if err != nil {
		return d, err
	}
	docs, err := load.Documents(Files.General, data)
	if err != nil {
		return d, err
	}
	for _, x := range docs {
		d.General = append(d.General, train.Doc{Source: x.Source, Quality: x.Quality, Text: []byte(x.Text)})
	}
	if data, err = get(Files.Code); err != nil {
		return d, err
	}
	code, err := load.CodeDocs(Files.Code, data)
	if err != nil {
		return d, err
	}
	for _, x := range code {
		d.Domain = append(d.Domain, train.Doc{Source: "code", Quality: 1, Text: []byte(x.Text)})
	}
	if data, err = get(Files.KB); err != nil {
		return d, err
	}
	kb, err := load.KBDocs(Files.KB, data)
	if err != nil {
		return d, err
	}
	for _, x := range kb {
		d.Domain = append(d.Domain, train.Doc{Source: "kb", Quality: 1, Text: []byte(x.Text)})
	}
	for _, f := range Files.QA {
		if data, err = get(f); err != nil {
			return d, err
		}
		qa, err := load.QAs(f, data)
		if err != nil {
			return d, err
		}
		d.QA = append(d.QA, qa...)
	}
	if data, err = get(Files.Math); err != nil {
		return d, err
	}
	if d.Math, err = load.MathProblems(Files.Math, data); err != nil {
		return d, err
	}
	if data, err = get(Files.Prefs); err != nil {
		return d, err
	}
	if d.Prefs, err = load.Preferences(Files.Prefs, data); err != nil {
		return d, err
	}
	if data, err = get(Files.Facts); err != nil {
		return d, err
	}
	if d.Facts, err = load.Facts(Files.Facts, data); err != nil {
		return d, err
	}
	return d, nil
}
