package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxFileSize is the size of the largest tokenizer.json that Read accepts.
const MaxFileSize = 64 << 20

// GPT-2's byte-to-unicode alphabet: each byte is spelled in vocab and merge
// strings as one printable character. The printable bytes '!'..'~',
// '¡'..'¬' and '®'..'ÿ' stand for themselves; the others, in byte order,
// for U+0100, U+0101, ... (so the space 0x20 is 'Ġ', U+0120).
var (
	byteRune  [256]rune
	runeByte  [0x144]int16 // -1 for a rune that spells no byte
	byteRunes [256]string  // byteRune as strings
)

func init() {
	for r := range runeByte {
		runeByte[r] = -1
	}
	n := 0
	for b := range 256 {
		r := rune(b)
		if !('!' <= b && b <= '~' || 0xA1 <= b && b <= 0xAC || 0xAE <= b && b <= 0xFF) {
			r = rune(256 + n)
			n++
		}
		byteRune[b] = r
		runeByte[r] = int16(b)
		byteRunes[b] = string(r)
	}
}

// byteLevel spells b in the byte-level alphabet.
func byteLevel(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		s.WriteString(byteRunes[c])
	}
	return s.String()
}

// fromByteLevel returns the bytes that s spells in the byte-level alphabet,
// or false if s has a character outside it.
func fromByteLevel(s string) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0 || int(r) >= len(runeByte) || runeByte[r] < 0 {
			return nil, false
		}
		b = append(b, byte(runeByte[r]))
	}
	return b, true
}

// WriteJSON writes t in the Hugging Face tokenizers format (tokenizer.json):
// a BPE model with the vocab and merges in the byte-level alphabet, a
// ByteLevel pre-tokenizer (add_prefix_space false, use_regex true) and
// decoder, and the specials as added tokens. The output is deterministic:
// the vocab in id order, the merges in rank order, one per line.
func (t *Tokenizer) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("{\n" +
		"  \"version\": \"1.0\",\n" +
		"  \"truncation\": null,\n" +
		"  \"padding\": null,\n" +
		"  \"added_tokens\": [\n")
	for id, name := range specialNames {
		fmt.Fprintf(bw, "    {\"id\": %d, \"content\": %s, \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}", id, quote(name))
		bw.WriteString(comma(id, NumSpecial))
	}
	bw.WriteString("  ],\n" +
		"  \"normalizer\": null,\n" +
		"  \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true},\n" +
		"  \"post_processor\": null,\n" +
		"  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true},\n" +
		"  \"model\": {\n" +
		"    \"type\": \"BPE\",\n" +
		"    \"dropout\": null,\n" +
		"    \"unk_token\": null,\n" +
		"    \"continuing_subword_prefix\": null,\n" +
		"    \"end_of_word_suffix\": null,\n" +
		"    \"fuse_unk\": false,\n" +
		"    \"byte_fallback\": false,\n" +
		"    \"ignore_merges\": false,\n" +
		"    \"vocab\": {\n")
	for id, tok := range t.tokens {
		s := string(tok)
		if id >= NumSpecial {
			s = byteLevel(tok)
		}
		fmt.Fprintf(bw, "      %s: %d", quote(s), id)
		bw.WriteString(comma(id, len(t.tokens)))
	}
	bw.WriteString("    },\n" +
		"    \"merges\": [\n")
	for rank, m := range t.merges {
		bw.WriteString("      ")
		bw.WriteString(quote(byteLevel(t.tokens[m.Left]) + " " + byteLevel(t.tokens[m.Right])))
		bw.WriteString(comma(rank, len(t.merges)))
	}
	bw.WriteString("    ]\n" +
		"  }\n" +
		"}\n")
	return bw.Flush()
}

func comma(i, n int) string {
	if i < n-1 {
		return ",\n"
	}
	return "\n"
}

