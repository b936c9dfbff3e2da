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
// measured natively (see Lessons for how).
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
// them. The Measured notes come from native runs of the CLI with stand-in
// checkpoints of the tiny preset (base: 1,500 pre-training steps, not
// mid-trained; sft: base + 400 SFT steps at 1e-3; teacher: sft + 900
// steps of math SFT at 1e-3), for example
//
//	go run ./app train -stage distill -init sft.safetensors -teacher teacher.safetensors \
//	    -steps 200 -batch 16 -group 1 -lr 1e-3 -eval-every 25
//
// (-eval-every prints held-out accuracy along the way); re-measure them
// with the shipped checkpoints.
var Lessons = []Lesson{
	{
		Name: "sft-elicits", Title: "SFT teaches the format and elicits what pre-training put in",
		Settings: lessonSettings(train.StageSFT, 400, 8, 1e-3), Options: DefaultOptions(),
		Init: "midtrained", Signal: SignalOffPolicyDense,
		Watch:    []string{"format compliance", "QA pre-train facts", "QA mid-train facts", "QA unseen facts"},
		Expect:   "Format compliance jumps: replies stop with <|end|> and math answers end with \\boxed{}. QA accuracy rises on facts the model read in pre- or mid-training although SFT never asked about them — SFT elicits knowledge — but not on facts it never read: there it guesses or says \"I don't know\".",
		Measured: "format 0% -> 40%; QA on pre-training facts 0% -> 3%, mid-training facts 0% -> 0% (the stand-in base was not mid-trained), never-seen facts 0% right and 76% \"I don't know\"; loss on raw web text 1.45 -> 4.65 (SFT forgets).",
	},
	{
		Name: "sft-no-end", Title: "The classic bug: <|end|> left out of the SFT mask",
		Settings: lessonSettings(train.StageSFT, 400, 8, 1e-3), Options: Options{Group: 8, Temperature: 1, MaxTokens: 40, FormatReward: 0.1, KL: 0.1, Beta: 0.1, DropEnd: true},
		Init: "midtrained", Signal: SignalOffPolicyDense,
		Watch:    []string{"format compliance"},
		Expect:   "The same SFT run with the end-of-turn token outside the loss mask: the answers are learned, but no reply ever stops — each runs on to the length limit, and format compliance stays near zero.",
		Measured: "format 0% with <|end|> out of the mask against 40% with it (\"7 + 5 = 7. \\boxed{7}7}7}7}...\" never stops); a toy model: 0% of replies terminated against 100%.",
	},
	{
		Name: "rl-math", Title: "RL with a verifiable reward raises math accuracy beyond SFT",
		Settings: lessonSettings(train.StageRL, 200, 16, 1e-4), Options: DefaultOptions(),
		Init: "sft", Signal: SignalOnPolicySparse,
		Watch:    []string{MetricReward, MetricZeroVariance, MetricLength, MetricCutOff, MetricKL, "math"},
		Expect:   "The mean reward and held-out math accuracy rise above the SFT start, from nothing but a 0/1 check of the \\boxed{} answer. Groups where all G answers agree teach nothing (watch their share); the KL to the SFT model grows slowly.",
		Measured: "slow at this size: from an SFT model with 0% math, 100 steps at 1e-4 with KL 0.1 moved held-out math 0% -> 2% (64 problems; 3% at 50 steps); on 32 practised problems 30 steps at 3e-4 moved sampled accuracy 4% -> 8%. At 3e-4 without the KL penalty the model drifted within 12 steps to replies that never stop, every group's rewards equal, and never came back.",
	},
	{
		Name: "dpo-prefs", Title: "DPO moves preference accuracy",
		Settings: lessonSettings(train.StageDPO, 100, 8, 2e-4), Options: DefaultOptions(),
		Init: "sft", Signal: SignalOffPolicyDense,
		Watch:    []string{MetricRewardMargin, MetricRewardAcc, MetricDPOLoss, "preference"},
		Expect:   "The implicit reward margin grows and the model comes to prefer the chosen reply on held-out pairs it never trained on: preference accuracy rises.",
		Measured: "the implicit reward margin and accuracy rise on training pairs, but held-out preference accuracy moved 66% -> 64% (245 pairs, 100 steps): the held-out facts and problems are unseen, and the one kind that generalises (a reply that stops over one that rambles) was already 100% after SFT. A lr of 1e-3 pushed both replies' likelihoods down by tens of nats.",
	},
	{
		Name: "distill-vs-rl", Title: "On-policy distillation reaches the teacher in fewer steps than RL",
		Settings: lessonSettings(train.StageDistill, 50, 16, 1e-3), Options: Options{Group: 1, Temperature: 1, MaxTokens: 40, FormatReward: 0.1, KL: 0.1, Beta: 0.1},
		Init: "sft", Teacher: "teacher", Signal: SignalOnPolicyDense,
		Watch:    []string{MetricReverseKL, "math"},
		Expect:   "The per-token reverse KL to the teacher falls and math accuracy climbs toward the teacher's in a fraction of the steps RL needs from the same start: every sampled token gets a verdict instead of one reward per completion. It wins where the reward is sparse (most groups all wrong); where the student already samples right answers, RL's reward finds them as fast.",
		Measured: "teacher 20% held-out math, student 0%: distillation reached 9% (44% of the gap) in 25 steps, then wandered (3-8%) at 1e-3 and ended at 8% after 200; RL from the same start reached 2-3% in 100 steps at 1e-4. A third of the gap: distillation 25 steps, RL not within 100 (a ratio above 4). Format compliance 40% -> 100% within 40 steps either way.",
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
