// Package tokenizer implements the byte-level byte-pair-encoding (BPE)
// tokenizer of GPT-2: how it is trained on a corpus, how it turns bytes into
// token ids and back, and how it is saved in the Hugging Face tokenizers
// JSON format.
//
// # Model
//
// A token is a byte string. The vocabulary is laid out in three blocks:
//
//	ids 0..15      the special tokens (BOS, End, User, ... , reserved),
//	               written as their literal strings, such as "<|user|>"
//	ids 16..271    the 256 single bytes: id 16+b is the byte b
//	ids 272..      the tokens learned by training, in order of creation
//
// Text is first cut into pre-tokens ("chunks") the way GPT-2's regular
// expression does:
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// so that a chunk is a contraction, a word with its leading space, a run of
// digits, a run of punctuation, or a run of white space. The splitter is
// written by hand (Go's regexp has no look-ahead) and works on raw bytes: a
// byte that is not part of valid UTF-8 is a character of its own, in the
// class of punctuation ("not space, letter or number"). Letters, numbers and
// white space are Unicode's L and N categories and White_Space property, as
// reported by the [unicode] package.
//
// Each chunk starts as a sequence of single-byte tokens. Training counts the
// chunks of the corpus and repeatedly merges the most frequent adjacent pair
// of tokens into a new token (a "merge"), until the vocabulary has the
// requested size. Encoding replays the merges inside each chunk: while some
// adjacent pair of the chunk has a merge, the pair whose merge was learned
// first (the lowest rank) is merged, leftmost first. This is the rule of
// the Hugging Face tokenizers library, so that a tokenizer saved by
// [Tokenizer.WriteJSON] and loaded by transformers'
// PreTrainedTokenizerFast(tokenizer_file=...) gives the same ids as
// [Tokenizer.EncodeWithSpecials] for any valid UTF-8 text.
//
// Every byte has a token, so any byte string — invalid UTF-8, NUL bytes and
// all — encodes, and decodes back exactly: Decode(Encode(b)) == b.
//
// Special tokens never come out of [Tokenizer.Encode]: the text "<|user|>"
// given to Encode is seven ordinary bytes. Code that builds a prompt appends
// special ids itself, or calls [Tokenizer.EncodeWithSpecials], which
// recognises the literal special strings.
//
// # Files
//
// [Tokenizer.WriteJSON] writes, and [Load] and [Read] read, the tokenizer.json
// format of the Hugging Face tokenizers library: a "BPE" model whose vocab
// and merges spell tokens in GPT-2's byte-to-unicode alphabet, a ByteLevel
// pre-tokenizer and decoder, and the specials as added tokens. The loader
// accepts only tokenizers of this package's shape (the same specials at the
// same ids, the bytes at ids 16..271, no normalizer) and reports anything
// else as a [*FormatError] that names the place in the file and wraps one of
// the Err* sentinel errors.
//
// # Concurrency
//
// A [Tokenizer] is immutable once built and safe for concurrent use; its
// encoding cache is guarded by a mutex. A [Trainer] is not safe for
// concurrent use.
package tokenizer
