package ui

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// formatInt writes n with thin thousands separators: 1 234 567.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, "\u202f"...)
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// formatCompact writes n briefly: 950, 12.3k, 4.5M.
func formatCompact(n float64) string {
	switch a := math.Abs(n); {
	case a >= 1e9:
		return fmt.Sprintf("%.1fG", n/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.1fM", n/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.0fk", n/1e3)
	case a >= 1e3:
		return fmt.Sprintf("%.1fk", n/1e3)
	}
	return fmt.Sprintf("%.0f", n)
}

// formatLoss writes a loss with three decimals, "–" when unknown.
func formatLoss(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v >= math.MaxFloat64 {
		return "–"
	}
	return fmt.Sprintf("%.3f", v)
}

// formatDuration writes d for people: 45 s, 3 min 20 s, 1 h 05 min.
func formatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%d s", s)
	case s < 3600:
		return fmt.Sprintf("%d min %02d s", s/60, s%60)
	}
	return fmt.Sprintf("%d h %02d min", s/3600, (s%3600)/60)
}

// eta estimates the time left from the steps done in elapsed out of steps.
// ok is false until a step has been measured.
func eta(done, steps int, elapsed time.Duration) (left time.Duration, ok bool) {
	if done <= 0 || elapsed <= 0 || steps < done {
		return 0, false
	}
	per := elapsed / time.Duration(done)
	return per * time.Duration(steps-done), true
}
