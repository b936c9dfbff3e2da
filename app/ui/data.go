package ui

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/datasets/manifest"
)

// ManifestPath is where the shipped datasets' manifest is served.
const ManifestPath = "/web/datasets/" + manifest.FileName

// fetchStatic GETs a static resource (a /web/... path) from the page's
// origin. It must be called off the UI goroutine (ctx.Async).
func fetchStatic(ctx app.Context, path string, limit int64) ([]byte, error) {
	u := *ctx.Page().URL()
	u.Path, u.RawQuery, u.Fragment = ctx.ResolveStaticResource(path), "", ""
	res, err := http.Get(u.String())
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", path, res.Status)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, nil
}

// loadManifest fetches and decodes the datasets' manifest.
func loadManifest(ctx app.Context) (*manifest.Manifest, error) {
	data, err := fetchStatic(ctx, ManifestPath, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("the datasets' manifest could not be loaded (%v); build the datasets with make run", err)
	}
	var m manifest.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", ManifestPath, err)
	}
	if m.Version != manifest.Version {
		return nil, fmt.Errorf("%s has version %d, this app reads version %d: rebuild the datasets", ManifestPath, m.Version, manifest.Version)
	}
	return &m, nil
}

// firstLines returns the first n non-blank lines of a JSONL file.
func firstLines(data []byte, n int) [][]byte {
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for len(out) < n && sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			out = append(out, append([]byte(nil), l...))
		}
	}
	return out
}

// stageTotals sums the datasets of one stage in a manifest.
type stageTotals struct {
	Datasets []*manifest.Dataset
	Records  int
	Tokens   int64
	Bytes    int64
	Unit     string
}

func totalsFor(m *manifest.Manifest, stage string) stageTotals {
	var t stageTotals
	if m == nil {
		return t
	}
	for i := range m.Datasets {
		d := &m.Datasets[i]
		if d.Stage != stage {
			continue
		}
		t.Datasets = append(t.Datasets, d)
		t.Records += d.Records
		t.Tokens += d.Tokens
		t.Bytes += d.Bytes
		if t.Unit == "" {
			t.Unit = d.Unit
		} else if t.Unit != d.Unit {
			t.Unit = "records"
		}
	}
	return t
}
