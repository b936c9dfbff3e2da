package tokenizer

import "errors"

// A FormatError reports why a tokenizer.json was rejected by [Load] or
// [Read], and where.
type FormatError struct {
	// Path is where in the file the problem is, as a JSON path such as
	// "model.merges[12]" or `model.vocab["Ġthe"]`; it is empty for the file
	// as a whole.
	Path string
	// Err says what is wrong. It wraps one of the Err* sentinel errors
	// below, so errors.Is(err, ErrUnknownToken) works on a *FormatError.
	Err error
}

// Error returns "tokenizer: ", the path if any, and what went wrong.
func (e *FormatError) Error() string {
	if e.Path == "" {
		return "tokenizer: " + e.Err.Error()
	}
	return "tokenizer: " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns Err, so that errors.Is finds the sentinel.
func (e *FormatError) Unwrap() error { return e.Err }

// These errors are wrapped by a [FormatError]'s Err.
var (
	ErrSyntax       = errors.New("malformed JSON")                   // not JSON, truncated, or trailing data
	ErrTooLarge     = errors.New("file too large")                   // more than MaxFileSize bytes
	ErrType         = errors.New("wrong JSON type")                  // e.g. a string where a number belongs
	ErrMissingField = errors.New("missing field")                    // a required field is absent
	ErrUnknownField = errors.New("unknown field")                    // a field this format does not have
	ErrDuplicateKey = errors.New("duplicate key")                    // an object has the same key twice
	ErrUnsupported  = errors.New("unsupported setting")              // a valid setting this package does not implement
	ErrID           = errors.New("bad token id")                     // an id out of range, duplicated, or missing
	ErrToken        = errors.New("bad token string")                 // a vocab string outside the byte-level alphabet
	ErrSpecials     = errors.New("special tokens do not match")      // the specials are not this package's, at their ids
	ErrBytes        = errors.New("byte tokens missing or misplaced") // ids 16..271 are not the 256 bytes in order
	ErrMerge        = errors.New("bad merge")                        // a malformed or repeated merge, or one of a special
	ErrUnknownToken = errors.New("unknown token")                    // a merge names a token not in the vocab
	ErrOrphanToken  = errors.New("token made by no merge")           // a learned token that no merge produces
)
