package posttrain

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"tinystages/datasets/load"
	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/cpu"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

var toyTok = sync.OnceValue(func() *tokenizer.Tokenizer {
	text := strings.Repeat("What is 2 + 3? 2 + 3 = 5. \\boxed{5} Mira makes lanterns. Tobin makes boats. Where does Mira live? In Lowfen. ", 20)
	tok, err := tokenizer.Train([][]byte{[]byte(text)}, 300, nil)
	if err != nil {
		panic(err)
	}
	return tok
})

// toyModel is a small random model; scale > 0 perturbs its weights so
// that its predictions are far from uniform.
func toyModel(t *testing.T, seed uint64, scale float64) *model.GPT {
	t.Helper()
	c := model.Config{VocabSize: toyTok().VocabSize(), MaxSeqLen: 64, NLayer: 1, NHead: 2, NEmbd: 16}
	m, err := model.New(c, cpu.New(nil), seed)
	if err != nil {
		t.Fatal(err)
	}
	if scale > 0 {
		p := m.Params()
		rng := rand.New(rand.NewPCG(seed, 3))
		for i := range p {
			p[i] += float32(rng.NormFloat64() * scale)
		}
		m.SetParams(p)
	}
	return m
}

var toyProblems = PromptSet{
	{Prompt: "What is 2 + 3?", Answer: "5"},
	{Prompt: "Where does Mira live?", Answer: "Lowfen"},
}

// tokenLogProbs is an independent measurement: log p of every target of
// b by a plain Forward.
func tokenLogProbs(t *testing.T, m *model.GPT, b *model.Batch) []float32 {
	t.Helper()
	bb := *b
	bb.Weights = nil
	if err := m.Forward(&bb); err != nil {
		t.Fatal(err)
	}
	lp := make([]float32, b.B*b.T)
	m.TokenLosses(lp)
	for i := range lp {
		lp[i] = -lp[i]
	}
	return lp
}

// completionPositions returns, per row, the batch positions whose target
// was sampled: after the prompt's reply cue (the first "A:" after
// <|user|>), up to the row's end.
func completionPositions(b *model.Batch) [][]int {
	cue := toyTok().EncodeString(chat.ReplyCue)
	out := make([][]int, b.B)
	for i := 0; i < b.B; i++ {
		row := b.Tokens[i*b.T : (i+1)*b.T]
		started, user := false, false
		for t := 0; t < b.T; t++ {
			k := i*b.T + t
			if started && b.Targets[k] >= 0 {
				out[i] = append(out[i], k)
			}
			user = user || row[t] == tokenizer.User
			if !started && user && t+1 >= len(cue) && slices.Equal(row[t+1-len(cue):t+1], cue) {
				started = true
				if b.Targets[k] >= 0 {
					out[i] = append(out[i], k)
				}
			}
		}
	}
	return out
}

