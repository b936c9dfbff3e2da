// Package record defines the schema of every line of every tinystages
// dataset: one Go type per JSONL format, with the rules a line must satisfy.
//
// The generators write these types and the loader (package load) reads them
// back, so the two can never disagree about a field name. The formats follow
// the Hugging Face TRL conventions where one exists: SFT examples are
// {"messages":[{"role":...,"content":...}]}, preference pairs are
// {"prompt","chosen","rejected"}, RL prompts are {"prompt","answer"}.
//
// Every type implements Record. Unknown extra fields are allowed on input
// (TRL datasets often carry extra columns) and ignored.
package record
