// Package posttrain holds the four post-training objectives of tinystages
// as producers of weighted batches (train.Producer): supervised
// fine-tuning (SFT), reinforcement learning with a verifiable reward
// (GRPO), direct preference optimisation (DPO) and on-policy distillation
// from a teacher.
//
// The model has one loss, sum_t w_t·CE(logits_t, target_t) / Norm, and
// every objective here is nothing but a rule for the weights w_t (the
// table of DESIGN.md):
//
//	objective      where the tokens come from     weight of target token t
//	SFT            the dataset (off-policy)       1 on the assistant's tokens and their <|end|>, 0 on the prompt
//	RL (GRPO)      sampled from the model         the completion's group-normalised advantage (− β·k1 with a KL penalty)
//	DPO            the dataset (off-policy)       +w on chosen tokens, −w on rejected, w = β·σ(−β·margin)
//	distillation   sampled from the student       −(log p_student(t) − log p_teacher(t))
//
// A positive weight pushes the token's probability up, a negative weight
// pushes it down, and the size of the weight says how hard: minimising
// w·CE = −w·log p moves log p in the direction of w. So a weighted
// cross-entropy is a policy-gradient step when the tokens were sampled by
// the model and w is an advantage, and it is DPO's exact gradient when w
// is DPO's per-pair coefficient. The weights are computed from the
// model's current numbers and then held constant (a stop-gradient), as in
// the papers' gradients.
//
// Where the signal comes from differs: SFT and DPO learn from fixed data
// (off-policy, dense: every token of the reply carries weight); GRPO
// learns from the model's own samples and one number per completion
// (on-policy, sparse); distillation learns from the model's own samples
// and a teacher's verdict on every token (on-policy, dense).
//
// Each producer reports what practitioners watch (train.Reporter): GRPO
// the mean reward, the format reward, the share of groups whose rewards
// do not vary, completion length, the share cut off at the length limit
// and the KL to a reference; DPO its loss, implicit reward margin and
// accuracy; distillation the mean per-token reverse KL to the teacher,
// with per-token values for a heatmap.
//
// Lessons lists the ready-made experiments the UI offers, each with the
// effect it is expected to show and the numbers measured natively.
package posttrain
