package midtrain

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"path"
	"sort"
	"strings"

	"tinystages/datasets/record"
)

// Packages is the curated list of Go standard-library packages extracted for
// the code corpus: small, self-contained, well documented, and about text,
// numbers and containers, which a small model can make sense of.
var Packages = []string{
	"bufio", "bytes", "cmp", "container/list", "container/ring", "encoding/base64", "encoding/hex",
	"errors", "io", "maps", "math/bits", "path", "slices", "sort", "strconv", "strings",
	"text/tabwriter", "unicode/utf16", "unicode/utf8",
}

// CodeConfig bounds what is kept of each file.
type CodeConfig struct {
	MaxBodyLines int // function bodies up to this many lines are kept; longer ones are cut to the signature
	MaxDeclBytes int // const and var declarations longer than this are dropped (tables)
}

// DefaultCodeConfig keeps bodies of up to 10 lines.
var DefaultCodeConfig = CodeConfig{MaxBodyLines: 10, MaxDeclBytes: 600}

// Code extracts the code corpus from src, a file system rooted at
// $GOROOT/src: one document per non-test Go file of each package in pkgs,
// with the file's license header, the package clause and its doc comment,
// the imports, and every exported declaration with its doc comment. Bodies
// longer than cfg.MaxBodyLines and long const/var tables are cut; unexported
// declarations are dropped. Files with build constraints (generators,
// platform-specific code) and files with no exported declarations are
// skipped. Documents are in package, then file order.
func Code(src fs.FS, pkgs []string, cfg CodeConfig) ([]record.CodeDoc, error) {
	var docs []record.CodeDoc
	for _, pkg := range pkgs {
		entries, err := fs.ReadDir(src, pkg)
		if err != nil {
			return nil, fmt.Errorf("midtrain: package %s: %w", pkg, err)
		}
		for _, ent := range entries {
			name := ent.Name()
			if ent.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			p := path.Join(pkg, name)
			data, err := fs.ReadFile(src, p)
			if err != nil {
				return nil, fmt.Errorf("midtrain: %w", err)
			}
			doc, ok, err := codeDoc(p, pkg, data, cfg)
			if err != nil {
				return nil, err
			}
			if ok {
				docs = append(docs, doc)
			}
		}
	}
	return docs, nil
}

// CodeID returns the id of the code document for a file path under
// $GOROOT/src.
func CodeID(p string) string { return "code-" + strings.NewReplacer("/", "-", ".go", "").Replace(p) }

func codeDoc(p, pkg string, data []byte, cfg CodeConfig) (record.CodeDoc, bool, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, p, data, parser.ParseComments)
	if err != nil {
		return record.CodeDoc{}, false, fmt.Errorf("midtrain: %w", err)
	}
	if hasBuildConstraint(f) || f.Name.Name == "main" {
		return record.CodeDoc{}, false, nil
	}
	var b bytes.Buffer
	// The license header: the comment groups before the package clause that
	// are not the package doc.
	for _, cg := range f.Comments {
		if cg.End() >= f.Package || cg == f.Doc {
			break
		}
		if strings.Contains(cg.Text(), "Copyright") {
			writeComment(&b, cg.Text())
			b.WriteString("\n")
		}
	}
	if f.Doc != nil {
		writeComment(&b, f.Doc.Text())
	}
	fmt.Fprintf(&b, "package %s\n", f.Name.Name)

	var decls []record.Decl
	var body bytes.Buffer
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				body.WriteString("\n")
				printNode(&body, fset, d)
				body.WriteString("\n")
				continue
			}
			n := len(d.Specs)
			if !exportedGen(d) {
				continue
			}
			doc := d.Doc
			d.Doc = nil
			var text bytes.Buffer
			if len(d.Specs) == n {
				printNode(&text, fset, &printer.CommentedNode{Node: d, Comments: f.Comments})
			} else {
				printNode(&text, fset, d)
			}
			if (d.Tok == token.CONST || d.Tok == token.VAR) && text.Len() > cfg.MaxDeclBytes {
				continue
			}
			body.WriteString("\n")
			if doc != nil {
				writeComment(&body, doc.Text())
			}
			body.Write(text.Bytes())
			body.WriteString("\n")
			decls = append(decls, genDecls(d, doc, fset)...)
		case *ast.FuncDecl:
			if !exportedFunc(d) {
				continue
			}
			doc := d.Doc
			d.Doc = nil
			fbody := d.Body
			d.Body = nil
			var sig bytes.Buffer
			printNode(&sig, fset, d)
			name := d.Name.Name
			kind := "func"
			if d.Recv != nil {
				name = recvType(d.Recv.List[0].Type) + "." + name
				kind = "method"
			}
			decls = append(decls, record.Decl{Name: name, Kind: kind, Signature: oneLine(sig.String()), Doc: docText(doc)})
			body.WriteString("\n")
			if doc != nil {
				writeComment(&body, doc.Text())
			}
			if fbody != nil && fset.Position(fbody.End()).Line-fset.Position(fbody.Pos()).Line+1 <= cfg.MaxBodyLines {
				d.Body = fbody
				printNode(&body, fset, &printer.CommentedNode{Node: d, Comments: f.Comments})
			} else {
				body.Write(sig.Bytes())
			}
			body.WriteString("\n")
		}
	}
	if len(decls) == 0 {
		return record.CodeDoc{}, false, nil
	}
	b.Write(body.Bytes())
	return record.CodeDoc{ID: CodeID(p), Path: p, Package: pkg, Text: b.String(), Decls: decls}, true, nil
}

