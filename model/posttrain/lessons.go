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
// them. The Measured notes come from native runs from the shipped
// checkpoints (make checkpoints; tiny preset, seed 1): the stage tests of
// this package (go test -run 'Stage|SFTElicits' -v ./model/posttrain),
// the report card (web/checkpoints/report.md) and runs of the CLI, for
// example
//
//	go run ./app train -stage sft -init web/checkpoints/midtrained.safetensors \
//	    -steps 400 -lr 3e-4 -drop-end -out /tmp/sft-noend.safetensors
//	go run ./app eval -ckpt /tmp/sft-noend.safetensors
//	go run ./app train -preset tiny -seed 1 -stage distill -init web/checkpoints/sft.safetensors \
//	    -teacher web/checkpoints/teacher.safetensors -steps 60 -batch 16 -group 1 -lr 1e-3 \
//	    -eval-every 10 -heldout 64
//	go run ./app train -preset tiny -seed 1 -stage rl -init web/checkpoints/sft.safetensors \
//	    -steps 60 -batch 16 -lr 3e-4 -eval-every 10 -heldout 64
var Lessons = []Lesson{
	{
		Name: "sft-elicits", Title: "SFT teaches the format and elicits what pre-training put in",
		Settings: lessonSettings(train.StageSFT, 400, 8, 3e-4), Options: DefaultOptions(),
		Init: "midtrained", Signal: SignalOffPolicyDense,
		Watch:    []string{"format", "QA pre-train facts", "QA mid-train facts", "QA unseen facts", `unseen: "I don't know"`, `seen: "I don't know"`},
		Expect:   "Format compliance jumps: replies stop with <|end|> and math answers end with \\boxed{}. QA accuracy rises on facts the model read in pre- or mid-training although SFT never asked about them — SFT elicits knowledge — but not on facts it never read: there it guesses or says \"I don't know\".",
		Measured: "this run is the shipped sft checkpoint: format 0% -> 43%; QA on pre-training facts 0% -> 19% (6 of 31), mid-training facts 0% -> 6% (2 of 31), never-seen facts 0% right and 48% \"I don't know\"; general loss 1.20 -> 1.22. Seeds 2 and 3 of the same run: 42% and 19% on pre-training facts, 3% and 6% on mid-training facts, 0% on never-seen ones. Two choices make it elicit, both measured from the same mid-trained model. The chat template writes each turn as the pre-training pages' FAQs do (\"Q: ...\\nA: ...\" after <|user|>, package chat): the former template, <|user|> question <|end|> <|assistant|> answer, got 3% and 3% (1 of 31 each), and 0% with replay — a tiny model answers the way it read answers, and tokens it never read between question and answer cut that route. And a quarter of the rows replay pre-training text (the replay knob): with -replay 0, seeds 1-3 got 6%, 16%, 13% on pre-training facts (one never-seen fact right at seed 1), general loss 1.20 -> 1.69-1.76, but a higher format compliance, 78-81%: replay is paid for in format. Asked as the FAQ text itself, without the template (qa_seen_as_text in go run ./app eval -json), the base model answers 31% of the seen-fact questions and this SFT model 19%. Mid-training facts, read only in the knowledge base's pages and never as a question, are barely elicited, and the model still declines 35% of questions about facts it did read.",
	},
	{
		Name: "sft-no-end", Title: "The classic bug: <|end|> left out of the SFT mask",
		Settings: lessonSettings(train.StageSFT, 400, 8, 3e-4), Options: Options{Group: 8, Temperature: 1, MaxTokens: 40, FormatReward: 0.1, KL: 0.1, Beta: 0.1, Replay: DefaultReplay, DropEnd: true},
		Init: "midtrained", Signal: SignalOffPolicyDense,
		Watch:    []string{"format"},
		Expect:   "The same SFT run with the end-of-turn token outside the loss mask: the answers are learned, but no reply ever stops — each runs on to the length limit, and format compliance stays near zero.",
		Measured: "from the shipped mid-trained model, 400 steps at 3e-4 with a quarter of the rows replayed: format 0% with <|end|> out of the mask against 43% with it (\"What is 7 + 5? -> 5 + 3 = 11. \\boxed{11}boxed{1}box}box}box.ignaterAll64}...\" never stops), QA on pre-training facts 0% against 19% and \"I don't know\" on never-seen facts 0% against 48%; a toy model: 0% of replies terminated against 100%.",
	},
	{
		Name: "rl-math", Title: "RL with a verifiable reward raises the reward — and finds the cheapest way to",
		Settings: lessonSettings(train.StageRL, 60, 16, 3e-4), Options: DefaultOptions(),
		Init: "sft", Signal: SignalOnPolicySparse,
		Watch:    []string{MetricReward, MetricZeroVariance, MetricTopAnswer, MetricLength, MetricCutOff, MetricKL, "math", "math answers"},
		Expect:   "The mean reward and math accuracy rise above the SFT start, from nothing but a 0/1 check of the \\boxed{} answer. Groups where all G answers agree teach nothing (watch their share); the KL to the SFT model grows slowly. Watch \"math answers\" too: a policy can raise its reward by boxing the one number that is most often right, which is not arithmetic.",
		Measured: "at this size RL raises the reward by collapsing onto one answer. On 32 practised one-digit problems, 30 steps moved sampled accuracy 2.7% -> 7.0% and greedy 6% (3 different answers) -> 12.5% (2 answers), exactly what the best constant answer scores there; after 60 steps one answer for every problem. From the SFT start on fresh problems (the command in this file), 60 steps at 3e-4 end with one answer for all 135 held-out problems (add -heldout 0: math_answers 1, 5.9% right, and the closing sample boxes 8). Most groups are all wrong (zero variance: nothing to learn from). Without the KL penalty an earlier SFT model drifted within 12 steps to replies that never stop, every group's rewards equal, and never came back.",
	},
	{
		Name: "dpo-prefs", Title: "DPO moves preference accuracy",
		Settings: lessonSettings(train.StageDPO, 40, 8, 2e-4), Options: DefaultOptions(),
		Init: "sft", Signal: SignalOffPolicyDense,
		Watch:    []string{MetricRewardMargin, MetricRewardAcc, MetricDPOLoss, "DPO preference vs start", "preference"},
		Expect:   "The implicit reward margin grows, and DPO's preference accuracy rises on held-out pairs of the kinds a preference carries over to new questions (a reply that stops, a boxed answer, \"I don't know\" about what was never read) — but not where the chosen reply needs knowledge the model lacks (which fact, which sum).",
		Measured: "40 steps at 2e-4 (go run ./app train -preset tiny -seed 1 -stage dpo -init web/checkpoints/sft.safetensors -steps 40 -batch 8 -lr 2e-4 -eval-every 40): held-out implicit-reward accuracy 0 (ties) -> 74% (the report card's \"DPO preference vs start\" column); the raw-likelihood \"preference\" column 80% -> 82%: SFT had already settled most pairs of the kinds a preference carries over to (a reply that stops, a boxed answer, \"I don't know\"), and the pairs that need knowledge (which fact, which sum) stay near chance.",
	},
	{
		Name: "distill-vs-rl", Title: "On-policy distillation against RL from the same start",
		Settings: lessonSettings(train.StageDistill, 60, 16, 1e-3), Options: Options{Group: 1, Temperature: 1, MaxTokens: 40, FormatReward: 0.1, KL: 0.1, Beta: 0.1},
		Init: "sft", Teacher: "teacher", Signal: SignalOnPolicyDense,
		Watch:    []string{MetricReverseKL, MetricTopAnswer, "math", "math answers", "format"},
		Expect:   "Every sampled token gets the teacher's verdict, where RL gets one reward per completion, so distillation should move toward the teacher in fewer steps: the per-token reverse KL falls and the replies take the teacher's form. Whether the teacher's arithmetic follows is the question: watch \"math answers\" beside \"math\" — a student that boxes one number for every problem scores what that number happens to score.",
		Measured: "the teacher's form arrives, its arithmetic does not. On 64 held-out problems (TestStageDistillation) the reverse KL to the teacher on the student's own samples fell 4.14 -> 2.62 in 20 steps and format 42% -> 100%; but RL from the same start got there as fast (reverse KL 2.98, format 100% in 10 steps). Both then box one number for every problem: distillation \\boxed{1}, right for 9.4% of the 64 held-out problems, RL \\boxed{8}, 3%. Running distillation longer does not help: 300 steps at 3e-4 ended at 3-5%; taking the teacher's sampled token as the target instead of weighting the student's (forward KL, a probe) 4-8% over 240 steps with 27 different answers. Why: the teacher is weak (24% greedy on all 135 held-out problems, 19% sampled, wrong on 79% of the first 200 sums it trained on) and the student confidently wrong after a few steps — a sampled token's weight moves a probability already near 1 hardly at all, so the teacher's -20 on the student's \"}\" after \"\\boxed{1\" changes nothing. Supervised training on the teacher's data with the right answers (600 steps of 8) is what gave the teacher its 24%; 60 such steps of 16 from the SFT start give 10%, 240 give 17% (all 135 problems, greedy). A far stronger teacher does not change it: the teacher's command run 1500 steps of 16 reaches 59% (49 different answers), and distilling from it still ends on one answer (7.4%, the constant 1's score). What holds both methods back is the start: the SFT model ends only 43% of its math replies with a boxed answer, 12 different numbers over 135 problems (the report card's format and math answers), so the runs learn the form, then the number most often right, before any per-problem signal arrives.",
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