// quote returns s as a JSON string. Unlike encoding/json it leaves '<', '>'
// and '&' alone, so the specials read as themselves.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// MarshalJSON returns the tokenizer.json that WriteJSON writes.
func (t *Tokenizer) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := t.WriteJSON(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// UnmarshalJSON replaces *t with the tokenizer that Load reads from data.
// On error *t is unchanged.
func (t *Tokenizer) UnmarshalJSON(data []byte) error {
	u, err := Load(data)
	if err != nil {
		return err
	}
	*t = *u
	return nil
}

// Read reads a tokenizer.json of at most MaxFileSize bytes from r and
// returns the tokenizer, as Load does.
func Read(r io.Reader) (*Tokenizer, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, &FormatError{Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxFileSize)}
	}
	return Load(data)
}

// Load parses a tokenizer.json as written by WriteJSON. It accepts the
// files of the Hugging Face tokenizers library that have this package's
// shape: a BPE model (merges as "left right" strings or as [left, right]
// pairs), the 16 specials as added tokens and at ids 0..15 of the vocab, the
// 256 bytes at ids 16..271, every other token made by a merge, a ByteLevel
// pre-tokenizer with add_prefix_space false and use_regex true, a ByteLevel
// decoder, no normalizer and no truncation or padding. Anything else is
// reported as a *FormatError; Load never returns a partly built tokenizer.
func Load(data []byte) (*Tokenizer, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &parser{dec: dec}
	var f file
	if err := p.file(&f); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &FormatError{Err: fmt.Errorf("%w: data after the top-level object", ErrSyntax)}
	}
	return f.build()
}

// file holds what the parser reads before it is checked as a whole.
type file struct {
	present map[string]bool // fields seen, by path
	added   []addedToken
	vocab   map[string]int32
	byID    []string // vocab strings by id
	hasID   []bool   // whether the vocab has each id
	merges  [][2]string
}

type addedToken struct {
	id      int32
	content string
}

// parser reads JSON values with a json.Decoder, one token at a time, so that
// it sees duplicate keys and knows where it is.
type parser struct {
	dec *json.Decoder
}

func fail(path string, sentinel error, format string, args ...any) error {
	return &FormatError{Path: path, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}

func (p *parser) token(path string) (json.Token, error) {
	tok, err := p.dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, &FormatError{Path: path, Err: fmt.Errorf("%w: %w", ErrSyntax, err)}
	}
	return tok, nil
}

func typeName(tok json.Token) string {
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '{' {
			return "object"
		}
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

// expect reads a token and checks that it opens an object or an array.
func (p *parser) expect(path string, delim json.Delim) error {
	tok, err := p.token(path)
	if err != nil {
		return err
	}
	if tok != delim {
		want := "object"
		if delim == '[' {
			want = "array"
		}
		return fail(path, ErrType, "got %s, want %s", typeName(tok), want)
	}
	return nil
}

// object reads the rest of an object whose '{' has been read, calling field
// for each key; field must read the key's value.
func (p *parser) object(path string, field func(key string) error) error {
	seen := make(map[string]bool)
	for p.dec.More() {
		tok, err := p.token(path)
		if err != nil {
			return err
		}
		key := tok.(string) // the decoder allows only strings as keys
		if seen[key] {
			return fail(path, ErrDuplicateKey, "%q", key)
		}
		seen[key] = true
		if err := field(key); err != nil {
			return err
		}
	}
	_, err := p.token(path) // '}'
	return err
}

// array reads the rest of an array whose '[' has been read, calling elem for
// each element; elem must read the element.
func (p *parser) array(path string, elem func(i int) error) error {
	for i := 0; p.dec.More(); i++ {
		if err := elem(i); err != nil {
			return err
		}
	}
	_, err := p.token(path) // ']'
	return err
}

func (p *parser) str(path string) (string, error) {
	tok, err := p.token(path)
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fail(path, ErrType, "got %s, want string", typeName(tok))
	}
	return s, nil
}

func (p *parser) boolean(path string) (bool, error) {
	tok, err := p.token(path)
	if err != nil {
		return false, err
	}
	v, ok := tok.(bool)
	if !ok {
		return false, fail(path, ErrType, "got %s, want boolean", typeName(tok))
	}
	return v, nil
}

