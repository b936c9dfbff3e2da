// Package prose generates filler English: grammatical, varied sentences
// from a small grammar and topic vocabularies, so that the pre-training
// corpus has enough ordinary text for a small model to learn words and
// sentences around the facts.
//
// Filler never names an entity of the world and never contains a digit, a
// job word or a speciality of the world, so it can sit next to any fact
// without creating a sentence that mentions a fact it should not.
package prose