// TestGRPOBatch checks the RL batch: every sampled token of completion i
// weighted by its group-normalised advantage, the prompt by 0, the
// normaliser the number of completion tokens; with a reference equal to
// the policy, the KL is 0.
func TestGRPOBatch(t *testing.T) {
	tok := toyTok()
	policy, ref := toyModel(t, 1, 0.3), toyModel(t, 1, 0.3)
	opt := DefaultOptions()
	opt.Group, opt.MaxTokens = 4, 12
	g, err := NewGRPO(policy, ref, tok, toyProblems, opt)
	if err != nil {
		t.Fatal(err)
	}
	// a reward with variance for a random model: even lengths win
	g.Reward = func(c, _ string, done bool) (float64, float64) {
		if len(tok.EncodeString(c))%2 == 0 {
			return 1, 0
		}
		return 0, 0
	}
	b := g.Next(8, policy.Config.MaxSeqLen, rand.New(rand.NewPCG(1, 1)))
	if b.B != 8 {
		t.Fatalf("%d rows, want 2 prompts × 4", b.B)
	}
	if err := b.Validate(policy.Config); err != nil {
		t.Fatal(err)
	}
	samples := g.Samples()
	rewards := make([]float64, len(samples))
	for i, s := range samples {
		rewards[i] = s.Reward
	}
	adv := make([]float64, len(rewards))
	GroupAdvantages(adv, rewards, opt.Group)
	tokens := 0
	for i, pos := range completionPositions(b) {
		if len(pos) != samples[i].Tokens {
			t.Fatalf("row %d: %d sampled positions, %d tokens sampled", i, len(pos), samples[i].Tokens)
		}
		tokens += len(pos)
		for _, k := range pos {
			if !near(float64(b.Weights[k]), adv[i], 1e-6) {
				t.Fatalf("row %d position %d: weight %v, want the advantage %v", i, k, b.Weights[k], adv[i])
			}
		}
	}
	var onCompletions int
	for _, pos := range completionPositions(b) {
		onCompletions += len(pos)
	}
	nonzero := 0
	for _, w := range b.Weights {
		if w != 0 {
			nonzero++
		}
	}
	if nonzero > onCompletions {
		t.Errorf("%d weighted positions, only %d sampled", nonzero, onCompletions)
	}
	if b.Norm != float64(tokens) {
		t.Errorf("Norm = %v, want %d completion tokens", b.Norm, tokens)
	}
	rep := g.Report()
	for _, k := range []string{MetricReward, MetricFormatReward, MetricZeroVariance, MetricLength, MetricCutOff, MetricKL} {
		if _, ok := rep[k]; !ok {
			t.Errorf("report lacks %q: %v", k, rep)
		}
	}
	if kl := rep[MetricKL]; !(math.Abs(kl) < 1e-4) {
		t.Errorf("KL to an identical reference = %v, want 0", kl)
	}
	if l := rep[MetricLength]; !near(l, float64(tokens)/8, 1e-9) {
		t.Errorf("mean completion length %v, want %v", l, float64(tokens)/8)
	}

	// with a different reference and a KL penalty, the weight of each
	// sampled token is advantage − β·(log π − log π_ref)
	ref2 := toyModel(t, 2, 0.3)
	opt.KL = 0.5
	g2, err := NewGRPO(policy, ref2, tok, toyProblems, opt)
	if err != nil {
		t.Fatal(err)
	}
	g2.Reward = g.Reward
	b = g2.Next(8, policy.Config.MaxSeqLen, rand.New(rand.NewPCG(1, 1)))
	lpPol, lpRef := tokenLogProbs(t, policy, b), tokenLogProbs(t, ref2, b)
	for i, s := range g2.Samples() {
		for _, k := range completionPositions(b)[i] {
			want := s.Advantage - 0.5*float64(lpPol[k]-lpRef[k])
			if !near(float64(b.Weights[k]), want, 1e-3) {
				t.Fatalf("row %d: weight %v, want %v", i, b.Weights[k], want)
			}
		}
	}
	if kl := g2.Report()[MetricKL]; !(kl > 0.01) {
		t.Errorf("KL to a different reference = %v", kl)
	}
}

// TestDistillBatch checks the distillation batch against log-probs
// measured independently: weight = log p_teacher − log p_student on every
// sampled token.
func TestDistillBatch(t *testing.T) {
	tok := toyTok()
	student, teacher := toyModel(t, 1, 0.3), toyModel(t, 5, 0.5)
	opt := DefaultOptions()
	opt.Group, opt.MaxTokens = 2, 10
	d, err := NewDistill(student, teacher, tok, toyProblems, opt)
	if err != nil {
		t.Fatal(err)
	}
	b := d.Next(4, 64, rand.New(rand.NewPCG(3, 3)))
	lpS, lpT := tokenLogProbs(t, student, b), tokenLogProbs(t, teacher, b)
	var sum float64
	n := 0
	kl := d.TokenKL()
	for _, pos := range completionPositions(b) {
		for _, k := range pos {
			want := ReverseKLAdvantage(float64(lpS[k]), float64(lpT[k]))
			if !near(float64(b.Weights[k]), want, 1e-3) {
				t.Fatalf("position %d: weight %v, want log p_teacher − log p_student = %v", k, b.Weights[k], want)
			}
			if kl[k] != -b.Weights[k] {
				t.Fatalf("position %d: TokenKL %v, weight %v", k, kl[k], b.Weights[k])
			}
			sum -= want
			n++
		}
	}
	if got := d.Report()[MetricReverseKL]; !near(got, sum/float64(n), 1e-3) || !(got > 0) {
		t.Errorf("reported reverse KL %v, measured %v", got, sum/float64(n))
	}
	if _, err := NewDistill(student, student, tok, toyProblems, opt); err == nil {
		t.Error("the student as its own teacher was accepted")
	}
}

