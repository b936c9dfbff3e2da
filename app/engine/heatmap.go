package main

import (
	"fmt"

	"tinystages/app/protocol"
	"tinystages/model/posttrain"
	"tinystages/model/train"
)

// heatmap lays out the last batch of the run as the loss sees it: the
// first protocol.MaxHeatRows rows, each as its target tokens (decoded) and
// their weights, with where the row came from and what it earned. A
// position without a target shows its next input token at weight 0.
func (s *session) heatmap(step int) *protocol.Heatmap {
	b := s.run.LastBatch()
	if b == nil {
		return nil
	}
	h := &protocol.Heatmap{Step: step, Stage: s.stageName()}
	origins := make([]string, b.B)
	labels := make([]string, b.B)
	var values []float32 // [B*T], per token, when the stage has a second number
	fill := func(o string) {
		for i := range origins {
			origins[i] = o
		}
	}
	switch p := s.producer.(type) {
	case *train.Mixture:
		copy(origins, p.Origins())
	case *posttrain.SFT:
		copy(origins, p.Origins())
	case *posttrain.GRPO:
		fill("completion")
		for i, sm := range p.Samples() {
			if i < len(labels) {
				labels[i] = fmt.Sprintf("reward %.2g · advantage %+.2f", sm.Reward+s.settings.Post.FormatReward*sm.Format, sm.Advantage)
			}
		}
	case *posttrain.Distill:
		fill("completion")
		for i, sm := range p.Samples() {
			if i < len(labels) {
				labels[i] = fmt.Sprintf("reward %.0f · mean reverse KL %.2f", sm.Reward, sm.ReverseKL)
			}
		}
		if kl := p.TokenKL(); len(kl) == b.B*b.T {
			values, h.Value = kl, "reverse KL: log p_student − log p_teacher"
		}
	case *posttrain.DPO:
		for i := range origins {
			origins[i] = "chosen"
			if i%2 == 1 {
				origins[i] = "rejected"
			}
		}
	default:
		fill("text")
	}
	tok := s.run.Tok
	for r := 0; r < b.B && len(h.Rows) < protocol.MaxHeatRows; r++ {
		last := -1
		for t := 0; t < b.T; t++ {
			if b.Targets[r*b.T+t] >= 0 {
				last = t
			}
		}
		if last < 0 {
			continue
		}
		row := protocol.HeatRow{Origin: origins[r], Label: labels[r]}
		for t := max(0, last+1-protocol.MaxHeatTokens); t <= last; t++ {
			i := r*b.T + t
			id, w := b.Targets[i], float32(1)
			switch {
			case id < 0:
				id, w = b.Tokens[i+1], 0 // t < last < T
			case b.Weights != nil:
				w = b.Weights[i]
			}
			row.Tokens = append(row.Tokens, string(tok.TokenBytes(id)))
			row.Weights = append(row.Weights, w)
			if values != nil {
				row.Values = append(row.Values, values[i])
			}
		}
		if s.stageName() == "dpo" && row.Label == "" {
			for _, w := range row.Weights {
				if w != 0 {
					row.Label = fmt.Sprintf("weight %+.3f on every token", w)
					break
				}
			}
		}
		h.Rows = append(h.Rows, row)
	}
	return h
}

// completions lists the completions RL or distillation sampled for the
// last batch, with what each earned.
func (s *session) completions(step int) *protocol.Completions {
	var samples []posttrain.Sample
	switch p := s.producer.(type) {
	case *posttrain.GRPO:
		samples = p.Samples()
	case *posttrain.Distill:
		samples = p.Samples()
	}
	if len(samples) == 0 {
		return nil
	}
	items := append([]protocol.Completion(nil), samples[:min(len(samples), MaxCompletions)]...)
	return &protocol.Completions{Step: step, Items: items}
}

// stageName is the run's stage: pre-training when none is set.
func (s *session) stageName() string {
	if s.stage == "" {
		return train.StagePretrain
	}
	return s.stage
}
