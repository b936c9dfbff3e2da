package prose

import (
	"strings"

	"tinystages/datasets/internal/rng"
)

// Topic is a vocabulary that flavours the filler.
type Topic struct {
	Nouns      []string // singular concrete nouns
	Adjectives []string
	Places     []string // things you can be near, in or across ("bridge")
	Times      []string // "that morning"
}

// Topics for the page kinds.
var (
	Town = Topic{
		Nouns:      []string{"council", "market", "crowd", "mayor", "shopkeeper", "cart", "bell", "lantern", "fountain", "clerk", "notice", "gate", "wagon", "stall", "visitor", "neighbour", "child", "dog", "horse", "letter", "basket", "barrel", "ferry", "tram", "parade", "choir", "crew"},
		Adjectives: []string{"old", "small", "quiet", "busy", "narrow", "bright", "crowded", "new", "noisy", "patient", "tired", "cheerful", "careful", "local", "proud"},
		Places:     []string{"bridge", "square", "harbour", "station", "library", "market hall", "town hall", "river", "park", "old mill", "main street", "quay"},
		Times:      []string{"that morning", "on a grey afternoon", "before dawn", "late in the evening", "on market day", "after the rain", "at noon", "last winter", "in early spring"},
	}
	Nature = Topic{
		Nouns:      []string{"fox", "heron", "storm", "wind", "cloud", "tree", "leaf", "stream", "meadow", "owl", "deer", "path", "stone", "wave", "hedge", "frost", "sparrow", "beetle", "moss", "branch", "shadow", "flower"},
		Adjectives: []string{"wild", "green", "cold", "warm", "gentle", "dark", "tall", "silent", "golden", "misty", "still", "ancient", "soft", "hidden", "windy"},
		Places:     []string{"forest", "hill", "valley", "lake", "field", "orchard", "marsh", "cliff", "shore", "meadow", "pond", "woods"},
		Times:      []string{"at first light", "as the sun set", "in the autumn", "through the night", "after the storm", "in late summer", "every spring", "at dusk"},
	}
	Home = Topic{
		Nouns:      []string{"kettle", "table", "chair", "window", "cupboard", "blanket", "spoon", "bowl", "door", "clock", "cat", "book", "candle", "jar", "rug", "shelf", "pillow", "teapot", "drawer", "mirror", "plate"},
		Adjectives: []string{"warm", "wooden", "clean", "heavy", "empty", "cosy", "cracked", "shiny", "soft", "tidy", "crooked", "painted", "small", "round", "sturdy"},
		Places:     []string{"kitchen", "hallway", "garden", "attic", "cellar", "porch", "bedroom", "parlour", "yard", "stairs"},
		Times:      []string{"after supper", "on sunday", "in the morning", "before bed", "all afternoon", "during the holidays", "at breakfast", "that evening"},
	}
	Tech = Topic{
		Nouns:      []string{"phone", "screen", "battery", "cable", "charger", "laptop", "router", "update", "button", "keyboard", "speaker", "app", "setting", "backup", "password", "menu", "driver", "printer", "adapter", "fan"},
		Adjectives: []string{"new", "old", "broken", "slow", "fast", "cheap", "loud", "tiny", "cheap", "weird", "flaky", "decent", "spare", "faulty", "shiny"},
		Places:     []string{"desk", "shop", "forum", "office", "basement", "car", "workbench", "drawer", "box", "store"},
		Times:      []string{"yesterday", "last week", "this morning", "after the update", "every time", "since monday", "at night", "right away"},
	}
)

var (
	verbsT = []string{"carried", "found", "painted", "opened", "watched", "repaired", "sold", "bought", "lifted", "moved", "cleaned", "followed", "built", "dropped", "pulled", "checked", "wrapped", "filled", "noticed", "borrowed", "polished", "dragged", "guarded", "visited", "praised", "ignored", "covered", "fixed", "shared", "chased"}
	verbsI = []string{"waited", "laughed", "slept", "arrived", "left", "sang", "rested", "returned", "wandered", "shivered", "nodded", "listened", "worked", "smiled", "paused", "hurried", "stayed", "grumbled", "whistled", "argued", "agreed", "vanished", "settled", "stopped"}
	verbsB = []string{"carry", "find", "open", "watch", "repair", "sell", "move", "clean", "follow", "build", "check", "fill", "visit", "cover", "fix", "share"}
	advs   = []string{"slowly", "quietly", "again", "carefully", "suddenly", "at last", "once more", "without a word", "for a while", "as usual", "in silence", "with a grin", "happily", "gladly", "twice"}
	preps  = []string{"near", "across", "under", "behind", "beside", "past", "around", "beyond", "towards", "inside"}
	conns  = []string{"Later", "Meanwhile", "Soon", "Then", "Afterwards", "By then", "Still", "Of course", "In the end", "Even so"}
	says   = []string{"said", "claimed", "noted", "explained", "insisted", "whispered", "admitted", "reported"}
)

