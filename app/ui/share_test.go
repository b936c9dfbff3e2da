package ui

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"tinystages/app/protocol"
)

func TestParseView(t *testing.T) {
	tests := []struct {
		query    string
		embed    bool
		autoplay bool
		controls []string
		bad      []string
	}{
		{"", false, false, nil, nil},
		{"autoplay=1", false, true, nil, nil},
		{"autoplay=sometimes", false, false, nil, []string{ParamAutoplay}},
		{"controls=chart", false, false, nil, nil}, // not a full page's parameter: ignored
		{"", true, false, DefaultEmbedControls, nil},
		{"autoplay=1&controls=chart,play", true, true, []string{ControlPlay, ControlChart}, nil},
		{"controls=none", true, false, []string{}, nil},
		{"controls=all", true, false, EmbedControls, nil},
		{"controls=chart,knobs", true, false, DefaultEmbedControls, []string{ParamControls}},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		v, probs := parseView(q, tt.embed)
		var bad []string
		for _, p := range probs {
			bad = append(bad, p.Param)
			if !strings.Contains(p.String(), "not allowed") || p.Allowed == "" {
				t.Errorf("%q: problem %q does not say what is allowed", tt.query, p)
			}
		}
		if v.Autoplay != tt.autoplay || !reflect.DeepEqual(v.Controls, tt.controls) || !reflect.DeepEqual(bad, tt.bad) {
			t.Errorf("parseView(%q, embed %v) = %+v, %v; want autoplay %v, controls %v, problems %v",
				tt.query, tt.embed, v, bad, tt.autoplay, tt.controls, tt.bad)
		}
	}
}

// TestShareQuery: a shared link gives back the run's settings and the
// embed's view.
func TestShareQuery(t *testing.T) {
	s := protocol.DefaultSettings("tiny")
	s.Steps, s.Seed, s.LR, s.MinQuality, s.Backend = 77, 12345678901234, 0.0042, 0.35, protocol.BackendWebGPU
	for _, v := range []view{{}, {Autoplay: true}, {Controls: []string{ControlChart}}, {Controls: DefaultEmbedControls}} {
		q := shareQuery(s, v, true)
		got, probs := protocol.ParseQuery(q)
		gv, vprobs := parseView(q, true)
		if got != s || len(probs)+len(vprobs) > 0 {
			t.Errorf("shareQuery(%+v) = %s: settings %+v, problems %v %v", v, q.Encode(), got, probs, vprobs)
		}
		want := v.Controls
		if want == nil {
			want = DefaultEmbedControls
		}
		if gv.Autoplay != v.Autoplay || !reflect.DeepEqual(gv.Controls, want) {
			t.Errorf("shareQuery(%+v) = %s: view %+v", v, q.Encode(), gv)
		}
		if v.Controls != nil && reflect.DeepEqual(v.Controls, DefaultEmbedControls) && q.Has(ParamControls) {
			t.Errorf("default controls spelled out: %s", q.Encode())
		}
	}
}

func TestEmbedCode(t *testing.T) {
	code := embedCode(`https://x.org/embed/pretraining?preset=nano&steps=5`, `tinystages: "live"`)
	for _, want := range []string{
		`<iframe src="https://x.org/embed/pretraining?preset=nano&amp;steps=5"`,
		`title="tinystages: &quot;live&quot;"`, `loading="lazy"`, `height="600"`, `width="100%"`, `max-width:720px`, `></iframe>`,
	} {
		if !strings.Contains(code, want) {
			t.Errorf("embed code %s lacks %s", code, want)
		}
	}
}

func TestPageURL(t *testing.T) {
	t.Setenv(envBase, "")
	if got := pageURL("/pretraining"); got != "/pretraining" {
		t.Errorf("on the server: %q", got)
	}
	t.Setenv(envBase, "/sub/path/")
	for in, want := range map[string]string{"/": "/sub/path/", "/pretraining": "/sub/path/pretraining/", "/embed/midtraining": "/sub/path/embed/midtraining/"} {
		if got := pageURL(in); got != want {
			t.Errorf("static build: pageURL(%q) = %q, want %q", in, got, want)
		}
	}
}
