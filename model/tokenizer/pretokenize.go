package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// Character classes of GPT-2's pre-tokenizer regular expression.
const (
	classOther  = iota // [^\s\p{L}\p{N}], and any byte that is not valid UTF-8
	classLetter        // \p{L}
	classNumber        // \p{N}
	classSpace         // \s: Unicode White_Space
)

// asciiClass is the class of each ASCII byte.
var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		t[c] = runeClass(rune(c))
	}
	return t
}()

func runeClass(r rune) uint8 {
	switch {
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	case unicode.IsSpace(r):
		return classSpace
	}
	return classOther
}

// charAt returns the class and the length in bytes of the character at the
// start of b, which must not be empty. A byte that does not start a valid
// UTF-8 sequence is a character of length 1 in classOther.
func charAt(b []byte) (class uint8, size int) {
	if c := b[0]; c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError && size == 1 {
		return classOther, 1
	}
	return runeClass(r), size
}

// nextChunk returns the length of the first pre-token of b, which must not be
// empty. It matches b against the alternatives of GPT-2's expression
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// in order, as a backtracking regular expression engine does.
func nextChunk(b []byte) int {
	n := len(b)
	if b[0] == '\'' && n >= 2 {
		switch b[1] {
		case 's', 't', 'm', 'd':
			return 2
		case 'r', 'v':
			if n >= 3 && b[2] == 'e' {
				return 3
			}
		case 'l':
			if n >= 3 && b[2] == 'l' {
				return 3
			}
		}
	}
	i := 0
	class, _ := charAt(b)
	if b[0] == ' ' && n > 1 {
		// " ?X+" for X a letter, number or other class.
		if c, _ := charAt(b[1:]); c != classSpace {
			i, class = 1, c
		}
	}
	if class != classSpace {
		for i < n {
			c, size := charAt(b[i:])
			if c != class {
				break
			}
			i += size
		}
		return i
	}
	// A run of white space: \s+(?!\S) takes all of it at the end of the
	// input and all but its last character before a non-space; a single
	// space character before a non-space is \s+.
	last := 0 // start of the run's last character
	for i < n {
		c, size := charAt(b[i:])
		if c != classSpace {
			break
		}
		last = i
		i += size
	}
	if i < n && last > 0 {
		return last
	}
	return i
}

// chunks calls yield with each pre-token of text in order.
func chunks(text []byte, yield func(chunk []byte)) {
	for len(text) > 0 {
		n := nextChunk(text)
		yield(text[:n])
		text = text[n:]
	}
}
