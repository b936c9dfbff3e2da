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
//	go run ./app train -preset tiny -seed 1 -stage rl -init web/checkpoints/sft.safetensors \
//	    -steps 60 -batch 16 -lr 3e-4 -eval-every 10 -heldout 64
//	go run ./app train -preset tiny -seed 1 -stage distill -init web/checkpoints/student.safetensors \
//	    -teacher web/checkpoints/teacher.safetensors -steps 60 -batch 16 -group 1 -lr 3e-4 \
//	    -eval-every 2 -heldout 64
//	go run ./app train -preset tiny -seed 1 -stage rl -init web/checkpoints/student.safetensors \
//	    -steps 60 -batch 16 -lr 3e-4 -eval-every 5 -heldout 64
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
		Measured: "at this size RL raises the reward by collapsing onto one answer. On 32 practised one-digit problems, 30 steps moved sampled accuracy 2.7% -> 7.0% and greedy 6% (3 different answers) -> 12.5% (2 answers), exactly what the best constant answer scores there; after 60 steps one answer for every problem. From the SFT start on fresh problems (the command in this file), 60 steps at 3e-4 end with one answer for all 135 held-out problems (add -heldout 0: math_answers 1, 5.9% right, and the closing sample boxes 8). Most groups are all wrong (zero variance: nothing to learn from). Without the KL penalty an earlier SFT model drifted within 12 steps to replies that never stop, every group's rewards equal, and never came back. From a start that sometimes gets the sums right, RL raises accuracy for real (rl-recover).",
	},
	{
		Name: "rl-recover", Title: "RL raises math accuracy when the model can sometimes get it right",
		Settings: lessonSettings(train.StageRL, 60, 16, 3e-4), Options: DefaultOptions(),
		Init: "student", Signal: SignalOnPolicySparse,
		Watch:    []string{MetricReward, MetricZeroVariance, MetricTopAnswer, "math", "math answers", "format"},
		Expect:   "The same RL from the shipped student, the teacher after a chat tune that wore most of its arithmetic away: now some of each group's samples are right, groups vary, and the reward that rises is arithmetic — math accuracy rises with many different answers, not one.",
		Measured: "on 64 held-out problems (the RL command from the student in this file): sampled accuracy 5.9% -> 26% after 15 steps, 32% after 35, 36% after 60; greedy 19% (17 different answers, format 50%) -> 34% (31 answers, format 100%) after 60 — the best constant answer scores 9.4% there. The teacher it forgot them from: 59% sampled. At 1e-3 RL fell back to 8% by step 40; with groups of 4 in place of 8 it reached 33% after 40 steps. Distillation from the same start gets there in a tenth of the steps (distill-vs-rl).",
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
		Name: "distill-vs-rl", Title: "On-policy distillation against RL: recovering the math a chat tune wore away",
		Settings: lessonSettings(train.StageDistill, 60, 16, 3e-4), Options: Options{Group: 1, Temperature: 1, MaxTokens: 40, FormatReward: 0.1, KL: 0.1, Beta: 0.1},
		Init: "student", Teacher: "teacher", Signal: SignalOnPolicyDense,
		Watch:    []string{MetricReward, MetricReverseKL, MetricTopAnswer, "math", "math answers", "format"},
		Expect:   "The student is the teacher after a chat tune without math: it forgot most of its arithmetic and half its format — the case on-policy distillation is for, a skill a later fine-tune wore away, recovered from the model that had it. Every sampled token gets the teacher's verdict, where RL gets one reward per completion, so distillation closes most of the gap to the teacher in a few steps; RL from the same start, at the same learning rate and rows per step, gets there several times slower.",
		Measured: "on 64 held-out problems (4 samples each; the CLI commands in this file), the student's sampled accuracy is 5.9% (greedy 19%, format 50%) and the teacher's 58.6% (greedy 61%). Distillation: 34% after 4 steps, 42% after 10, 49% after 20 (greedy 50%, 30 different answers), 51% after 60 (greedy 59%): half the gap at step 4, two thirds at step 10. RL from the same start, 16 rows a step at 3e-4: 17% after 5 steps, 25% after 20, 32% after 35, 36% after 60: half the gap at step 35, two thirds not in 60. Half the gap in 4 steps against 35 (TestStageDistillation, measuring every 10 steps: 10 against 40). Both restore the format within 10-20 steps; what RL lacks is a signal on the digits: a completion earns one number, and most of a group's completions are wrong the same way. From the shipped SFT model instead, which never learned the arithmetic, neither method learns it in a lesson's steps: both end up boxing one number for every problem (with the former, weaker teacher distillation boxed 1 for all 64, right for 9.4% of them; see the rl-math lesson), which is what the report card's \"math answers\" column is for.",
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
