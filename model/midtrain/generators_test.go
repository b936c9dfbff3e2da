//go:build !wasm

package midtrain

import (
	"slices"
	"testing"

	"tinystages/datasets/datasetstest"
	"tinystages/datasets/load"
)

// TestGeneratorsMatchDatasets: the shipped synthetic data holds items of
// every generator the settings offer, and of no other.
func TestGeneratorsMatchDatasets(t *testing.T) {
	name := "synthetic.train.jsonl"
	data := datasetstest.Read(t, "../../web/datasets/"+name, "make datasets")
	items, err := load.Synthetics(name, data)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, it := range items {
		if !slices.Contains(seen, it.Generator) {
			seen = append(seen, it.Generator)
		}
	}
	slices.Sort(seen)
	want := slices.Sorted(slices.Values(Generators))
	if !slices.Equal(seen, want) {
		t.Errorf("%s has generators %v, the settings offer %v", name, seen, want)
	}
}
