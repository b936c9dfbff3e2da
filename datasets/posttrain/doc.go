// Package posttrain generates the post-training sets, in the JSONL
// conventions of the Hugging Face TRL ecosystem, and the run-time pieces the
// engine calls during post-training.
//
// Stored sets (written by the build):
//
//   - SFT: chat examples {"messages":[{"role":"user",...},{"role":
//     "assistant",...}]} about the fictional world (short answers), "I don't
//     know" for a subset of never-seen facts, the code domain (which package
//     declares a signature, what a function does), the knowledge base (a
//     page's URL), math with a worked \boxed{} answer, and a little small
//     talk. The chat template, with its end-of-turn token, is the engine's
//     job; examples hold messages only.
//   - Math: {"prompt","answer"} problems at five graded levels, from
//     one-digit addition to two-step word problems, with small numbers.
//   - Preference: {"prompt","chosen","rejected","kind"} pairs whose label is
//     checkable by code: a correct vs a wrong \boxed{} answer (kind
//     "correct"), the world's fact vs a hallucinated one (or "I don't know"
//     vs a guess, for never-seen facts; kind "faithful"), and a short reply
//     that stops vs one that rambles on (kind "concise"), and a right
//     solution that ends with its \boxed{} answer vs the same working
//     without the box (kind "format"). CheckPreference verifies any
//     pair.
//
// Which world facts appear here is decided by their placement (package
// world): only facts with SFT set have QA pairs in training data; held-out
// facts appear only in evaluation files.
//
// Run time (called by the engine, GOOS=js included): MathGen yields an
// endless, seeded stream of training problems for RL that never includes an
// eval problem; Check, Reward and FormatReward grade a completion by its
// last \boxed{} answer; Solve recomputes a stored problem's answer.
package posttrain
