package build

import (
	"strings"
	"testing"

	"tinystages/datasets/midtrain"
	"tinystages/datasets/pretrain"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

// Mention bounds promised for each placed fact in its stage's train split:
// the generators' targets, less the mentions that fall in documents held
// out for evaluation, plus incidental mentions.
var (
	preMin, preMax = pretrain.DefaultConfig.MinMentions * 8 / 10, pretrain.DefaultConfig.MaxMentions * 11 / 10
	kbMin, kbMax   = midtrain.DefaultKBConfig.MinMentions * 8 / 10, midtrain.DefaultKBConfig.MaxMentions * 11 / 10
)

// qaUnit joins a question and its reply into one unit for counting, so
// that a question naming the subject and a reply giving the answer count as
// a mention even though they are different sentences.
func qaUnit(parts ...string) string {
	return strings.NewReplacer(".", " ", "?", " ", "!", " ", "\n", " ").Replace(strings.Join(parts, " "))
}

// TestFactPlacement checks, over the generated files, every promise the
// world's placement makes.
func TestFactPlacement(t *testing.T) {
	dir, m := built(t)
	w := world.Generate(m.Seed)
	c := world.NewCounter(w)

	count := func(texts []string) map[*world.Fact]int {
		n := map[*world.Fact]int{}
		for _, s := range texts {
			c.Count(s, n, nil)
		}
		return n
	}
	var preTrain, preEval, midAll, kbTrain []string
	for _, d := range lines[record.Document](t, dir, "pretrain.train.jsonl") {
		preTrain = append(preTrain, d.Text)
	}
	for _, d := range lines[record.Document](t, dir, "pretrain.eval.jsonl") {
		preEval = append(preEval, d.Text)
	}
	for _, s := range []string{"train", "eval"} {
		for _, d := range lines[record.CodeDoc](t, dir, "code."+s+".jsonl") {
			midAll = append(midAll, d.Text)
		}
		for _, d := range lines[record.KBDoc](t, dir, "kb."+s+".jsonl") {
			midAll = append(midAll, d.Title, d.Text)
			if s == "train" {
				kbTrain = append(kbTrain, d.Text)
			}
			// Records hold mid-training facts only.
			if len(d.Record) > 0 {
				e := w.Entity(d.Record["name"])
				if e == nil {
					t.Errorf("%s: record names unknown entity %q", d.URL, d.Record["name"])
					continue
				}
				for k, v := range d.Record {
					if k == "name" || k == "type" {
						continue
					}
					f := factByLabel(w, e, k)
					if f == nil || f.Seen != record.SeenMidtrain || f.Answer != v {
						t.Errorf("%s: record field %s=%q is not a mid-training fact", d.URL, k, v)
					}
				}
			}
		}
		for _, d := range lines[record.Synthetic](t, dir, "synthetic."+s+".jsonl") {
			midAll = append(midAll, d.Text)
		}
	}
	var sftTrain, sftEval, prefTrain []string
	idk := map[string]bool{}
	for _, e := range lines[record.Example](t, dir, "sft.train.jsonl") {
		for i := 1; i < len(e.Messages); i++ {
			if e.Messages[i].Role == record.RoleAssistant {
				sftTrain = append(sftTrain, qaUnit(e.Messages[i-1].Content, e.Messages[i].Content))
				if world.IsIDK(e.Messages[i].Content) {
					idk[e.Messages[i-1].Content] = true
				}
			}
		}
	}
	for _, e := range lines[record.Example](t, dir, "sft.eval.jsonl") {
		sftEval = append(sftEval, qaUnit(e.Messages[len(e.Messages)-2].Content, e.Messages[len(e.Messages)-1].Content))
	}
	for _, p := range lines[record.Preference](t, dir, "preference.train.jsonl") {
		prefTrain = append(prefTrain, qaUnit(p.Prompt, p.Chosen), qaUnit(p.Prompt, p.Rejected))
	}

	inPreTrain, inPreEval, inMid, inKB := count(preTrain), count(preEval), count(midAll), count(kbTrain)
	inSFT, inSFTEval, inPref := count(sftTrain), count(sftEval), count(prefTrain)

	for _, f := range w.Facts {
		switch f.Seen {
		case record.SeenPretrain:
			if n := inPreTrain[f]; n < preMin || n > preMax {
				t.Errorf("pretrain fact %s (%s): %d mentions in pretrain.train, want %d-%d", f.ID, f.Sentence(0), n, preMin, preMax)
			}
			if inMid[f] > 0 {
				t.Errorf("pretrain-only fact %s (%s) occurs %d times in mid-training text", f.ID, f.Sentence(0), inMid[f])
			}
		case record.SeenMidtrain:
			if n := inKB[f]; n < kbMin || n > kbMax {
				t.Errorf("midtrain fact %s (%s): %d mentions in kb.train, want %d-%d", f.ID, f.Sentence(0), n, kbMin, kbMax)
			}
			if inPreTrain[f]+inPreEval[f] > 0 {
				t.Errorf("midtrain-only fact %s (%s) occurs in pre-training text", f.ID, f.Sentence(0))
			}
		case record.SeenNever:
			if n := inPreTrain[f] + inPreEval[f] + inMid[f]; n > 0 {
				t.Errorf("never-seen fact %s (%s) occurs %d times in pre- or mid-training text", f.ID, f.Sentence(0), n)
			}
		}
		switch {
		case f.SFT && f.Seen != record.SeenNever:
			if inSFT[f] == 0 {
				t.Errorf("SFT fact %s (%s) has no QA pair in sft.train", f.ID, f.Question(0))
			}
		case f.SFT && f.Seen == record.SeenNever:
			if !idk[f.Question(0)] {
				t.Errorf("never-seen SFT fact %s: no \"I don't know\" example for %q", f.ID, f.Question(0))
			}
			fallthrough
		default:
			// Held-out and never-seen facts: no answer in post-training
			// training data.
			if n := inSFT[f] + inSFTEval[f] + inPref[f]; n > 0 {
				t.Errorf("fact %s (seen %s, sft %v) has its answer in post-training training data %d times", f.ID, f.Seen, f.SFT, n)
			}
		}
	}

	// The QA sets ask exactly the held-out facts of their placement.
	for _, seen := range []string{record.SeenPretrain, record.SeenMidtrain, record.SeenNever} {
		qa := lines[record.QA](t, dir, "qa-"+seen+".eval.jsonl")
		want := 0
		for _, f := range w.FactsSeen(seen) {
			if !f.SFT {
				want++
			}
		}
		if len(qa) != want {
			t.Errorf("qa-%s: %d questions, want %d held-out facts", seen, len(qa), want)
		}
		for _, q := range qa {
			f := w.Fact(q.Fact)
			if f == nil || f.SFT || f.Seen != seen || q.Seen != seen || q.Answer != f.Answer {
				t.Errorf("qa-%s: %+v does not match the world (%+v)", seen, q, f)
			}
			if got, ok := w.Lookup(q.Question); !ok || got != f {
				t.Errorf("qa-%s: Lookup(%q) = %v, %v", seen, q.Question, got, ok)
			}
		}
	}

	// facts.jsonl agrees with the world and with the counts.
	facts := lines[record.Fact](t, dir, "facts.jsonl")
	if len(facts) != len(w.Facts) {
		t.Fatalf("facts.jsonl has %d facts, the world %d", len(facts), len(w.Facts))
	}
	for i, r := range facts {
		f := w.Facts[i]
		want := f.Record()
		switch f.Seen {
		case record.SeenPretrain:
			want.Mentions = inPreTrain[f]
		case record.SeenMidtrain:
			want.Mentions = inKB[f]
		}
		if r != want {
			t.Errorf("facts.jsonl line %d: got %+v, want %+v", i+1, r, want)
		}
	}
}

func factByLabel(w *world.World, e *world.Entity, label string) *world.Fact {
	for _, f := range w.FactsAbout(e) {
		if midtrain.RecordLabel(f.Relation.Name) == label {
			return f
		}
	}
	return nil
}
