package posttrain_test

import (
	"fmt"

	"tinystages/model/posttrain"
)

// A group of four completions of one problem, one of them right: the
// right one is pushed up hard, the three wrong ones down a little. A
// group that is all right teaches nothing.
func ExampleGroupAdvantages() {
	rewards := []float64{1, 0, 0, 0, 1, 1, 1, 1}
	adv := make([]float64, len(rewards))
	zero := posttrain.GroupAdvantages(adv, rewards, 4)
	fmt.Printf("%.2f\n%d group without signal\n", adv, zero)
	// Output:
	// [1.73 -0.58 -0.58 -0.58 0.00 0.00 0.00 0.00]
	// 1 group without signal
}

// A pair the policy already separates a little better than the reference
// (margin 2 nats, β = 0.1): the loss is below ln 2 and the weight on its
// tokens, +w on the chosen reply and −w on the rejected one, below β/2.
func ExampleDPOLoss() {
	loss, w := posttrain.DPOLoss(0.1, 2)
	fmt.Printf("loss %.4f, weight ±%.4f\n", loss, w)
	// Output:
	// loss 0.5981, weight ±0.0450
}