// TestDPOGradient checks that DPO's per-token weights give exactly the
// gradient of the mean DPO loss: the model's gradient of the weighted
// cross-entropy against finite differences of the loss.
func TestDPOGradient(t *testing.T) {
	tok := toyTok()
	policy, ref := toyModel(t, 1, 0.2), toyModel(t, 1, 0)
	pairs := []record.Preference{
		{Prompt: "What is 2 + 3?", Chosen: "2 + 3 = 5. \\boxed{5}", Rejected: "2 + 3 = 6. \\boxed{6}"},
		{Prompt: "Where does Mira live?", Chosen: "In Lowfen.", Rejected: "Mira makes lanterns. Tobin makes boats."},
	}
	opt := DefaultOptions()
	opt.Beta = 1
	d, err := NewDPO(policy, ref, tok, pairs, opt)
	if err != nil {
		t.Fatal(err)
	}
	b := d.Next(4, 64, rand.New(rand.NewPCG(1, 2)))
	if b.Norm != 2 {
		t.Fatalf("Norm %v, want 2 pairs", b.Norm)
	}
	mask := make([]float32, len(b.Weights))
	for i, w := range b.Weights {
		if w != 0 {
			mask[i] = 1
		}
		// chosen rows positive, rejected negative, one size per pair
		if row := i / b.T; (row%2 == 0 && w < 0) || (row%2 == 1 && w > 0) {
			t.Fatalf("row %d has weight %v", row, w)
		}
	}
	seq := func(lp []float32, row int) float64 {
		var s float64
		for k := row * b.T; k < (row+1)*b.T; k++ {
			s += float64(mask[k]) * float64(lp[k])
		}
		return s
	}
	lpRef := tokenLogProbs(t, ref, b)
	loss := func() float64 {
		lp := tokenLogProbs(t, policy, b)
		var l float64
		for p := 0; p < b.B/2; p++ {
			m := (seq(lp, 2*p) - seq(lpRef, 2*p)) - (seq(lp, 2*p+1) - seq(lpRef, 2*p+1))
			x, _ := DPOLoss(opt.Beta, m)
			l += x
		}
		return l / float64(b.B/2)
	}
	if got := d.Report()[MetricDPOLoss]; !near(got, loss(), 1e-4) {
		t.Errorf("reported DPO loss %v, recomputed %v", got, loss())
	}
	policy.ZeroGrad()
	if err := policy.Forward(b); err != nil {
		t.Fatal(err)
	}
	policy.Backward()
	grad := policy.Grads()
	params := policy.Params()
	idx := make([]int, len(grad))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, c int) bool { return math.Abs(float64(grad[idx[a]])) > math.Abs(float64(grad[idx[c]])) })
	const eps = 1e-2
	for _, i := range idx[:6] {
		p := slices.Clone(params)
		p[i] = params[i] + eps
		policy.SetParams(p)
		up := loss()
		p[i] = params[i] - eps
		policy.SetParams(p)
		down := loss()
		fd := (up - down) / (2 * eps)
		if rel := math.Abs(fd-float64(grad[i])) / math.Abs(fd); !(rel < 0.05) {
			t.Errorf("parameter %d: weighted-CE gradient %.5f, DPO loss finite difference %.5f", i, grad[i], fd)
		}
	}
	policy.SetParams(params)
}

