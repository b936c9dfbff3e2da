// Package midtrain is the mid-training stage: it turns a pre-trained
// general model into a domain expert, and lets the reader measure what
// each of its ingredients does.
//
// Mid-training differs from pre-training in its data, not its algorithm:
// a smaller, cleaner corpus with structure (Go code with doc comments and
// signatures; a knowledge base whose pages have titles, URLs, citations
// and records), trained with the same next-token loss, weight 1 on every
// target. Four knobs (Settings) shape it:
//
//   - Replay: the share of batch rows replayed from the pre-training text.
//     Without it the general loss rises as the domain loss falls
//     (catastrophic forgetting).
//   - Synthetic: the share of rows of structure-derived items (doc comment
//     → signature, title → URL, record → sentence...), made by code from
//     the domain's structure, and which generators make them. At equal
//     steps they restate the domain's facts and links in more forms.
//   - JEPA: λ of an auxiliary loss in embedding space in the spirit of
//     LLM-JEPA: two views of one item (a doc comment and its signature, a
//     page's title and its body) are embedded by the model (the mean of
//     the final LayerNorm's output over a view's tokens); a linear
//     predictor maps one view's embedding towards the other's, and
//     λ·(1 − cos(pred(emb A), stop-grad emb B)) joins the next-token loss.
//   - Views: where JEPA's pairs come from, the structured domain data or
//     neighbouring spans of web text — the lesson that tests whether the
//     loss needs natural paired views.
//
// A Stage (Build) is the producer of batches (a train.Mixture of
// "domain", "synthetic" and "replay" rows), the validation (domain loss,
// general loss, and the loss of held-out facts' answers, FactProbe) and,
// with λ > 0, the JEPA objective (a train.Auxiliary). Lessons are presets
// that reproduce one finding each, with the expected effect in words.
//
// A user may replace the shipped domain corpus with their own file
// (ParseUserCorpus): it is validated, tokenized and checked for size
// before anything of a running stage changes.
package midtrain
