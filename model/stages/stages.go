package stages

import (
	"errors"
	"fmt"
	"strings"

	"tinystages/model"
	"tinystages/model/eval"
	"tinystages/model/midtrain"
	"tinystages/model/posttrain"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// Settings say which stage to build and how.
type Settings struct {
	// Train carries the stage's name (Train.Stage) and the run's steps,
	// batch, learning rate and seed.
	Train train.Settings
	// Mid are mid-training's own knobs; Post post-training's.
	Mid  midtrain.Settings
	Post posttrain.Options
	// HeldOut bounds the held-out problems or pairs RL, distillation and
	// DPO measure (0: all of the shipped evaluation file).
	HeldOut int
	// Sampled is the number of completions per held-out problem RL and
	// distillation sample at temperature 1 for "math_sampled" (0: not
	// measured).
	Sampled int
	// SkipKinds leaves the SFT conversations of these kinds out (the
	// shipped sft.train.jsonl has chat, code, fact, idk, kb, math and
	// multi). The shipped student checkpoint is the teacher tuned on every
	// kind but math: a chat model that forgot most of its arithmetic.
	SkipKinds []string
}

// Models are what a stage trains and compares against.
type Models struct {
	// Policy is the model trained, started from the previous stage's
	// checkpoint; Tok its tokenizer.
	Policy *model.GPT
	Tok    *tokenizer.Tokenizer
	// Reference returns a frozen copy of the starting model, for RL's KL
	// and DPO's reference; called only by the stages that need one.
	Reference func() (*model.GPT, error)
	// Teacher is distillation's teacher: a frozen model with the same
	// tokenizer.
	Teacher *model.GPT
}

// Built is a stage ready to train.
type Built struct {
	Producer train.Producer
	Val      train.Validator // may be nil
	Aux      train.Auxiliary // an objective added to each step (mid-training's JEPA), or nil
	About    string          // the data and objective in words, for logs and pages
	// HeldOut measures held-out task metrics (math accuracy, preference
	// accuracy, the facts' recall) before, during and after a run; nil
	// for stages that have none.
	HeldOut func(m *model.GPT) (map[string]float64, error)

	// Mid and Corpora are the mid-training stage and the corpora it was
	// made from (nil for other stages): the mixture's row origins, JEPA's
	// embeddings.
	Mid     *midtrain.Stage
	Corpora *midtrain.Corpora
}

// NewRun starts a run of ts on the policy m with tokenizer tok, with the
// built producer, validation and auxiliary objective.
func (b *Built) NewRun(ts train.Settings, m *model.GPT, tok *tokenizer.Tokenizer) (*train.Run, error) {
	run, err := train.NewRun(ts, m, tok, b.Producer, b.Val)
	if err != nil {
		return nil, err
	}
	if b.Aux != nil {
		run.Aux = b.Aux
	}
	return run, nil
}

// ValPerSource is the number of validation windows per source of
// pre-training.
const ValPerSource = 8

// ErrNoDocuments is returned by Pretrain when the quality filter keeps
// nothing.
var ErrNoDocuments = errors.New("no document passes the quality filter")

// Pretrain builds pre-training from documents: those of trainDocs with
// quality ≥ minQuality, tokenized with tok, as next-token batches of
// context T, validated on evalDocs.
func Pretrain(trainDocs, evalDocs []train.Doc, minQuality float64, tok *tokenizer.Tokenizer, T int) (*Built, error) {
	kept := train.FilterQuality(trainDocs, minQuality)
	if len(kept) == 0 {
		return nil, fmt.Errorf("stages: %w: no document has quality ≥ %v", ErrNoDocuments, minQuality)
	}
	return PretrainCorpora(train.Tokenize(tok, kept, nil), train.Tokenize(tok, evalDocs, nil), T)
}

// PretrainCorpora builds pre-training from corpora already tokenized
// (the browser engine keeps them across runs): next-token batches of
// trainC, validated on ValPerSource windows per source of evalC.
func PretrainCorpora(trainC, evalC *train.Corpus, T int) (*Built, error) {
	prod, err := train.NewNextToken(trainC, T)
	if err != nil {
		return nil, err
	}
	return &Built{Producer: prod, Val: train.NewValSet(evalC, T, ValPerSource),
		About: fmt.Sprintf("%d training tokens", len(trainC.Tokens))}, nil
}

// IsPostTraining reports whether stage is one of post-training's.
func IsPostTraining(stage string) bool {
	switch stage {
	case train.StageSFT, train.StageRL, train.StageDPO, train.StageDistill:
		return true
	}
	return false
}

// Build builds s's stage for ms from d. Pre-training reads the shipped
// corpus (see Pretrain for a corpus of one's own); the other stages start
// from ms.Policy, a trained model.
func (d *Data) Build(s Settings, ms Models) (*Built, error) {
	if err := s.Train.Validate(); err != nil {
		return nil, err
	}
	if ms.Policy == nil || ms.Tok == nil {
		return nil, errors.New("stages: Build needs the policy model and its tokenizer")
	}
	T := ms.Policy.Config.MaxSeqLen
	switch s.Train.Stage {
	case train.StagePretrain:
		trainDocs, evalDocs, err := d.pretrainDocs()
		if err != nil {
			return nil, err
		}
		return Pretrain(trainDocs, evalDocs, s.Train.MinQuality, ms.Tok, T)
	case train.StageMidtrain:
		return d.midtrain(s, ms)
	case train.StageSFT:
		return d.sft(s, ms.Tok, T)
	case train.StageRL, train.StageDistill:
		return d.onPolicy(s, ms)
	case train.StageDPO:
		return d.dpo(s, ms)
	}
	return nil, fmt.Errorf("stages: unknown stage %q", s.Train.Stage)
}

// midtrain is the mixture of domain text, structure-derived items and
// replayed pre-training text, validated on domain, general and fact-answer
// loss, with JEPA when λ > 0. Its held-out measurement adds the facts'
// exact recall and the retrieval of held-out paired views.
func (d *Data) midtrain(s Settings, ms Models) (*Built, error) {
	c, err := d.MidCorpora(ms.Tok, ms.Policy.Config.MaxSeqLen)
	if err != nil {
		return nil, err
	}
	st, err := c.Stage(s.Mid, ms.Policy.Config.NEmbd)
	if err != nil {
		return nil, err
	}
	b := &Built{Producer: st.Mixture, Val: st.Val, About: st.About, Mid: st, Corpora: c,
		HeldOut: func(m *model.GPT) (map[string]float64, error) { return midtrain.Measure(m, c, st.JEPA) }}
	if st.JEPA != nil {
		b.Aux = st.JEPA
	}
	return b, nil
}

// sft is supervised fine-tuning on the shipped sft.train.jsonl (or the
// user's SFT file), with s.Post.Replay of the rows replayed pre-training
// text, validated on the masked loss of sft.eval.jsonl by kind.
func (d *Data) sft(s Settings, tok *tokenizer.Tokenizer, T int) (*Built, error) {
	trainConvs := d.userSFT
	if trainConvs == nil {
		var err error
		if trainConvs, err = d.shippedConversations(FileSFTTrain); err != nil {
			return nil, err
		}
	}
	evalConvs, err := d.shippedConversations(FileSFTEval)
	if err != nil {
		return nil, err
	}
	if len(s.SkipKinds) > 0 {
		if trainConvs, err = trainConvs.without(s.SkipKinds); err != nil {
			return nil, err
		}
	}
	prod, err := posttrain.NewSFT(tok, trainConvs.Convs, T, s.Post)
	if err != nil {
		return nil, err
	}
	if s.Post.Replay > 0 {
		c, err := d.replayCorpus(tok)
		if err != nil {
			return nil, err
		}
		if err := prod.SetReplay(c, s.Post.Replay); err != nil {
			return nil, err
		}
	}
	val, err := train.NewMaskedValSet(tok, evalConvs.Convs, evalConvs.Kinds, T)
	if err != nil {
		return nil, err
	}
	about := fmt.Sprintf("%d conversations of %s", prod.Len(), trainConvs.File)
	if len(s.SkipKinds) > 0 {
		about += " (without " + strings.Join(s.SkipKinds, ", ") + ")"
	}
	if prod.Skipped > 0 {
		about += fmt.Sprintf(" (%d longer than the context left out)", prod.Skipped)
	}
	if s.Post.Replay > 0 {
		about += fmt.Sprintf(", %.0f%% of rows replayed pre-training text", 100*s.Post.Replay)
	}
	if s.Post.DropEnd {
		about += ", <|end|> left out of the mask"
	}
	return &Built{Producer: prod, Val: val, About: about}, nil
}

// onPolicy is RL (GRPO) or on-policy distillation on fresh generated math
// problems (or the user's prompts), with held-out math accuracy as the
// measurement.
func (d *Data) onPolicy(s Settings, ms Models) (*Built, error) {
	var prompts posttrain.Prompts = posttrain.NewMathStream(s.Train.Seed)
	about := "fresh generated math problems"
	if d.userPrompts != nil {
		prompts, about = posttrain.PromptSet(d.userPrompts), fmt.Sprintf("%d problems of %s", len(d.userPrompts), d.user[KindPrompts])
	}
	heldoutProbs, err := d.shippedMath()
	if err != nil {
		return nil, err
	}
	T := ms.Policy.Config.MaxSeqLen
	heldout := MathHeldOut(ms.Tok, T, spread(heldoutProbs, s.HeldOut), s.Sampled)
	G := s.Post.Group
	about = fmt.Sprintf("%s, %d completions per prompt, %d prompts per step", about, G, max(1, s.Train.Batch/G))
	if s.Train.Stage == train.StageRL {
		if ms.Reference == nil {
			return nil, errors.New("stages: rl needs a reference model")
		}
		ref, err := ms.Reference()
		if err != nil {
			return nil, err
		}
		prod, err := posttrain.NewGRPO(ms.Policy, ref, ms.Tok, prompts, s.Post)
		if err != nil {
			return nil, err
		}
		return &Built{Producer: prod, About: about, HeldOut: heldout}, nil
	}
	if ms.Teacher == nil {
		return nil, ErrNoTeacher
	}
	prod, err := posttrain.NewDistill(ms.Policy, ms.Teacher, ms.Tok, prompts, s.Post)
	if err != nil {
		return nil, err
	}
	return &Built{Producer: prod, About: about, HeldOut: heldout}, nil
}

// ErrNoTeacher is returned when distillation is built without a teacher.
var ErrNoTeacher = errors.New("stages: distillation needs a teacher model")

// dpo is direct preference optimisation on the shipped preference pairs
// (or the user's), against a frozen reference, with held-out preference
// accuracy as the measurement.
func (d *Data) dpo(s Settings, ms Models) (*Built, error) {
	pairs, name := d.userPairs, d.user[KindPreference]
	if pairs == nil {
		var err error
		if pairs, err = d.shippedPairs(FilePrefTrain); err != nil {
			return nil, err
		}
		name = FilePrefTrain
	}
	heldout, err := d.shippedPairs(eval.Files.Prefs)
	if err != nil {
		return nil, err
	}
	if ms.Reference == nil {
		return nil, errors.New("stages: dpo needs a reference model")
	}
	ref, err := ms.Reference()
	if err != nil {
		return nil, err
	}
	prod, err := posttrain.NewDPO(ms.Policy, ref, ms.Tok, pairs, s.Post)
	if err != nil {
		return nil, err
	}
	about := fmt.Sprintf("%d pairs of %s, β %g, %d pairs per step", prod.Len(), name, s.Post.Beta, max(1, s.Train.Batch/2))
	return &Built{Producer: prod, About: about,
		HeldOut: PrefHeldOut(ms.Tok, ms.Policy.Config.MaxSeqLen, spread(heldout, s.HeldOut), ref)}, nil
}
