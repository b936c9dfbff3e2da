package pretrain

import (
	"regexp"
	"strings"

	"tinystages/datasets/record"
)

// BookFile is where the book's text lives in the Go tree, relative to
// $GOROOT. It is Isaac Newton's Opticks (4th edition, 1730), a public-domain
// text from Project Gutenberg that Go uses as test data for its compressors.
const BookFile = "src/testdata/Isaac.Newton-Opticks.txt"

var (
	illustration = regexp.MustCompile(`^\[Illustration[^\]]*\]$`)
	footnoteMark = regexp.MustCompile(`\[[A-Z]\]`)
)

// Book splits the text of Opticks into passages of about minBytes to
// maxBytes, each a document with source "book" and quality 0.9. It drops the
// transcription credits and notes, illustration placeholders and footnote
// markers, removes the underscores that mark italics, and joins each
// paragraph's wrapped lines into one line; passages keep paragraph breaks.
func Book(text []byte, minBytes, maxBytes int) []record.Document {
	s := strings.ReplaceAll(string(text), "\r\n", "\n")
	var paras []string
	for _, p := range strings.Split(s, "\n\n") {
		var lines []string
		for _, l := range strings.Split(p, "\n") {
			l = strings.TrimSpace(l)
			if l == "" || illustration.MatchString(l) {
				continue
			}
			lines = append(lines, l)
		}
		if len(lines) == 0 {
			continue
		}
		para := strings.Join(lines, " ")
		if strings.Contains(para, "pgdp.net") || strings.Contains(para, "Transcriber's Note") || strings.Trim(para, "* ") == "" {
			continue
		}
		para = footnoteMark.ReplaceAllString(para, "")
		para = strings.TrimSpace(strings.ReplaceAll(para, "_", ""))
		paras = append(paras, para)
	}
	var docs []record.Document
	var cur []string
	size := 0
	flush := func() {
		if len(cur) == 0 {
			return
		}
		t := strings.Join(cur, "\n\n")
		docs = append(docs, record.Document{ID: ID(record.SourceBook, t), Source: record.SourceBook, Quality: 0.9, Text: t})
		cur, size = nil, 0
	}
	for _, p := range paras {
		for len(p) > maxBytes {
			// Cut an overlong paragraph at a sentence end.
			cut := strings.LastIndex(p[:maxBytes], ". ")
			if cut < minBytes/2 {
				cut = strings.LastIndex(p[:maxBytes], " ")
			}
			head := p[:cut+1]
			p = strings.TrimSpace(p[cut+1:])
			cur = append(cur, head)
			flush()
		}
		cur = append(cur, p)
		size += len(p)
		if size >= minBytes {
			flush()
		}
	}
	flush()
	return docs
}