// TestSFTReplay checks SFT's replay: about the share of rows are windows
// of the replay corpus with every target weighted 1 and marked "replay",
// the rest conversations weighted by their mask; a corpus too small for a
// window, or a share out of range, is refused and changes nothing.
func TestSFTReplay(t *testing.T) {
	tok := toyTok()
	conv := [][]chat.Message{{{Role: chat.RoleUser, Content: "Where does Mira live?"}, {Role: chat.RoleAssistant, Content: "In Lowfen."}}}
	s, err := NewSFT(tok, conv, 128, Options{})
	if err != nil {
		t.Fatal(err)
	}
	corpus := train.Tokenize(tok, []train.Doc{{Source: "web", Quality: 1, Text: []byte(strings.Repeat("the cat sat on the mat. ", 200))}}, nil)
	for _, bad := range []struct {
		c     *train.Corpus
		share float64
	}{{corpus, -0.1}, {corpus, 1}, {&train.Corpus{Tokens: corpus.Tokens[:ReplayWindow]}, 0.5}} {
		if err := s.SetReplay(bad.c, bad.share); err == nil {
			t.Errorf("SetReplay(%d tokens, %v) accepted", len(bad.c.Tokens), bad.share)
		}
	}
	if err := s.SetReplay(corpus, 0.25); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	replayed, rows := 0, 0
	for range 50 {
		b := s.Next(8, 128, rng)
		for i, o := range s.Origins() {
			rows++
			var weighted, targets int
			for t := 0; t < b.T; t++ {
				if k := i*b.T + t; b.Targets[k] >= 0 {
					targets++
					if b.Weights[k] != 0 {
						weighted++
					}
				}
			}
			switch o {
			case OriginReplay:
				replayed++
				if targets != ReplayWindow || weighted != ReplayWindow {
					t.Fatalf("a replayed row has %d targets, %d weighted, want %d of each", targets, weighted, ReplayWindow)
				}
			case OriginConversation:
				if want := len(tok.EncodeString(" In Lowfen.")) + 1; weighted != want {
					t.Fatalf("a conversation has %d weighted targets, want %d (the reply and <|end|>)", weighted, want)
				}
			default:
				t.Fatalf("origin %q", o)
			}
		}
	}
	if share := float64(replayed) / float64(rows); math.Abs(share-0.25) > 0.07 {
		t.Errorf("%.2f of the rows replayed, want about 0.25", share)
	}
}

// TestSFTMask checks the SFT batch: the target after the assistant's last
// token is <|end|> with weight 1 — and 0 with DropEnd, the classic bug.
func TestSFTMask(t *testing.T) {
	tok := toyTok()
	conv := [][]chat.Message{{{Role: chat.RoleUser, Content: "Where does Mira live?"}, {Role: chat.RoleAssistant, Content: "In Lowfen."}}}
	for _, drop := range []bool{false, true} {
		s, err := NewSFT(tok, conv, 64, Options{DropEnd: drop})
		if err != nil {
			t.Fatal(err)
		}
		b := s.Next(1, 64, rand.New(rand.NewPCG(1, 1)))
		var trained []int32
		endWeight := float32(-1)
		for k, tg := range b.Targets {
			if b.Weights[k] != 0 {
				trained = append(trained, tg)
			}
			if tg == tokenizer.End { // the one <|end|>: the reply's
				endWeight = b.Weights[k]
			}
		}
		reply := tok.EncodeString(" In Lowfen.")
		want := append(slices.Clone(reply), tokenizer.End)
		if drop {
			want, endWeight = reply, 1-endWeight
		}
		if !slices.Equal(trained, want) || endWeight != 1 {
			t.Errorf("DropEnd %v: trained targets %v, want %v (end weight %v)", drop, trained, want, endWeight)
		}
		n := 0
		for _, tk := range b.Tokens {
			if tk != tokenizer.Pad {
				n++
			}
		}
		if b.T < n-1 || (b.T > 16 && b.T >= n-1+32) {
			t.Errorf("width %d for a conversation of %d tokens, want the shortest multiple of 32 that fits", b.T, n)
		}
	}
}

