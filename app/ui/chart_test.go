package ui

import (
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// parseSVG checks that s is well-formed XML and returns its elements'
// names, in order.
func parseSVG(t *testing.T, s string) []string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	var names []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v\n%s", err, s)
		}
		if se, ok := tok.(xml.StartElement); ok {
			names = append(names, se.Name.Local)
		}
	}
}

func count(names []string, name string) int {
	n := 0
	for _, x := range names {
		if x == name {
			n++
		}
	}
	return n
}

func TestLineChart(t *testing.T) {
	train := Series{Name: "train", Class: "s0"}
	for i := 1; i <= 1000; i++ {
		train.Points = append(train.Points, Point{float64(i), 7 - 3*float64(i)/1000})
	}
	val := Series{Name: "validation <eval>", Class: "s1", Points: []Point{{1, 7}, {500, 5.5}, {1000, math.NaN()}}}
	one := Series{Name: "news", Class: "s2", Thin: true, Points: []Point{{1, 6.9}}}
	svg := LineChart("Loss by step", "step", "no data", []Series{train, val, one, {Name: "empty"}}, 1000, 640, 300)
	names := parseSVG(t, svg)
	if names[0] != "svg" {
		t.Fatalf("root element %s, want svg", names[0])
	}
	if got := count(names, "polyline"); got != 2 {
		t.Errorf("%d polylines, want 2 (train, validation)", got)
	}
	if got := count(names, "circle"); got != 1 {
		t.Errorf("%d circles, want 1 (a one-point series)", got)
	}
	if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
		t.Error("chart contains a non-finite coordinate")
	}
	if !strings.Contains(svg, "validation &lt;eval&gt;") {
		t.Error("series name not escaped")
	}
	if strings.Contains(svg, "style=") {
		t.Error("chart uses inline style attributes, which the CSP forbids")
	}
	// The train series is thinned to MaxChartPoints.
	i := strings.Index(svg, `class="line s0"`)
	pts := svg[i:]
	pts = pts[strings.Index(pts, `points="`)+8:]
	pts = pts[:strings.Index(pts, `"`)]
	if n := len(strings.Fields(pts)); n != MaxChartPoints {
		t.Errorf("train series drawn with %d points, want %d", n, MaxChartPoints)
	}
	// The first point is at the top-left region, the last lower: loss falls.
	f := strings.Fields(pts)
	var x0, y0, x1, y1 float64
	parsePair(t, f[0], &x0, &y0)
	parsePair(t, f[len(f)-1], &x1, &y1)
	if !(x1 > x0 && y1 > y0) {
		t.Errorf("falling series drawn from (%v,%v) to (%v,%v); want right and down", x0, y0, x1, y1)
	}
	for _, p := range f {
		var x, y float64
		parsePair(t, p, &x, &y)
		if x < 0 || x > 640 || y < 0 || y > 300 {
			t.Fatalf("point %s outside the 640x300 view box", p)
		}
	}
}

func parsePair(t *testing.T, s string, x, y *float64) {
	t.Helper()
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		t.Fatalf("bad point %q", s)
	}
	var err error
	if *x, err = parseF(a); err != nil {
		t.Fatal(err)
	}
	if *y, err = parseF(b); err != nil {
		t.Fatal(err)
	}
}

func TestLineChartEmpty(t *testing.T) {
	svg := LineChart("Loss", "step", "Press Start to train", nil, 300, 640, 300)
	names := parseSVG(t, svg)
	if count(names, "polyline") != 0 || !strings.Contains(svg, "Press Start to train") {
		t.Errorf("empty chart should show the message and no lines:\n%s", svg)
	}
}

func TestNiceRange(t *testing.T) {
	tests := []struct {
		lo, hi          float64
		wlo, whi, wstep float64
	}{
		{0, 300, 0, 300, 100},
		{3.2, 6.93, 3, 7, 1},
		{5, 5, 4.5, 5.5, 0.2},
		{0.01, 0.07, 0.01, 0.07, 0.02},
	}
	for _, tt := range tests {
		lo, hi, step := niceRange(tt.lo, tt.hi, 5)
		if math.Abs(step-tt.wstep) > 1e-12 || lo > tt.lo || hi < tt.hi {
			t.Errorf("niceRange(%v, %v) = %v, %v, %v; want step %v covering the range", tt.lo, tt.hi, lo, hi, step, tt.wstep)
		}
	}
}

func parseF(s string) (float64, error) { return strconv.ParseFloat(s, 64) }

func TestSmooth(t *testing.T) {
	pts := []Point{{1, 10}, {2, 0}, {3, 10}, {4, 0}, {5, math.NaN()}, {6, 10}}
	sm := Smooth(pts, 0.1)
	if len(sm) != 5 || sm[0].Y != 10 {
		t.Fatalf("Smooth = %v; want 5 points starting at the first value", sm)
	}
	for _, p := range sm[1:] {
		if p.Y <= 0 || p.Y >= 10 {
			t.Errorf("smoothed value %v outside the data's range", p)
		}
	}
	// A constant series stays constant.
	for _, p := range Smooth([]Point{{1, 3}, {2, 3}, {3, 3}}, 0.2) {
		if math.Abs(p.Y-3) > 1e-12 {
			t.Errorf("smoothing a constant gave %v", p.Y)
		}
	}
}
