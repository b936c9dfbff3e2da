package posttrain

import "math"

// GroupAdvantages writes into dst the advantages of GRPO: rewards holds
// consecutive groups of G completions of one prompt each, and each
// reward becomes (r − mean) / std over its group (std of the group
// itself, not a sample estimate), so that a group's advantages have mean
// 0 and mean square 1. A group whose rewards are all equal carries no
// signal: its advantages are 0. It returns the number of such groups.
//
// It panics if len(rewards) is not a multiple of G or dst is shorter than
// rewards.
func GroupAdvantages(dst, rewards []float64, G int) (zeroVariance int) {
	if G < 1 || len(rewards)%G != 0 || len(dst) < len(rewards) {
		panic("posttrain: GroupAdvantages: rewards must be whole groups of G and dst at least as long")
	}
	for g := 0; g < len(rewards); g += G {
		r := rewards[g : g+G]
		var mean float64
		for _, x := range r {
			mean += x
		}
		mean /= float64(G)
		var v float64
		for _, x := range r {
			v += (x - mean) * (x - mean)
		}
		std := math.Sqrt(v / float64(G))
		if std < 1e-9 {
			zeroVariance++
			for i := range r {
				dst[g+i] = 0
			}
			continue
		}
		for i, x := range r {
			dst[g+i] = (x - mean) / std
		}
	}
	return zeroVariance
}

// DPOLoss returns, for one preference pair, the DPO loss and the size w of
// its per-token weights. margin is how much more the policy than the
// reference prefers the chosen reply, in log-probability:
//
//	margin = (log π(chosen) − log π_ref(chosen)) − (log π(rejected) − log π_ref(rejected))
//	loss   = −log σ(β·margin)
//	w      = β·σ(−β·margin)
//
// w is −d loss / d log π(chosen) = d loss / d log π(rejected): with
// log π = −Σ CE, weights +w on the chosen reply's tokens and −w on the
// rejected reply's give the weighted cross-entropy exactly DPO's
// gradient. β·margin is the implicit reward margin.
func DPOLoss(beta, margin float64) (loss, w float64) {
	x := beta * margin
	return softplus(-x), beta * sigmoid(-x)
}

// softplus is log(1 + e^x) without overflow.
func softplus(x float64) float64 {
	return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// ReverseKLAdvantage is on-policy distillation's per-token weight:
// −(log p_student − log p_teacher) of a token the student sampled. It is
// positive where the teacher likes the token more than the student does
// (push it up), negative where the student is over-confident, and its
// mean over the student's samples estimates −KL(student‖teacher) per
// token: descending the weighted loss descends the reverse KL.
func ReverseKLAdvantage(logpStudent, logpTeacher float64) float64 {
	return -(logpStudent - logpTeacher)
}

// KLPenalty is RL's per-token KL weight folded into the advantage: −β·k1
// with k1 = log π(t) − log π_ref(t), the per-token shaping of RLHF with
// PPO (the GRPO paper puts a k3 estimate in the loss instead; a weight on
// sampled tokens is what one loss can carry). It is
// ReverseKLAdvantage toward the reference, scaled by β.
func KLPenalty(beta, logpPolicy, logpRef float64) float64 {
	return beta * ReverseKLAdvantage(logpPolicy, logpRef)
}

// K3 is the low-variance, never negative estimate of KL(π‖π_ref) from
// one sampled token: r − log r − 1 with r = π_ref(t)/π(t). RL reports
// the mean of K3 over completion tokens as its KL to the reference.
func K3(logpPolicy, logpRef float64) float64 {
	d := logpRef - logpPolicy
	return math.Exp(d) - d - 1
}
