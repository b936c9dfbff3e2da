package posttrain

import (
	"errors"
	"fmt"
)

// Options are the post-training knobs beyond train.Settings, as the CLI
// flags and the lessons carry them. Each objective reads its own.
type Options struct {
	// Group is G, the completions sampled per prompt (RL, distillation).
	// A batch of B rows holds B/G prompts (at least 1).
	Group int `json:"group"`
	// Temperature of sampling (RL, distillation). 1 samples the model's
	// own distribution, which on-policy learning assumes.
	Temperature float32 `json:"temperature"`
	// MaxTokens bounds a completion (RL, distillation); a completion that
	// reaches it without <|end|> is cut off.
	MaxTokens int `json:"max_tokens"`
	// FormatReward is added to RL's reward, times the format reward (1 for
	// a terminated reply ending with \boxed{}), and reported separately.
	FormatReward float64 `json:"format_reward"`
	// KL is β of RL's KL penalty to the frozen reference (0: off; the KL
	// is still reported when there is a reference). A tiny model needs it:
	// without it, RL at 3e-4 drove the stand-in SFT model within 12 steps
	// to replies that never stop, where every reward is 0 and no group
	// varies, so nothing pulls it back.
	KL float64 `json:"kl"`
	// Beta is DPO's β: how far the policy may move from the reference.
	Beta float64 `json:"beta"`
	// DropEnd leaves the closing <|end|> of assistant turns out of the SFT
	// mask: the classic bug, kept for the lesson that shows it.
	DropEnd bool `json:"drop_end,omitempty"`
	// Replay is SFT's share of batch rows that are windows of pre-training
	// text, every token trained (as mid-training replays it). It keeps the
	// knowledge SFT is to elicit: from the shipped mid-trained model, SFT
	// without it answered 6-16% of the held-out questions about
	// pre-training facts over three seeds, with a quarter of the rows
	// replayed 19-42% (see Lessons).
	Replay float64 `json:"replay,omitempty"`
}

// DefaultReplay is the share of SFT's rows replayed from pre-training text
// in the lessons and on the command line.
const DefaultReplay = 0.25

// DefaultOptions returns the settings the lessons start from.
func DefaultOptions() Options {
	return Options{Group: 8, Temperature: 1, MaxTokens: 40, FormatReward: 0.1, KL: 0.1, Beta: 0.1, Replay: DefaultReplay}
}

// ErrBadOptions is wrapped by every error of Options.Validate.
var ErrBadOptions = errors.New("invalid post-training options")

// Validate reports the first option out of range, with what is allowed.
func (o Options) Validate() error {
	bad := func(name string, v any, want string) error {
		return fmt.Errorf("posttrain: %w: %s = %v, want %s", ErrBadOptions, name, v, want)
	}
	switch {
	case o.Group < 1 || o.Group > 64:
		return bad("group", o.Group, "1..64")
	case !(o.Temperature > 0 && o.Temperature <= 4):
		return bad("temperature", o.Temperature, "in (0, 4]")
	case o.MaxTokens < 1 || o.MaxTokens > 2048:
		return bad("max_tokens", o.MaxTokens, "1..2048")
	case !(o.FormatReward >= 0 && o.FormatReward <= 1):
		return bad("format_reward", o.FormatReward, "in [0, 1]")
	case !(o.KL >= 0 && o.KL <= 10):
		return bad("kl", o.KL, "in [0, 10]")
	case !(o.Beta > 0 && o.Beta <= 10):
		return bad("beta", o.Beta, "in (0, 10]")
	case !(o.Replay >= 0 && o.Replay < 1):
		return bad("replay", o.Replay, "in [0, 1)")
	}
	return nil
}
