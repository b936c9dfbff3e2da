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
//     the final LayerNorm's output over a view's tokens, centred on the
//     step's mean); a linear predictor maps one view's embedding towards
//     the other's, and λ·(1 − cos(pred(emb A), stop-grad emb B)) joins
//     the next-token loss (see JEPA).
//   - Views: where JEPA's pairs come from, the structured domain data or
//     neighbouring spans of web text — the lesson that tests whether the
//     loss needs natural paired views.
//
// The pipeline: LoadData reads the shipped datasets (through a read
// function: os.ReadFile natively, fetch in the browser); Tokenize makes
// Corpora once for a tokenizer; Corpora.Stage makes a Stage for Settings:
// the producer of batches (a train.Mixture of "domain", "synthetic" and
// "replay" rows, which the page's weight heatmap colours by origin), the
// validation (domain loss, general loss, and the loss of facts' answers,
// eval.FactProbe) and, with λ > 0, the JEPA objective (a train.Auxiliary);
// Stage.NewRun starts the train.Run. Measure is the before/after
// evaluation the lessons compare; Lessons are presets that reproduce one
// finding each, with the expected effect in words.
//
// A user may replace the shipped domain corpus with their own file:
// ParseUserCorpus validates it (file and line of the first problem),
// Data.WithUserCorpus makes a new Data without changing the old, and
// Tokenize refuses a corpus too short to train and validate on. A failure
// at any of these steps leaves a running stage, its model and its run as
// they were.
package midtrain
