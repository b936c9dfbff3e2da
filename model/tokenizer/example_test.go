package tokenizer_test

import (
	"bytes"
	"fmt"
	"log"
	"strings"

	"tinystages/model/tokenizer"
)

// A corpus for the examples: a few repeated sentences.
var docs = [][]byte{
	[]byte(strings.Repeat("the cat sat on the mat. ", 20)),
	[]byte(strings.Repeat("the rat ate the cheese. ", 10)),
	[]byte(strings.Repeat("a cat chased the rat! ", 5)),
}

func ExampleTrain() {
	var progress []string
	tok, err := tokenizer.Train(docs, 300, func(done, total int) {
		progress = append(progress, fmt.Sprintf("%d/%d", done, total))
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Join(progress, " "))
	fmt.Println("vocab size:", tok.VocabSize())
	for _, m := range tok.Merges()[:4] {
		fmt.Printf("%q + %q -> %q\n", tok.TokenBytes(m.Left), tok.TokenBytes(m.Right), tok.TokenBytes(m.Result))
	}
	// Output:
	// 0/28 16/28 28/28
	// vocab size: 297
	// "a" + "t" -> "at"
	// "h" + "e" -> "he"
	// "t" + "he" -> "the"
	// " " + "the" -> " the"
}

func ExampleTokenizer_Encode() {
	tok, err := tokenizer.Train(docs, 300, nil)
	if err != nil {
		log.Fatal(err)
	}
	ids := tok.EncodeString("the cat ate the mat")
	fmt.Println(ids)
	fmt.Printf("%q\n", tok.DecodeString(ids))
	// Output:
	// [274 277 291 275 281]
	// "the cat ate the mat"
}

func ExampleTokenizer_EncodeWithSpecials() {
	tok, err := tokenizer.Train(docs, 300, nil)
	if err != nil {
		log.Fatal(err)
	}
	ids := tok.EncodeWithSpecials("<|user|>who sat?<|end|><|assistant|>the cat<|end|>")
	var shown []string
	for _, id := range ids {
		shown = append(shown, fmt.Sprintf("%d:%s", id, tok.TokenString(id)))
	}
	fmt.Println(strings.Join(shown, " "))
	// Encode treats the same text as plain bytes.
	fmt.Println(tok.IsSpecial(tok.EncodeString("<|user|>")[0]))
	// Output:
	// 2:<|user|> 135:w 120:h 127:o 283:·sat 79:? 1:<|end|> 3:<|assistant|> 274:the 277:·cat 1:<|end|>
	// false
}

func ExampleTokenizer_TokenString() {
	tok, err := tokenizer.Train(docs, 300, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, id := range tok.EncodeString("the cat\n\tsat  é\xff") {
		fmt.Printf("[%s]", tok.TokenString(id))
	}
	fmt.Println()
	// Output:
	// [the][·cat][↵][→][s][at][·][·][\xC3][\xA9][\xFF]
}

func ExampleLoad() {
	tok, err := tokenizer.Train(docs, 300, nil)
	if err != nil {
		log.Fatal(err)
	}
	var file bytes.Buffer // a tokenizer.json
	if err := tok.WriteJSON(&file); err != nil {
		log.Fatal(err)
	}
	loaded, err := tokenizer.Load(file.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(loaded.VocabSize() == tok.VocabSize())

	// A file with an error names the place.
	bad := strings.Replace(file.String(), `"a t"`, `"a tt"`, 1)
	_, err = tokenizer.Load([]byte(bad))
	fmt.Println(err)
	// Output:
	// true
	// tokenizer: model.merges[0]: unknown token: "tt" is not in the vocab
}
