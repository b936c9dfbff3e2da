package posttrain

import (
	"tinystages/model/train"
)

// Signals: where an objective's learning signal comes from.
const (
	SignalOffPolicyDense = "off-policy, dense" // fixed data, every reply token weighted (SFT, DPO)
	SignalOnPolicySparse = "on-policy, sparse" // own samples, one reward per completion (RL)
	SignalOnPolicyDense  = "on-policy, dense"  // own samples, a teacher's verdict per token (distillation)
)

// Lesson is a ready-made post-training experiment, as the UI offers it: a
// stage run from a shipped checkpoint with given settings, the metric to
// watch and the effect it is expected to show, in words, with the numbers
// measured natively (the command that measured them is in Measured).
type Lesson struct {
	Name     string         `json:"name"`  // stable id, used in URLs
	Title    string         `json:"title"` // one line for a menu
	Settings train.Settings `json:"settings"`
	Options  Options        `json:"options"`
	// Init is the shipped checkpoint the run starts from (web/checkpoints/<Init>.safetensors);
	// Teacher the teacher's, for distillation.
	Init    string `json:"init"`
	Teacher string `json:"teacher,omitempty"`
	Signal  string `json:"signal"`
	// Watch lists the metrics that show the effect: keys of the
	// producer's report (Metric*) or report-card columns.
	Watch    []string `json:"watch"`
	Expect   string   `json:"expect"`   // the expected effect, in words
	Measured string   `json:"measured"` // what a native run measured
}

// Lessons are the post-training experiments, in the order a course takes
// them.
var Lessons = []Lesson{
	{
		Name: "sft-elicits", Title: "SFT teaches the format and elicits what pre-training put in",
		Settings: lessonSettings(train.StageSFT, 300, 8, 2e-3), Options: DefaultOptions(),
		Init: "base", Signal: SignalOffPolicyDense,
		Watch:  []string{"format compliance", "QA pre-train facts", "QA mid-train facts", "QA unseen facts"},
		Expect: "Format compliance jumps: replies stop with <|end|> and math answers end with \\boxed{}. QA accuracy rises on facts the model read in pre- or mid-training although SFT never asked about them — SFT elicits knowledge — but not on facts it never read: there it guesses or says \"I don't know\".",
	},
	{
		Name: "sft-no-end", Title: "The classic bug: <|end|> left out of the SFT mask",
		Settings: lessonSettings(train.StageSFT, 300, 8, 2e-3), Options: Options{Group: 8, Temperature: 1, MaxTokens: 40, Beta: 0.1, DropEnd: true},
		Init: "base", Signal: SignalOffPolicyDense,
		Watch:  []string{"format compliance"},
		Expect: "The same SFT run with the end-of-turn token outside the loss mask: the answers are learned, but no reply ever stops — each runs on to the length limit, and format compliance stays near zero.",
	},
	{
		Name: "rl-math", Title: "RL with a verifiable reward raises math accuracy beyond SFT",
		Settings: lessonSettings(train.StageRL, 200, 16, 1e-3), Options: DefaultOptions(),
		Init: "sft", Signal: SignalOnPolicySparse,
		Watch:  []string{MetricReward, MetricZeroVariance, MetricLength, MetricCutOff, MetricKL, "math"},
		Expect: "The mean reward and held-out math accuracy rise above the SFT start, from nothing but a 0/1 check of the \\boxed{} answer. Groups where all G answers agree teach nothing (watch their share); the KL to the SFT model grows slowly.",
	},
	{
		Name: "dpo-prefs", Title: "DPO moves preference accuracy",
		Settings: lessonSettings(train.StageDPO, 150, 8, 1e-3), Options: DefaultOptions(),
		Init: "sft", Signal: SignalOffPolicyDense,
		Watch:  []string{MetricRewardMargin, MetricRewardAcc, MetricDPOLoss, "preference"},
		Expect: "The implicit reward margin grows and the model comes to prefer the chosen reply on held-out pairs it never trained on: preference accuracy rises.",
	},
	{
		Name: "distill-vs-rl", Title: "On-policy distillation reaches the teacher in fewer steps than RL",
		Settings: lessonSettings(train.StageDistill, 100, 16, 1e-3), Options: DefaultOptions(),
		Init: "sft", Teacher: "teacher", Signal: SignalOnPolicyDense,
		Watch:  []string{MetricReverseKL, "math"},
		Expect: "The per-token reverse KL to the teacher falls and math accuracy climbs toward the teacher's in a fraction of the steps RL needs from the same start: every sampled token gets a verdict instead of one reward per completion.",
	},
}

func lessonSettings(stage string, steps, batch int, lr float32) train.Settings {
	s := train.DefaultSettings(stage, "tiny")
	s.Steps, s.Batch, s.LR = steps, batch, lr
	return s
}

// LessonByName returns the lesson called name.
func LessonByName(name string) (Lesson, bool) {
	for _, l := range Lessons {
		if l.Name == name {
			return l, true
		}
	}
	return Lesson{}, false
}
