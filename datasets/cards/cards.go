package cards

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"

	"tinystages/datasets/manifest"
)

//go:embed *.md *.tmpl
var files embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"num":   num,
	"bytes": humanBytes,
	"pct":   func(a, b int) string { return fmt.Sprintf("%.0f%%", 100*float64(a)/float64(max(b, 1))) },
	"f2":    func(x float64) string { return fmt.Sprintf("%.2f", x) },
}).ParseFS(files, "*.md", "*.tmpl"))

// Data is what a card template sees.
type Data struct {
	D *manifest.Dataset
	M *manifest.Manifest
}

// Template returns the template file name of a dataset's card.
func Template(dataset string) string {
	if strings.HasPrefix(dataset, "qa-") {
		return "qa.md"
	}
	return dataset + ".md"
}

// Render returns the card of dataset d with the numbers of manifest m.
func Render(d *manifest.Dataset, m *manifest.Manifest) ([]byte, error) {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, Template(d.Name), Data{D: d, M: m}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// num formats an integer with thousands separators: 1234567 -> "1,234,567".
func num(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	default:
		return fmt.Sprint(v)
	}
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
