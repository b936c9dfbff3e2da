package load_test

import (
	"errors"
	"fmt"
	"strings"

	"tinystages/datasets/load"
	"tinystages/datasets/record"
)

func ExampleParse() {
	data := []byte(`{"prompt":"What is 2 + 3?","answer":"5","level":1}
{"prompt":"What is 4 times 2?","answer":"8","level":3}
`)
	probs, err := load.Parse[record.MathProblem]("math.train.jsonl", data)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range probs {
		fmt.Println(p.Prompt, "->", p.Answer)
	}
	// Output:
	// What is 2 + 3? -> 5
	// What is 4 times 2? -> 8
}

func ExampleParseError() {
	data := []byte(`{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}
{"messages":[{"role":"user","content":"Where is Dravek Works based?"},{"role":"assistant","content":""}]}
`)
	_, err := load.Examples("my-sft.jsonl", data)
	fmt.Println(err)
	var pe *load.ParseError
	if errors.As(err, &pe) {
		fmt.Println(pe.Line, pe.Field, errors.Is(err, load.ErrSchema))
	}
	// Output:
	// my-sft.jsonl:2: field "messages[1].content": wrong schema: empty answer
	// 2 messages[1].content true
}

func ExampleNewScanner() {
	r := strings.NewReader(`{"text":"first"}
{"text":"second"}
`)
	s := load.NewScanner[record.Text]("corpus.jsonl", r)
	for s.Scan() {
		fmt.Println(s.Line(), s.Record().Text)
	}
	if err := s.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 1 first
	// 2 second
}

func ExampleUserCorpus() {
	_, err := load.UserCorpus("notes.txt", []byte("fine\nbroken \xff\n"))
	fmt.Println(err)
	// Output:
	// notes.txt:2: invalid UTF-8 at byte 8 of the line
}