// TestLoadKeepsData checks user files: each bad file fails naming its
// line and field, and what was loaded before stays.
func TestLoadKeepsData(t *testing.T) {
	var d Data
	good := map[string]string{
		KindSFT:        `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}` + "\n",
		KindPreference: `{"prompt":"p","chosen":"a","rejected":"b"}` + "\n",
		KindPrompts:    `{"prompt":"What is 1 + 1?","answer":"2"}` + "\n",
	}
	for kind, data := range good {
		if err := d.Load(kind, kind+".jsonl", []byte(data)); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}
	before := Data{Conversations: slices.Clone(d.Conversations), Pairs: slices.Clone(d.Pairs), Prompts: slices.Clone(d.Prompts)}
	huge := `{"prompt":"` + strings.Repeat("x", load.MaxLineBytes) + `","answer":"2"}`
	tests := []struct {
		name, kind, data string
		line             int
		field            string
		err              error
	}{
		{"missing role", KindSFT, good[KindSFT] + `{"messages":[{"role":"user","content":"q"},{"content":"a"}]}`, 2, "messages[1].role", load.ErrSchema},
		{"empty answer", KindSFT, `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":" "}]}`, 1, "messages[1].content", load.ErrSchema},
		{"chosen equals rejected", KindPreference, good[KindPreference] + good[KindPreference] + `{"prompt":"p","chosen":"a","rejected":"a"}`, 3, "rejected", load.ErrSchema},
		{"empty math answer", KindPrompts, `{"prompt":"What is 1 + 1?","answer":""}`, 1, "answer", load.ErrSchema},
		{"non-UTF-8", KindPrompts, good[KindPrompts] + `{"prompt":"caf` + "\xe9" + `","answer":"2"}`, 2, "", load.ErrNotUTF8},
		{"oversized line", KindPrompts, good[KindPrompts] + huge, 2, "", load.ErrTooLarge},
		{"oversized file", KindSFT, strings.Repeat(good[KindSFT], load.MaxFileBytes/len(good[KindSFT])+1), 0, "", load.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.Load(tt.kind, "user.jsonl", []byte(tt.data))
			var pe *load.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, tt.err) {
				t.Fatalf("got %v, want a *load.ParseError wrapping %v", err, tt.err)
			}
			if pe.Line != tt.line || pe.Field != tt.field {
				t.Errorf("error at line %d field %q, want line %d field %q (%v)", pe.Line, pe.Field, tt.line, tt.field, err)
			}
			if !slices.EqualFunc(d.Conversations, before.Conversations, func(a, b record.Example) bool { return a.Messages[1] == b.Messages[1] }) ||
				!slices.Equal(d.Pairs, before.Pairs) || !slices.Equal(d.Prompts, before.Prompts) {
				t.Errorf("a failed load changed the loaded data: %+v", d)
			}
		})
	}
	if err := d.Load("csv", "x.csv", nil); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestTopAnswerShare(t *testing.T) {
	s := func(completions ...string) []Sample {
		var out []Sample
		for _, c := range completions {
			out = append(out, Sample{Completion: c})
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		samples []Sample
		want    float64
	}{
		{"one number for every problem", s(`2 + 3 = 1. \boxed{1}`, `\boxed{1}`, `\boxed{01}`, `\boxed{1}`), 1},
		{"all different", s(`\boxed{5}`, `\boxed{7}`, `\boxed{12}`, `\boxed{3}`), 0.25},
		{"no box counts for none", s(`5`, `seven`, `\boxed{7}`, `\boxed{7}`), 0.5},
		{"nothing boxed", s(`5`, `7`), 0},
	} {
		if got := TopAnswerShare(tc.samples); got != tc.want {
			t.Errorf("%s: TopAnswerShare = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := TopAnswerShare(nil); !math.IsNaN(got) {
		t.Errorf("TopAnswerShare(nil) = %v, want NaN", got)
	}
}
