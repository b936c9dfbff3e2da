package ui

import "sync"

// The still of the pre-training chart that an embed shows before it runs:
// a real run, recorded natively with
//
//	go run ./app train -stage pretrain -preset nano -steps 300 -seed 1 -json
//
// (the training loss every 10 steps and the validation loss every 25). It
// is drawn by the same LineChart as the live chart, so the preview looks
// like what the reader will get.
var (
	previewTrain = []Point{{1, 6.927}, {10, 6.626}, {20, 5.991}, {30, 5.857}, {40, 5.754}, {50, 5.564}, {60, 5.566}, {70, 5.552}, {80, 5.346}, {90, 5.355}, {100, 5.024}, {110, 5.109}, {120, 4.902}, {130, 5.076}, {140, 4.800}, {150, 4.696}, {160, 4.674}, {170, 4.545}, {180, 4.368}, {190, 4.610}, {200, 4.626}, {210, 4.666}, {220, 4.516}, {230, 4.117}, {240, 4.304}, {250, 4.249}, {260, 4.368}, {270, 4.555}, {280, 4.278}, {290, 4.154}, {300, 4.165}}
	previewVal   = []Point{{1, 6.912}, {25, 5.990}, {50, 5.683}, {75, 5.413}, {100, 5.171}, {125, 4.949}, {150, 4.764}, {175, 4.615}, {200, 4.486}, {225, 4.411}, {250, 4.340}, {275, 4.295}, {300, 4.263}}
)

const previewCaption = "A nano model's loss over 300 steps of pre-training, recorded: " +
	"from ln 1024 ≈ 6.9 (a uniform guess) to about 4.2. Press play to train one yourself."

var previewChart = sync.OnceValue(func() string {
	return LineChart("Recorded loss of a nano pre-training run: training and validation", "step", "",
		[]Series{
			{Name: "training loss", Class: "s0", Points: previewTrain},
			{Name: "validation loss", Class: "s1", Points: previewVal},
		}, 300, 640, 240)
})
