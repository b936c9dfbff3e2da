package train

import (
	"strings"
	"testing"
)

func TestSplitText(t *testing.T) {
	para := strings.Repeat("a", 30) + "\n\n" + strings.Repeat("b", 30)
	tests := []struct {
		name string
		text string
		size int
		want []string
	}{
		{"short", "hello", 10, []string{"hello"}},
		{"empty", " \n", 10, nil},
		{"paragraph", para, 40, []string{strings.Repeat("a", 30), strings.Repeat("b", 30)}},
		{"line", "aaaaaa\nbbbbbb", 10, []string{"aaaaaa", "bbbbbb"}},
		{"hard cut", strings.Repeat("x", 25), 10, []string{"xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"}},
		// A break in the first quarter is too early: cut at size instead.
		{"early break", "a\n" + strings.Repeat("y", 20), 12, []string{"a\n" + strings.Repeat("y", 10), strings.Repeat("y", 10)}},
	}
	for _, tt := range tests {
		got := SplitText(tt.text, tt.size)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("%s: SplitText(%q, %d) = %q, want %q", tt.name, tt.text, tt.size, got, tt.want)
		}
		for _, p := range got {
			if len(p) > tt.size {
				t.Errorf("%s: piece %q longer than %d", tt.name, p, tt.size)
			}
		}
	}
}
