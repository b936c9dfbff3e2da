package pretrain

import (
	"strings"
	"testing"

	"tinystages/datasets/internal/rng"
)

func TestTypos(t *testing.T) {
	r := rng.New(1, "t")
	in := "Kadis Thaska said the battery lasted 12 hours, which seemed rather short"
	changed := 0
	for range 50 {
		out := typos(r, in, 0.5)
		for _, keep := range []string{"Kadis", "Thaska", "12", "hours,", "the"} {
			if !strings.Contains(out, keep) {
				t.Fatalf("typos changed %q: %q", keep, out)
			}
		}
		if out != in {
			changed++
		}
	}
	if changed == 0 {
		t.Error("typos never changed anything")
	}
}
