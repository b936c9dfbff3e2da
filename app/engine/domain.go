package main

import (
	"math/rand/v2"
	"sort"
	"unicode/utf8"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"tinystages/app/protocol"
	"tinystages/datasets/record"
	"tinystages/model/midtrain"
	"tinystages/model/stages"
)

// postDomain answers an inspect of the mid-training data: how much of
// each part there is, and a code file, a knowledge-base page and one
// synthetic item per generator drawn with seed — the structure the stage
// exploits.
func (s *session) postDomain(seed uint64) {
	mid, err := s.stageData().MidData()
	if err != nil {
		s.post(errorMessage(protocol.PhaseLoading, err))
		return
	}
	rng := rand.New(rand.NewPCG(seed, 5))
	d := &protocol.Domain{CodeFiles: len(mid.Code), KBPages: len(mid.KB), Replay: len(mid.Replay),
		Synthetic: map[string]int{}, UserCorpus: s.data.UserFile(stages.KindCorpus)}
	byGen := map[string][]record.Synthetic{}
	for _, sy := range mid.Synthetic {
		d.Synthetic[sy.Generator]++
		byGen[sy.Generator] = append(byGen[sy.Generator], sy)
	}
	// a code file with documented declarations
	for try := 0; try < 20 && len(mid.Code) > 0; try++ {
		c := mid.Code[rng.IntN(len(mid.Code))]
		var decls []record.Decl
		for _, dc := range c.Decls {
			if dc.Doc != "" && len(decls) < 4 {
				decls = append(decls, dc)
			}
		}
		if len(decls) > 0 || try == 19 {
			d.Code = &protocol.CodeItem{Path: c.Path, Package: c.Package, Decls: decls, Text: cut(c.Text, protocol.MaxDocText)}
			break
		}
	}
	// a knowledge-base page that cites others
	for try := 0; try < 20 && len(mid.KB) > 0; try++ {
		k := mid.KB[rng.IntN(len(mid.KB))]
		if len(k.Cites) > 0 || try == 19 {
			d.KB = &protocol.KBItem{URL: k.URL, Title: k.Title, Kind: k.Kind, Cites: k.Cites, Record: k.Record, Text: cut(k.Text, protocol.MaxDocText)}
			break
		}
	}
	gens := make([]string, 0, len(byGen))
	for g := range byGen {
		gens = append(gens, g)
	}
	sort.Strings(gens)
	for _, g := range gens {
		items := byGen[g]
		sy := items[rng.IntN(len(items))]
		in, out := sy.Views()
		d.Items = append(d.Items, protocol.SynItem{Generator: g, Input: in, Output: out})
	}
	s.post(protocol.Message{Kind: protocol.KindDomain, Domain: d})
}

// cut returns text cut to at most n bytes at a character boundary.
func cut(text string, n int) string {
	if len(text) <= n {
		return text
	}
	for n > 0 && !utf8.RuneStart(text[n]) {
		n--
	}
	return text[:n] + " …"
}

// postProjection posts the 2-D projection of held-out paired views under
// the run's model: each view embedded (the mean of the last hidden state
// over its tokens, as JEPA embeds it), the A and the B views each centred,
// then projected on the first two principal components of all of them
// (gonum's stat.PC). With JEPA the two views of a pair should come
// together; without it they drift apart as the domain is learned.
func (s *session) postProjection(step int) {
	c, m := s.built.Corpora, s.run.Model
	pairs := c.EvalPairs(ProjectionPairs, midtrain.DefaultViewLen-1)
	if len(pairs) < 3 {
		return
	}
	j := s.built.Mid.JEPA
	if j == nil {
		j = &midtrain.JEPA{PerStep: midtrain.DefaultPairs, ViewLen: midtrain.DefaultViewLen, Pred: midtrain.NewPredictor(m.Config.NEmbd)}
	}
	n := len(pairs)
	emb, err := j.Embed(m, midtrain.PairViews(pairs))
	if err != nil {
		s.post(errorMessage("projection", err))
		return
	}
	// Centred as training and retrieval see them: A and B each on its mean.
	midtrain.CentrePairs(emb)
	linked := j.RetrievalCentred(emb)
	C := len(emb[0])
	x := mat.NewDense(2*n, C, nil)
	for r, row := range emb {
		for k, v := range row {
			x.Set(r, k, float64(v))
		}
	}
	var pc stat.PC
	if !pc.PrincipalComponents(x, nil) {
		return
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	vars := pc.VarsTo(nil)
	var proj mat.Dense
	proj.Mul(x, vecs.Slice(0, C, 0, 2))
	total := 0.0
	for _, v := range vars {
		total += v
	}
	out := &protocol.Projection{Step: step, Linked: linked}
	if total > 0 {
		out.Explained = [2]float64{vars[0] / total, vars[1] / total}
	}
	for r := 0; r < 2*n; r++ {
		p := pairs[r%n]
		ids, view := p.A, "A"
		if r >= n {
			ids, view = p.B, "B"
		}
		out.Points = append(out.Points, protocol.ProjPoint{X: proj.At(r, 0), Y: proj.At(r, 1), Pair: r % n, View: view,
			Source: p.Source, Text: cut(string(s.run.Tok.Decode(ids)), 80)})
	}
	s.post(protocol.Message{Kind: protocol.KindProjection, Projection: out})
}
