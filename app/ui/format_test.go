package ui

import (
	"math"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatInt(0), "0"},
		{formatInt(999), "999"},
		{formatInt(1234567), "1\u202f234\u202f567"},
		{formatInt(-1234), "-1\u202f234"},
		{formatCompact(950), "950"},
		{formatCompact(1234), "1.2k"},
		{formatCompact(56789), "57k"},
		{formatCompact(4.5e6), "4.5M"},
		{formatLoss(3.14159), "3.142"},
		{formatLoss(math.NaN()), "–"},
		{formatLoss(math.MaxFloat64), "–"},
		{formatDuration(45 * time.Second), "45 s"},
		{formatDuration(200 * time.Second), "3 min 20 s"},
		{formatDuration(3900 * time.Second), "1 h 05 min"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestETA(t *testing.T) {
	if _, ok := eta(0, 100, time.Second); ok {
		t.Error("eta with no step done should be unknown")
	}
	left, ok := eta(25, 100, 50*time.Second)
	if !ok || left != 150*time.Second {
		t.Errorf("eta(25, 100, 50s) = %v, %v; want 150s", left, ok)
	}
	if left, ok := eta(100, 100, time.Minute); !ok || left != 0 {
		t.Errorf("eta at the end = %v, %v; want 0", left, ok)
	}
}