// id reads a token id: an integer in [0, MaxVocabSize).
func (p *parser) id(path string) (int32, error) {
	tok, err := p.token(path)
	if err != nil {
		return 0, err
	}
	num, ok := tok.(json.Number)
	if !ok {
		return 0, fail(path, ErrType, "got %s, want integer", typeName(tok))
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fail(path, ErrID, "%s out of range [0, %d)", num, MaxVocabSize)
		}
		return 0, fail(path, ErrType, "%s is not an integer", num)
	}
	if n < 0 || n >= MaxVocabSize {
		return 0, fail(path, ErrID, "%d out of range [0, %d)", n, MaxVocabSize)
	}
	return int32(n), nil
}

// constant reads a string field that must have the value want.
func (p *parser) constant(path, want string) error {
	s, err := p.str(path)
	if err != nil {
		return err
	}
	if s != want {
		return fail(path, ErrUnsupported, "%q, want %q", s, want)
	}
	return nil
}

// flag reads a boolean field; if must is not nil, the value must be *must.
func (p *parser) flag(path string, must *bool) error {
	v, err := p.boolean(path)
	if err != nil {
		return err
	}
	if must != nil && v != *must {
		return fail(path, ErrUnsupported, "%t, want %t", v, *must)
	}
	return nil
}

var (
	mustFalse = new(bool)
	mustTrue  = func() *bool { b := true; return &b }()
)