func hasBuildConstraint(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:build") || strings.HasPrefix(c.Text, "// +build") {
				return true
			}
		}
	}
	return false
}

func printNode(w *bytes.Buffer, fset *token.FileSet, n any) {
	cfg := printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}
	if err := cfg.Fprint(w, fset, n); err != nil {
		panic("midtrain: printing a parsed declaration: " + err.Error())
	}
}

func writeComment(w *bytes.Buffer, text string) {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if l == "" {
			w.WriteString("//\n")
		} else {
			w.WriteString("// " + l + "\n")
		}
	}
}

func docText(cg *ast.CommentGroup) string {
	if cg == nil {
		return ""
	}
	return strings.TrimSpace(cg.Text())
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func exportedFunc(d *ast.FuncDecl) bool {
	if !d.Name.IsExported() {
		return false
	}
	if d.Recv == nil {
		return true
	}
	return ast.IsExported(recvType(d.Recv.List[0].Type))
}

func recvType(x ast.Expr) string {
	switch t := x.(type) {
	case *ast.StarExpr:
		return recvType(t.X)
	case *ast.IndexExpr:
		return recvType(t.X)
	case *ast.IndexListExpr:
		return recvType(t.X)
	case *ast.Ident:
		return t.Name
	}
	return ""
}

// exportedGen reports whether a const, var or type declaration declares
// something exported; unexported specs are removed from d.
func exportedGen(d *ast.GenDecl) bool {
	var keep []ast.Spec
	for _, s := range d.Specs {
		switch s := s.(type) {
		case *ast.TypeSpec:
			if s.Name.IsExported() {
				keep = append(keep, s)
			}
		case *ast.ValueSpec:
			for _, n := range s.Names {
				if n.IsExported() {
					keep = append(keep, s)
					break
				}
			}
		}
	}
	if len(keep) == 0 {
		return false
	}
	if len(keep) != len(d.Specs) && d.Tok == token.CONST {
		// Dropping specs from an iota block would change the values; keep
		// the block whole.
		return true
	}
	d.Specs = keep
	if len(keep) == 1 {
		d.Lparen, d.Rparen = 0, 0
	}
	return true
}

// genDecls describes the exported names of a const, var or type
// declaration.
func genDecls(d *ast.GenDecl, doc *ast.CommentGroup, fset *token.FileSet) []record.Decl {
	var out []record.Decl
	for _, s := range d.Specs {
		switch s := s.(type) {
		case *ast.TypeSpec:
			if !s.Name.IsExported() {
				continue
			}
			sdoc := s.Doc
			if sdoc == nil {
				sdoc = doc
			}
			var b bytes.Buffer
			b.WriteString("type ")
			sig := *s
			sig.Doc, sig.Comment = nil, nil
			if st, ok := s.Type.(*ast.StructType); ok && len(st.Fields.List) > 0 {
				sig.Type = &ast.StructType{Struct: st.Struct, Fields: &ast.FieldList{}}
			}
			if it, ok := s.Type.(*ast.InterfaceType); ok && len(it.Methods.List) > 0 {
				sig.Type = &ast.InterfaceType{Interface: it.Interface, Methods: &ast.FieldList{}}
			}
			printNode(&b, fset, &sig)
			out = append(out, record.Decl{Name: s.Name.Name, Kind: "type", Signature: oneLine(b.String()), Doc: docText(sdoc)})
		case *ast.ValueSpec:
			for _, n := range s.Names {
				if !n.IsExported() {
					continue
				}
				sdoc := s.Doc
				if sdoc == nil && len(d.Specs) == 1 {
					sdoc = doc
				}
				out = append(out, record.Decl{Name: n.Name, Kind: d.Tok.String(), Signature: d.Tok.String() + " " + n.Name, Doc: docText(sdoc)})
			}
		}
	}
	return out
}

// sortDecls orders declarations by name, for stable synthetic output.
func sortDecls(ds []record.Decl) {
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Name < ds[j].Name })
}
