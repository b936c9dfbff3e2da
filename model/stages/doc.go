// Package stages builds a training stage the same way for the native
// command line (app/cli) and the browser engine (app/engine): from the
// stage's settings and the models it starts from, the producer of
// weighted batches, the validation, the auxiliary objective and the
// held-out measurement that a train.Run steps.
//
// # Model
//
// A stage is its data and its rule for per-token weights; the model, the
// loss and the optimizer are the same for all (see package model/train).
// Build turns
//
//	Settings (train.Settings with the stage name, midtrain.Settings,
//	          posttrain.Options)
//	Models   (the policy to train and its tokenizer; a frozen reference
//	          and a teacher where the stage needs them)
//
// into a Built: Producer, Val, Aux, HeldOut and a line About it.
//
// The data comes from a Data, which reads the shipped dataset files
// through an injected function — os.ReadFile natively, fetch in the Web
// Worker — and keeps what it loaded and tokenized for the next Build, so a
// browser session that runs several stages reads each file once. Files a
// user brings replace one kind of shipped data (Data.Use): a domain corpus
// for mid-training, SFT conversations, preference pairs or RL prompts in
// TRL's JSONL conventions. A file that fails validation is refused with
// its file, line and field, and nothing already in use changes.
//
// Pre-training is the one stage whose data is also needed before the
// model exists (to train the tokenizer); Pretrain builds it from
// documents or tokenized corpora the caller already holds.
package stages
