// Package world is the small fictional world that every tinystages dataset
// draws on: people, places, organisations, products, events and the
// internal software services of one organisation, each with a few short
// attributes and relations ("facts").
//
// # Why a world
//
// The lessons of the three training stages are about knowledge: where a fact
// was seen decides whether post-training can elicit it. With an invented
// world we know exactly which fact appears in which stage's data. Every fact
// is placed in exactly one of three places:
//
//   - pretrain: answer-bearing sentences appear only in pre-training text;
//   - midtrain: only in the mid-training knowledge base (and the synthetic
//     data derived from it);
//   - never: in no training text at all.
//
// Each placed set is split again: facts whose question–answer pair appears
// in SFT training data (Fact.SFT) and held-out facts whose QA pairs are
// used only for evaluation, so SFT is measured on eliciting knowledge, not
// on teaching it. For never-seen facts SFT teaches "I don't know" on the SFT
// subset and evaluation asks the rest. Placement is stratified by relation,
// so the three QA evaluation sets ask the same kinds of question and differ
// only in where the answer was seen.
//
// # Sized for a tiny model
//
// The world is small (about 56 entities and 166 facts by default) and every
// answer is a short span — a name, a place, a year, a number, one or two
// words — so that a model of about a million parameters with a context of
// 64 to 128 tokens can memorise what it is shown: the generators mention
// each placed fact 15 to 40 times, in varied sentences and page kinds.
//
// Names are invented from syllables; they are not real people, places or
// companies. The same seed always gives the same world.
//
// # Reading answers
//
// Normalize, Match and IsIDK define how a model's reply is compared with an
// answer (exact match after normalisation), and Lookup finds the fact a
// question asks about. A Counter counts a fact's answer-bearing sentences in
// any text: a sentence (text between '.', '!', '?' or a newline) that
// contains both the subject's name and the answer as whole words, ignoring
// case. The generators never write such a sentence for a fact outside its
// placement, and the tests check that over the generated files.
package world
