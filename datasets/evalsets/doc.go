// Package evalsets builds the question–answer evaluation sets that measure
// whether a model can state a fact of the fictional world, split by where the
// fact was seen: pre-training only, mid-training only, or never.
//
// Only held-out facts are asked (world.Fact.SFT == false): their QA pairs
// appear in no training file, so a correct answer after SFT shows knowledge
// elicited from pre- or mid-training, not taught by SFT. Each fact is asked
// once, with its relation's canonical question — a phrasing SFT uses for
// other facts, so only the fact is new. For never-seen facts the record's
// answer is the world's true value, which no training text contains; the
// desired reply is "I don't know" (world.IsIDK), and an exact match there
// measures guessing.
//
// The other evaluation sets are the eval splits of the training sets:
// pretrain.eval (general held-out text), code.eval and kb.eval (domain
// held-out text), math.eval and preference.eval.
package evalsets
