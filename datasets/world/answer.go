package world

import (
	"strings"
	"unicode"
)

// IDK is the reply SFT teaches for questions about never-seen facts.
const IDK = "I don't know."

// Normalize prepares a reply or an answer for exact-match comparison:
//
//   - surrounding white space, quotes and final punctuation (. , ; : ! ?)
//     are removed, and inner runs of white space become one space;
//   - letters are lower-cased, and curly apostrophes become straight ones;
//   - a leading article ("the ", "a ", "an ") is dropped;
//   - commas between digits are dropped ("1,200" → "1200") and a number's
//     leading zeros are dropped ("007" → "7").
func Normalize(s string) string {
	s = strings.ReplaceAll(s, "\u2019", "'")
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	s = strings.Trim(s, " \"'`.,;:!?")
	for _, art := range []string{"the ", "a ", "an "} {
		if strings.HasPrefix(s, art) {
			s = s[len(art):]
			break
		}
	}
	// Drop commas between digits.
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) {
			continue
		}
		b.WriteByte(s[i])
	}
	s = b.String()
	// Drop leading zeros of each number (a run of digits not preceded by a
	// letter or digit), keeping a lone zero.
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		atStart := len(out) == 0 || !isAlnum(out[len(out)-1])
		if s[i] == '0' && atStart && i+1 < len(s) && isDigit(s[i+1]) {
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// Match reports whether reply is the answer: Normalize(reply) ==
// Normalize(answer).
func Match(reply, answer string) bool { return Normalize(reply) == Normalize(answer) }

// IsIDK reports whether reply declines to answer ("I don't know", "I do not
// know", "unknown"), after Normalize.
func IsIDK(reply string) bool {
	switch Normalize(reply) {
	case "i don't know", "i do not know", "i dont know", "unknown", "i'm not sure", "i am not sure":
		return true
	}
	return false
}

// sentenceEnd reports whether r ends a sentence for mention counting.
func sentenceEnd(r rune) bool { return r == '.' || r == '!' || r == '?' || r == '\n' }

// Sentences splits text into sentences for mention counting: maximal runs
// of text between '.', '!', '?' and newlines.
func Sentences(text string) []string { return strings.FieldsFunc(text, sentenceEnd) }

// ContainsWord reports whether s contains word as a whole word, ignoring
// case: the characters either side of the match are not letters or digits.
// word must already be lower-case; s is lowered here.
func ContainsWord(s, word string) bool { return containsLowerWord(strings.ToLower(s), word) }

func containsLowerWord(ls, word string) bool {
	for off := 0; ; {
		i := strings.Index(ls[off:], word)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(word)
		if (i == 0 || !isWordRune(lastRune(ls[:i]))) && (j == len(ls) || !isWordRune(firstRune(ls[j:]))) {
			return true
		}
		off = i + 1
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func lastRune(s string) rune {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] < 0x80 || s[i] >= 0xC0 {
			for _, r := range s[i:] {
				return r
			}
		}
	}
	return 0
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}
