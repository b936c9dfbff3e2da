package load

import (
	"fmt"

	"tinystages/datasets/record"
)

// Format names, as they appear in the manifest's "format" field. Each names
// one record type.
const (
	FormatDocument   = "document"   // record.Document: pre-training pages
	FormatCode       = "code"       // record.CodeDoc: mid-training source files
	FormatKB         = "kb"         // record.KBDoc: knowledge-base pages
	FormatSynthetic  = "synthetic"  // record.Synthetic: structure-derived items
	FormatSFT        = "sft"        // record.Example: chat messages
	FormatMath       = "math"       // record.MathProblem: prompt and answer
	FormatPreference = "preference" // record.Preference: prompt, chosen, rejected
	FormatQA         = "qa"         // record.QA: question, answer, fact, seen
	FormatFact       = "fact"       // record.Fact: the world's facts and their placement
	FormatText       = "text"       // record.Text: any object with "text"
)

// Documents parses a pre-training file.
func Documents(file string, data []byte) ([]record.Document, error) {
	return Parse[record.Document](file, data)
}

// CodeDocs parses a mid-training code file.
func CodeDocs(file string, data []byte) ([]record.CodeDoc, error) {
	return Parse[record.CodeDoc](file, data)
}

// KBDocs parses a knowledge-base file.
func KBDocs(file string, data []byte) ([]record.KBDoc, error) {
	return Parse[record.KBDoc](file, data)
}

// Synthetics parses a structure-derived synthetic file.
func Synthetics(file string, data []byte) ([]record.Synthetic, error) {
	return Parse[record.Synthetic](file, data)
}

// Examples parses an SFT file in TRL's messages format.
func Examples(file string, data []byte) ([]record.Example, error) {
	return Parse[record.Example](file, data)
}

// MathProblems parses a math (or RL prompt) file.
func MathProblems(file string, data []byte) ([]record.MathProblem, error) {
	return Parse[record.MathProblem](file, data)
}

// Preferences parses a preference-pair file.
func Preferences(file string, data []byte) ([]record.Preference, error) {
	return Parse[record.Preference](file, data)
}

// QAs parses a QA evaluation file.
func QAs(file string, data []byte) ([]record.QA, error) {
	return Parse[record.QA](file, data)
}

// Facts parses facts.jsonl.
func Facts(file string, data []byte) ([]record.Fact, error) {
	return Parse[record.Fact](file, data)
}

// Check validates data as a file of the given format and returns its number
// of records.
func Check(format, file string, data []byte) (int, error) {
	switch format {
	case FormatDocument:
		return count(Documents(file, data))
	case FormatCode:
		return count(CodeDocs(file, data))
	case FormatKB:
		return count(KBDocs(file, data))
	case FormatSynthetic:
		return count(Synthetics(file, data))
	case FormatSFT:
		return count(Examples(file, data))
	case FormatMath:
		return count(MathProblems(file, data))
	case FormatPreference:
		return count(Preferences(file, data))
	case FormatQA:
		return count(QAs(file, data))
	case FormatFact:
		return count(Facts(file, data))
	case FormatText:
		return count(Parse[record.Text](file, data))
	}
	return 0, &ParseError{File: file, Err: fmt.Errorf("%w: unknown format %q", ErrUnsupported, format)}
}

func count[T any](recs []T, err error) (int, error) { return len(recs), err }
