package protocol

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// page is a page's settings for testing Params: one field per helper.
type page struct {
	Mode     string
	N        int
	Seed     uint64
	Ratio    float64
	LR       float32
	Autoplay bool
	Parts    []string
}

var pageParams = Params[page]{
	Enum("mode", []string{"fast", "slow"}, func(p *page) *string { return &p.Mode }),
	Int("n", 1, 10, func(p *page) *int { return &p.N }),
	Uint("seed", func(p *page) *uint64 { return &p.Seed }),
	Float("ratio", 0, 1, func(p *page) *float64 { return &p.Ratio }),
	Float32("lr", 1e-5, 1, func(p *page) *float32 { return &p.LR }),
	Bool("autoplay", func(p *page) *bool { return &p.Autoplay }),
	List("parts", []string{"chart", "play", "share"}, func(p *page) *[]string { return &p.Parts }),
}

var pageDefaults = page{Mode: "fast", N: 3, Seed: 1, Ratio: 0.5, LR: 0.003, Parts: []string{"chart", "play"}}

func TestParamsParse(t *testing.T) {
	tests := []struct {
		query string
		want  func(p *page)
		bad   []string // parameters reported, in table order
		says  []string // words the messages must hold
	}{
		{"", func(p *page) {}, nil, nil},
		{"mode=SLOW&n=10&seed=18446744073709551615&ratio=1&lr=0.5&autoplay=yes&parts=share,chart",
			func(p *page) {
				p.Mode, p.N, p.Seed, p.Ratio, p.LR, p.Autoplay, p.Parts = "slow", 10, 1<<64-1, 1, 0.5, true, []string{"chart", "share"}
			}, nil, nil},
		{"mode=warp", func(p *page) {}, []string{"mode"}, []string{`mode="warp"`, "one of fast, slow", "using fast"}},
		{"n=0&n=4", func(p *page) {}, []string{"n"}, []string{"a whole number from 1 to 10", "using 3"}},
		{"n=2.5", func(p *page) {}, []string{"n"}, nil},
		{"seed=-1", func(p *page) {}, []string{"seed"}, []string{"from 0 to 18446744073709551615"}},
		{"ratio=NaN", func(p *page) {}, []string{"ratio"}, []string{"a number from 0 to 1"}},
		{"ratio=1.01&lr=1e-6", func(p *page) {}, []string{"ratio", "lr"}, []string{"using 0.5", "using 0.003"}},
		{"autoplay=maybe", func(p *page) {}, []string{"autoplay"}, []string{"1 or 0"}},
		{"autoplay=0", func(p *page) {}, nil, nil},
		{"parts=chart,bogus", func(p *page) {}, []string{"parts"}, []string{"comma-separated list of chart, play, share", "using chart,play"}},
		{"parts=all", func(p *page) { p.Parts = []string{"chart", "play", "share"} }, nil, nil},
		{"parts=none", func(p *page) { p.Parts = []string{} }, nil, nil},
		{"parts=%20play%20", func(p *page) { p.Parts = []string{"play"} }, nil, nil},
		{"mode=slow&n=x&other=1", func(p *page) { p.Mode = "slow" }, []string{"n"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			want := pageDefaults
			want.Parts = append([]string(nil), want.Parts...)
			tt.want(&want)
			got, probs := pageParams.Parse(q, pageDefaults)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
			var bad []string
			var msgs []string
			for _, p := range probs {
				bad = append(bad, p.Param)
				msgs = append(msgs, p.String())
			}
			if !reflect.DeepEqual(bad, tt.bad) {
				t.Errorf("problems with %v, want %v (%q)", bad, tt.bad, msgs)
			}
			all := strings.Join(msgs, "; ")
			for _, w := range tt.says {
				if !strings.Contains(all, w) {
					t.Errorf("messages %q do not say %q", all, w)
				}
			}
		})
	}
}

func TestParamsQueryRoundTrip(t *testing.T) {
	for _, p := range []page{
		pageDefaults,
		{Mode: "slow", N: 10, Seed: 1<<63 + 7, Ratio: 0.125, LR: 0.0007, Autoplay: true, Parts: []string{"share"}},
		{Mode: "fast", N: 1, LR: 0.01, Parts: []string{}},
	} {
		q := pageParams.Query(p)
		got, probs := pageParams.Parse(q, page{Mode: "slow", N: 5, Parts: []string{"play"}})
		if len(probs) > 0 || !reflect.DeepEqual(got, p) {
			t.Errorf("Parse(Query(%+v)) = %+v, %v (query %s)", p, got, probs, q.Encode())
		}
	}
	if got := pageParams.Names(); strings.Join(got, ",") != "mode,n,seed,ratio,lr,autoplay,parts" {
		t.Errorf("Names() = %v", got)
	}
}
