package world

import (
	"strings"

	"tinystages/datasets/internal/rng"
)

// Syllables for invented names. The inventory is chosen to sound like names
// without being common words or well-known names; the blocklist below catches
// the few real words it can still spell.
var (
	syllableA = []string{"za", "vo", "ke", "tha", "ri", "mo", "sel", "dra", "ul", "fen", "ka", "bre", "ost", "yel", "nim", "tor", "ves", "gal", "iro", "qua", "ely", "pra", "sko", "ith"}
	syllableB = []string{"rin", "vek", "lum", "mor", "dis", "tha", "nel", "ska", "vin", "rok", "mae", "lun", "dro", "sa", "bel", "quin", "tes", "ro", "vash", "kel", "dun", "zar", "pho", "wyn"}
	syllableC = []string{"ov", "ane", "ith", "ers", "ul", "ard", "eth", "os", "in", "ask", "orn", "ev"}
)

// blocked holds real words and common names the syllables can spell.
var blocked = map[string]bool{
	"zarin": true, "kelly": true, "tesla": true, "gala": true, "rose": true, "vovin": true,
	"karo": true, "kasa": true, "mora": true, "mosa": true, "rima": true, "moro": true,
	"ostro": true, "toro": true, "torro": true, "galsa": true, "salsa": true, "ulsa": true,
	"kerin": true, "keltes": true, "selma": true, "brebel": true, "torsa": true, "rivin": true,
	"irosa": true, "ritha": true, "kathy": true, "kamae": true, "morin": true, "karin": true,
	"marin": true, "tordun": true, "vesta": true, "rimor": true, "elysa": true, "pradis": true,
	"kadun": true, "voro": true, "fenro": true, "galro": true, "mosel": true, "ulrin": true,
	"rites": true, "zaro": true, "keska": true, "vosa": true, "rista": true, "rila": true, "kasel": true,
}

// namer hands out unique invented words. No word it returns is a substring of
// another, so a name found in a text is never part of a longer name.
type namer struct {
	r     *rng.Source
	used  []string
	first map[string]int // how often each first syllable was used
}

func (n *namer) ok(w string) bool {
	lw := strings.ToLower(w)
	if blocked[lw] || len(lw) < 4 {
		return false
	}
	for _, u := range n.used {
		if strings.Contains(u, lw) || strings.Contains(lw, u) {
			return false
		}
	}
	return true
}

func (n *namer) take(w string) string {
	n.used = append(n.used, strings.ToLower(w))
	return capitalize(w)
}

// word returns a new two-syllable word (three if the two-syllable words
// run out). First syllables are spread evenly, so names differ from their
// first letters on, which helps a small model tell them apart.
func (n *namer) word() string {
	if n.first == nil {
		n.first = map[string]int{}
	}
	for tries := 0; ; tries++ {
		least := -1
		var a string
		for _, i := range n.r.Perm(len(syllableA)) {
			if c := n.first[syllableA[i]]; least < 0 || c < least {
				least, a = c, syllableA[i]
			}
		}
		w := a + rng.Pick(n.r, syllableB)
		if tries > 50 {
			w += rng.Pick(n.r, syllableC)
		}
		if n.ok(w) {
			n.first[a]++
			return n.take(w)
		}
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// slug returns the URL form of a name: "Anra Pell" -> "anra-pell".
func slug(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), " ", "-")
}

// Suffixes that make a kind of name out of an invented stem.
var (
	placeSuffixes    = []string{"Bay", "Falls", "Ford", "Harbour", "Hollow", "Reach", "Mere", "Vale", "Point", "Crossing", "Heath", "Cove"}
	orgSuffixes      = []string{"Works", "Labs", "Guild", "Foundry", "Mills", "Systems", "Press", "Cooperative"}
	productNouns     = []string{"Lamp", "Kettle", "Bicycle", "Radio", "Loom", "Compass", "Stove", "Clock", "Kite", "Lantern"}
	eventNouns       = []string{"Regatta", "Fair", "Festival", "Cup", "Summit", "Marathon", "Carnival", "Gala"}
	regionSuffixes   = []string{"Valley", "Coast", "Hills", "Plains", "Marsh", "Highlands"}
	jobs             = []string{"baker", "pilot", "potter", "weaver", "fisher", "teacher", "glassblower", "clockmaker", "cartographer", "beekeeper", "ferry captain", "lamp maker", "surveyor", "bookbinder", "chemist", "tailor"}
	specialities     = []string{"salt fish", "blue glass", "copper bells", "paper kites", "honey cake", "river stones", "wool rugs", "clay pipes", "silver lace", "plum wine", "stone bridges", "tall ships", "night markets", "pine resin"}
	priceUnit        = "crowns"
	yearLo, yearHi   = 1890, 2019
	priceLo, priceHi = 12, 96
	portLo, portHi   = 2000, 9899
)
