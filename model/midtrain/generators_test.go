//go:build !wasm

package midtrain

import (
	"slices"
	"testing"

	dsmid "tinystages/datasets/midtrain"
)

// TestGeneratorsMatchDatasets: the generator names repeated here are
// those the dataset builder writes.
func TestGeneratorsMatchDatasets(t *testing.T) {
	if !slices.Equal(Generators, dsmid.Generators) {
		t.Errorf("Generators = %v, datasets/midtrain writes %v", Generators, dsmid.Generators)
	}
}