// Gen makes sentences on one topic.
type Gen struct {
	r *rng.Source
	t Topic
}

// New returns a generator drawing from r on topic t.
func New(r *rng.Source, t Topic) *Gen { return &Gen{r: r, t: t} }

// Article returns "a" or "an" for word.
func Article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func (g *Gen) pick(xs []string) string { return rng.Pick(g.r, xs) }

// np returns a noun phrase: "the old bell", "a fox".
func (g *Gen) np() string {
	n := g.pick(g.t.Nouns)
	if g.r.Chance(0.45) {
		n = g.pick(g.t.Adjectives) + " " + n
	}
	if g.r.Chance(0.6) {
		return "the " + n
	}
	return Article(n) + " " + n
}

func (g *Gen) pp() string {
	return g.pick(preps) + " the " + g.pick(g.t.Places)
}

// Sentence returns one sentence, capitalised and ending in a full stop.
func (g *Gen) Sentence() string {
	var s string
	switch g.r.IntN(11) {
	case 0:
		s = g.np() + " " + g.pick(verbsT) + " " + g.np() + " " + g.pp()
	case 1:
		s = g.np() + " " + g.pick(verbsI) + " " + g.pick(advs)
	case 2:
		s = g.pp() + ", " + g.np() + " " + g.pick(verbsI)
	case 3:
		s = g.np() + " " + g.pick(verbsT) + " " + g.np() + " and " + g.pick(verbsI) + " " + g.pick(advs)
	case 4:
		s = "it was " + g.pick(g.t.Times) + ", and " + g.np() + " " + g.pick(verbsI) + " " + g.pp()
	case 5:
		s = g.np() + " " + g.pick(says) + " that " + g.np() + " " + g.pick(verbsI) + " " + g.pp()
	case 6:
		s = "nobody expected " + g.np() + " to " + g.pick(verbsB) + " " + g.np()
	case 7:
		s = "when " + g.np() + " " + g.pick(verbsI) + ", " + g.np() + " " + g.pick(verbsT) + " " + g.np()
	case 8:
		s = g.pick(conns) + ", " + g.np() + " " + g.pick(verbsI) + " " + g.pp()
	case 9:
		s = g.pick(g.t.Times) + " " + g.np() + " " + g.pick(verbsT) + " " + g.np()
	default:
		s = "the " + g.pick(g.t.Nouns) + " by the " + g.pick(g.t.Places) + " was " + g.pick(g.t.Adjectives)
	}
	return capitalize(s) + "."
}

// Paragraph returns n sentences joined by spaces.
func (g *Gen) Paragraph(n int) string {
	ss := make([]string, n)
	for i := range ss {
		ss[i] = g.Sentence()
	}
	return strings.Join(ss, " ")
}

// About returns a sentence that names one entity (given as its reference,
// e.g. "Kadis Thaska" or "the Nimkel Lamp") and nothing else of the world:
// no other entity, no digit, no job or speciality.
func (g *Gen) About(ref string) string {
	var s string
	switch g.r.IntN(10) {
	case 0:
		s = ref + " " + g.pick(verbsI) + " " + g.pp()
	case 1:
		s = ref + " " + g.pick(verbsT) + " " + g.np() + " " + g.pick(advs)
	case 2:
		s = g.pick(g.t.Times) + ", " + ref + " " + g.pick(verbsI) + " " + g.pick(advs)
	case 3:
		s = g.np() + " " + g.pick(verbsT) + " " + ref + " " + g.pp()
	case 4:
		s = "people " + g.pick(says) + " that " + ref + " " + g.pick(verbsI) + " " + g.pick(advs)
	case 5:
		s = "nobody expected " + ref + " to " + g.pick(verbsB) + " " + g.np()
	case 6:
		s = g.pick(conns) + ", " + ref + " " + g.pick(verbsI) + " " + g.pp()
	case 7:
		s = "everyone " + g.pick(says) + " that " + ref + " " + g.pick(verbsT) + " " + g.np()
	case 8:
		s = ref + " and " + g.np() + " " + g.pick(verbsI) + " " + g.pp()
	default:
		if g.r.Chance(0.3) {
			s = "there is more to say about " + ref + " than fits here"
		} else {
			s = "a word about " + ref + ": " + lower(g.Sentence())
			return capitalize(s)
		}
	}
	return capitalize(s) + "."
}

func lower(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
