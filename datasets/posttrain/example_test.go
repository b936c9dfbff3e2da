package posttrain_test

import (
	"fmt"

	"tinystages/datasets/posttrain"
)

// The RL stage draws problems from a seeded generator and rewards a
// completion by its last \boxed{} answer.
func ExampleMathGen() {
	g := posttrain.NewMathGen(1)
	p := g.NextLevel(posttrain.LevelAddOne)
	completion := posttrain.Solution(p) + "<|end|>"
	grade := posttrain.Check(completion, p.Answer, false)
	fmt.Println(grade.Correct, grade.Formatted, posttrain.Reward(completion, p.Answer))
	// Output: true true 1
}

func ExampleCheck() {
	g := posttrain.Check(`5 + 3 = 8, minus 2 is 6. \boxed{06}`, "6", true)
	fmt.Printf("boxed %q correct %v formatted %v\n", g.Boxed, g.Correct, g.Formatted)
	g = posttrain.Check(`\boxed{6} and then I kept talking`, "6", false)
	fmt.Printf("boxed %q correct %v formatted %v\n", g.Boxed, g.Correct, g.Formatted)
	// Output:
	// boxed "06" correct true formatted true
	// boxed "6" correct true formatted false
}
