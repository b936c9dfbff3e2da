package datasetstest

import (
	"path/filepath"
	"testing"
)

func TestInCI(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want bool
	}{{"", false}, {"0", false}, {"false", false}, {"FALSE", false}, {"true", true}, {"1", true}, {"yes", true}} {
		t.Setenv("CI", tt.v)
		if got := InCI(); got != tt.want {
			t.Errorf("CI=%q: InCI() = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// TestNeedSkips: outside CI a missing file skips the test; a present one
// lets it run on.
func TestNeedSkips(t *testing.T) {
	t.Setenv("CI", "")
	dir := t.TempDir()
	var ran bool
	t.Run("missing", func(t *testing.T) {
		Need(t, filepath.Join(dir, "nothing.json"), "make datasets")
		ran = true
	})
	if ran {
		t.Error("Need let a test run on without its file")
	}
	t.Run("present", func(t *testing.T) {
		Need(t, dir, "make datasets")
		ran = true
	})
	if !ran {
		t.Error("Need stopped a test whose file is there")
	}
}
