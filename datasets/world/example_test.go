package world_test

import (
	"fmt"

	"tinystages/datasets/world"
)

// Scoring a model's reply to an evaluation question: find the fact the
// question asks about, then compare by exact match after normalisation.
func ExampleWorld_Lookup() {
	w := world.Generate(1)
	f := w.Facts[0]
	q := f.Question(0)
	got, ok := w.Lookup(q)
	fmt.Println(ok, got == f)
	fmt.Println(world.Match(" the "+f.Answer+". ", f.Answer), world.IsIDK("I don't know."))
	// Output:
	// true true
	// true true
}

func ExampleNormalize() {
	fmt.Printf("%q\n", world.Normalize("  The Dravin   Ford. "))
	fmt.Printf("%q\n", world.Normalize("1,200"))
	// Output:
	// "dravin ford"
	// "1200"
}