// null reads a field that must be null (or, if orEmpty, the empty string).
func (p *parser) null(path string, orEmpty bool) error {
	tok, err := p.token(path)
	if err != nil {
		return err
	}
	if tok == nil || orEmpty && tok == "" {
		return nil
	}
	if orEmpty {
		return fail(path, ErrUnsupported, "got %s, want null or \"\"", typeName(tok))
	}
	return fail(path, ErrUnsupported, "got %s, want null", typeName(tok))
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// requireFields checks that an object had the fields named.
func requireFields(path string, seen map[string]bool, names ...string) error {
	for _, n := range names {
		if !seen[n] {
			return fail(path, ErrMissingField, "%q", n)
		}
	}
	return nil
}

func (p *parser) file(f *file) error {
	if err := p.expect("", '{'); err != nil {
		return err
	}
	seen := make(map[string]bool)
	err := p.object("", func(key string) error {
		seen[key] = true
		switch key {
		case "version":
			return p.constant(key, "1.0")
		case "truncation", "padding", "normalizer":
			return p.null(key, false)
		case "added_tokens":
			return p.addedTokens(key, f)
		case "pre_tokenizer":
			return p.byteLevel(key, true)
		case "post_processor":
			return p.byteLevelOrNull(key)
		case "decoder":
			return p.byteLevel(key, false)
		case "model":
			return p.model(key, f)
		}
		return fail("", ErrUnknownField, "%q", key)
	})
	if err != nil {
		return err
	}
	return requireFields("", seen, "version", "added_tokens", "pre_tokenizer", "decoder", "model")
}

func (p *parser) addedTokens(path string, f *file) error {
	if err := p.expect(path, '['); err != nil {
		return err
	}
	return p.array(path, func(i int) error {
		at := index(path, i)
		if err := p.expect(at, '{'); err != nil {
			return err
		}
		var tok addedToken
		seen := make(map[string]bool)
		err := p.object(at, func(key string) error {
			seen[key] = true
			fp := join(at, key)
			var err error
			switch key {
			case "id":
				tok.id, err = p.id(fp)
			case "content":
				tok.content, err = p.str(fp)
			case "single_word", "lstrip", "rstrip":
				err = p.flag(fp, mustFalse)
			case "normalized":
				err = p.flag(fp, nil)
			case "special":
				err = p.flag(fp, mustTrue)
			default:
				err = fail(at, ErrUnknownField, "%q", key)
			}
			return err
		})
		if err != nil {
			return err
		}
		if err := requireFields(at, seen, "id", "content", "special"); err != nil {
			return err
		}
		if tok.id >= NumSpecial || tok.content != specialNames[tok.id] {
			return fail(at, ErrSpecials, "added token %q with id %d; want the specials %s .. %s at ids 0..%d",
				tok.content, tok.id, specialNames[0], specialNames[NumSpecial-1], NumSpecial-1)
		}
		for _, prev := range f.added {
			if prev.id == tok.id {
				return fail(at, ErrSpecials, "%q listed twice", tok.content)
			}
		}
		f.added = append(f.added, tok)
		return nil
	})
}

// byteLevel reads a ByteLevel pre-tokenizer, decoder or post-processor. The
// pre-tokenizer must not add a prefix space and must split with GPT-2's
// expression; in the others these settings affect only offsets and
// decoding of a leading space, and any value is accepted.
func (p *parser) byteLevel(path string, pre bool) error {
	if err := p.expect(path, '{'); err != nil {
		return err
	}
	return p.byteLevelRest(path, pre)
}

func (p *parser) byteLevelOrNull(path string) error {
	tok, err := p.token(path)
	if err != nil {
		return err
	}
	switch tok {
	case nil:
		return nil
	case json.Delim('{'):
		return p.byteLevelRest(path, false)
	}
	return fail(path, ErrType, "got %s, want object or null", typeName(tok))
}

func (p *parser) byteLevelRest(path string, pre bool) error {
	seen := make(map[string]bool)
	err := p.object(path, func(key string) error {
		seen[key] = true
		fp := join(path, key)
		switch key {
		case "type":
			return p.constant(fp, "ByteLevel")
		case "add_prefix_space":
			if pre {
				return p.flag(fp, mustFalse)
			}
			return p.flag(fp, nil)
		case "use_regex":
			if pre {
				return p.flag(fp, mustTrue)
			}
			return p.flag(fp, nil)
		case "trim_offsets":
			return p.flag(fp, nil)
		}
		return fail(path, ErrUnknownField, "%q", key)
	})
	if err != nil {
		return err
	}
	if pre {
		return requireFields(path, seen, "type", "add_prefix_space")
	}
	return requireFields(path, seen, "type")
}

func (p *parser) model(path string, f *file) error {
	if err := p.expect(path, '{'); err != nil {
		return err
	}
	seen := make(map[string]bool)
	err := p.object(path, func(key string) error {
		seen[key] = true
		fp := join(path, key)
		switch key {
		case "type":
			return p.constant(fp, "BPE")
		case "dropout":
			return p.null(fp, false)
		case "continuing_subword_prefix", "end_of_word_suffix":
			return p.null(fp, true)
		case "unk_token":
			// Every byte has a token, so the unknown token is never used.
			tok, err := p.token(fp)
			if err != nil {
				return err
			}
			if _, ok := tok.(string); tok != nil && !ok {
				return fail(fp, ErrType, "got %s, want string or null", typeName(tok))
			}
			return nil
		case "fuse_unk":
			return p.flag(fp, nil)
		case "byte_fallback", "ignore_merges":
			return p.flag(fp, mustFalse)
		case "vocab":
			return p.vocab(fp, f)
		case "merges":
			return p.merges(fp, f)
		}
		return fail(path, ErrUnknownField, "%q", key)
	})
	if err != nil {
		return err
	}
	return requireFields(path, seen, "type", "vocab", "merges")
}

func (p *parser) vocab(path string, f *file) error {
	if err := p.expect(path, '{'); err != nil {
		return err
	}
	f.vocab = make(map[string]int32)
	return p.object(path, func(key string) error {
		at := path + "[" + strconv.Quote(key) + "]"
		id, err := p.id(at)
		if err != nil {
			return err
		}
		for int(id) >= len(f.byID) {
			f.byID = append(f.byID, "")
			f.hasID = append(f.hasID, false)
		}
		if f.hasID[id] {
			return fail(at, ErrID, "id %d is also %q", id, f.byID[id])
		}
		f.byID[id] = key
		f.hasID[id] = true
		f.vocab[key] = id
		return nil
	})
}

func (p *parser) merges(path string, f *file) error {
	if err := p.expect(path, '['); err != nil {
		return err
	}
	return p.array(path, func(i int) error {
		at := index(path, i)
		tok, err := p.token(at)
		if err != nil {
			return err
		}
		var pair [2]string
		switch tok := tok.(type) {
		case string:
			// "left right": byte-level strings have no spaces.
			l, r, ok := strings.Cut(tok, " ")
			if !ok || strings.Contains(r, " ") {
				return fail(at, ErrMerge, "%q is not \"left right\"", tok)
			}
			pair = [2]string{l, r}
		case json.Delim:
			if tok != '[' {
				return fail(at, ErrType, "got %s, want string or array", typeName(tok))
			}
			n := 0
			err := p.array(at, func(j int) error {
				s, err := p.str(index(at, j))
				if err != nil {
					return err
				}
				if j < 2 {
					pair[j] = s
				}
				n++
				return nil
			})
			if err != nil {
				return err
			}
			if n != 2 {
				return fail(at, ErrMerge, "%d strings, want 2", n)
			}
		default:
			return fail(at, ErrType, "got %s, want string or array", typeName(tok))
		}
		f.merges = append(f.merges, pair)
		return nil
	})
}

// build checks the file as a whole and makes the tokenizer.
func (f *file) build() (*Tokenizer, error) {
	if len(f.added) != NumSpecial {
		for id, name := range specialNames {
			if !f.hasAdded(int32(id)) {
				return nil, fail("added_tokens", ErrSpecials, "%q (id %d) missing", name, id)
			}
		}
	}
	n := len(f.byID)
	if n < FirstMerged {
		return nil, fail("model.vocab", ErrBytes, "%d tokens, want at least %d (the specials and the bytes)", n, FirstMerged)
	}
	for id, ok := range f.hasID {
		if !ok {
			return nil, fail("model.vocab", ErrID, "id %d missing: ids must be 0..%d", id, n-1)
		}
	}
	tokens := baseTokens(n - FirstMerged)
	for id, name := range specialNames {
		if f.byID[id] != name {
			return nil, fail("model.vocab", ErrSpecials, "id %d is %q, want %q", id, f.byID[id], name)
		}
	}
	for b := range NumBytes {
		if s := f.byID[NumSpecial+b]; s != byteRunes[b] {
			return nil, fail("model.vocab", ErrBytes, "id %d is %q, want %q (byte 0x%02x)", NumSpecial+b, s, byteRunes[b], b)
		}
	}
	for _, s := range f.byID[FirstMerged:] {
		b, ok := fromByteLevel(s)
		if !ok || len(b) < 2 {
			return nil, fail("model.vocab["+strconv.Quote(s)+"]", ErrToken, "not two or more characters of the byte-level alphabet")
		}
		tokens = append(tokens, b)
	}
	merges := make([]Merge, len(f.merges))
	ranks := make(map[uint32]int, len(f.merges))
	made := make([]bool, n)
	for i, pair := range f.merges {
		at := index("model.merges", i)
		var ids [3]int32
		for j, s := range [3]string{pair[0], pair[1], pair[0] + pair[1]} {
			id, ok := f.vocab[s]
			if !ok {
				return nil, fail(at, ErrUnknownToken, "%q is not in the vocab", s)
			}
			if id < NumSpecial {
				return nil, fail(at, ErrMerge, "%q is a special token", s)
			}
			ids[j] = id
		}
		key := pairKey(ids[0], ids[1])
		if r, dup := ranks[key]; dup {
			return nil, fail(at, ErrMerge, "%q %q already merged at rank %d", pair[0], pair[1], r)
		}
		ranks[key] = i
		merges[i] = Merge{ids[0], ids[1], ids[2]}
		made[ids[2]] = true
	}
	for id := FirstMerged; id < n; id++ {
		if !made[id] {
			return nil, fail("model.vocab["+strconv.Quote(f.byID[id])+"]", ErrOrphanToken, "id %d", id)
		}
	}
	return newTokenizer(tokens, merges), nil
}

func (f *file) hasAdded(id int32) bool {
	for _, a := range f.added {
		if a.id == id {
			return true
		}
	}
	return false
}
