package ui

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Point is one measurement of a chart series.
type Point struct{ X, Y float64 }

// Series is one line of a chart.
type Series struct {
	Name   string
	Class  string // CSS class giving its colour: s0..s9
	Thin   bool   // drawn thin and dashed (secondary series)
	Faint  bool   // drawn thin and light (raw data under a smoothed line)
	Points []Point
}

// MaxChartPoints bounds the points drawn per series; longer series are
// thinned evenly (the last point is always kept).
const MaxChartPoints = 400

// LineChart renders series as an inline SVG line chart of width×height
// user units (it scales to its container), with x from 0 to xMax, the y
// range fitted to the data, grid lines, tick labels and a title for
// screen readers. Series with no points are skipped; with no points at all
// it draws empty axes and the empty message.
func LineChart(title, xLabel, empty string, series []Series, xMax float64, width, height int) string {
	const left, right, top, bottom = 44.0, 24.0, 10.0, 30.0
	W, H := float64(width), float64(height)
	pw, ph := W-left-right, H-top-bottom

	yMin, yMax := math.Inf(1), math.Inf(-1)
	xData := 0.0
	for _, s := range series {
		for _, p := range s.Points {
			if math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
				continue
			}
			yMin, yMax = math.Min(yMin, p.Y), math.Max(yMax, p.Y)
			xData = math.Max(xData, p.X)
		}
	}
	if xMax <= 0 || xData > xMax {
		xMax = math.Max(xData, 1)
	}
	hasData := yMin <= yMax
	if !hasData {
		yMin, yMax = 0, 1
	}
	yLo, yHi, yStep := niceRange(yMin, yMax, 5)

	x := func(v float64) float64 { return left + v/xMax*pw }
	y := func(v float64) float64 { return top + (yHi-v)/(yHi-yLo)*ph }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		width, height, html.EscapeString(title))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(title))
	// Horizontal grid lines with y labels.
	for v := yLo; v <= yHi+yStep/2; v += yStep {
		yy := y(v)
		fmt.Fprintf(&b, `<line class="gridline" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, left, yy, W-right, yy)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, left-5, yy+4, formatTick(v, yStep))
	}
	// x ticks.
	_, _, xStep := niceRange(0, xMax, 6)
	for v := 0.0; v <= xMax+xStep/2 && xStep > 0; v += xStep {
		if v > xMax {
			break
		}
		xx := x(v)
		fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, xx, top+ph, xx, top+ph+4)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, xx, top+ph+16, formatTick(v, xStep))
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, left, top+ph, W-right, top+ph)
	fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, left, top, left, top+ph)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, left+pw/2, H-2, html.EscapeString(xLabel))

	if !hasData {
		fmt.Fprintf(&b, `<text class="empty" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, left+pw/2, top+ph/2, html.EscapeString(empty))
	}
	for _, s := range series {
		pts := thin(finitePoints(s.Points), MaxChartPoints)
		if len(pts) == 0 {
			continue
		}
		cls := "line " + s.Class
		if s.Thin {
			cls += " thin"
		}
		if s.Faint {
			cls += " faint"
		}
		if len(pts) == 1 {
			fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="3"><title>%s</title></circle>`,
				html.EscapeString(s.Class), x(pts[0].X), y(pts[0].Y), html.EscapeString(s.Name))
			continue
		}
		fmt.Fprintf(&b, `<polyline class="%s" points="`, html.EscapeString(cls))
		for i, p := range pts {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%.1f,%.1f", x(p.X), y(p.Y))
		}
		fmt.Fprintf(&b, `"><title>%s</title></polyline>`, html.EscapeString(s.Name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func finitePoints(pts []Point) []Point {
	for _, p := range pts {
		if math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
			out := make([]Point, 0, len(pts))
			for _, p := range pts {
				if !math.IsNaN(p.Y) && !math.IsInf(p.Y, 0) {
					out = append(out, p)
				}
			}
			return out
		}
	}
	return pts
}

// thin keeps at most n points of pts, evenly spaced, always the last.
func thin(pts []Point, n int) []Point {
	if len(pts) <= n || n < 2 {
		return pts
	}
	out := make([]Point, 0, n)
	step := float64(len(pts)-1) / float64(n-1)
	for i := 0; i < n; i++ {
		out = append(out, pts[int(math.Round(float64(i)*step))])
	}
	return out
}

// niceRange widens [lo, hi] to multiples of a 1, 2 or 5 times a power of
// ten step giving about n intervals.
func niceRange(lo, hi float64, n int) (nlo, nhi, step float64) {
	if hi-lo < 1e-9 {
		lo, hi = lo-0.5, hi+0.5
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		step = m * mag
		if raw <= step {
			break
		}
	}
	return math.Floor(lo/step) * step, math.Ceil(hi/step) * step, step
}

// formatTick prints v with as many decimals as step needs.
func formatTick(v, step float64) string {
	dec := 0
	if step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	if math.Abs(v) < step/1e6 {
		v = 0
	}
	return fmt.Sprintf("%.*f", dec, v)
}

// Smooth returns the exponential moving average of pts with weight alpha
// on each new point, bias-corrected so that it starts at the first value.
func Smooth(pts []Point, alpha float64) []Point {
	out := make([]Point, 0, len(pts))
	var avg, norm float64
	for _, p := range pts {
		if math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
			continue
		}
		avg = (1-alpha)*avg + alpha*p.Y
		norm = (1-alpha)*norm + alpha
		out = append(out, Point{p.X, avg / norm})
	}
	return out
}
