package protocol

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// A Param is one URL parameter of a page, as a row of a table: its name,
// what it allows (in words, for the message a bad value gets), and how its
// value is read into, and written from, a value of type S (a page's
// settings).
//
// Every stage page declares its parameters as a Params table and gets, from
// the same code, the parsing of a link (with a Problem for each value that
// is not allowed, which then keeps its default) and the link that
// reproduces a run (Params.Query). The helpers Enum, Int, Uint, Float,
// Bool and List build the rows.
type Param[S any] struct {
	Name    string
	Allowed string
	// Set reads v into s and reports whether v is allowed; when it is
	// not, s must be left as it was.
	Set func(s *S, v string) bool
	// Get returns the value of the parameter in s, as a URL spells it;
	// "" leaves the parameter out of the URL.
	Get func(s S) string
}

// Params is a page's table of URL parameters. They are read in order, so
// a parameter may reset others to its own defaults (a preset sets the
// learning rate and batch of its size) when it comes before them.
type Params[S any] []Param[S]

// Parse reads q into s, which holds the defaults. Parameters q does not
// have keep their defaults; a value that is not allowed is reported as a
// Problem (which parameter, the value, what is allowed, the value used
// instead) and keeps its default, so a bad link never breaks a page.
// Parameters not in the table are ignored.
func (ps Params[S]) Parse(q url.Values, s S) (S, []Problem) {
	var probs []Problem
	for _, p := range ps {
		if !q.Has(p.Name) {
			continue
		}
		v := q.Get(p.Name)
		if !p.Set(&s, strings.TrimSpace(v)) {
			probs = append(probs, Problem{Param: p.Name, Value: v, Allowed: p.Allowed, Used: p.used(s)})
		}
	}
	return s, probs
}

func (p Param[S]) used(s S) string {
	if v := p.Get(s); v != "" {
		return v
	}
	return "the default"
}

// Query returns the URL query that reproduces s: Parse(Query(s), d) gives
// s back for any defaults d whose Bool parameters are off (Query leaves
// out a Bool that is off).
func (ps Params[S]) Query(s S) url.Values {
	q := url.Values{}
	for _, p := range ps {
		if v := p.Get(s); v != "" {
			q.Set(p.Name, v)
		}
	}
	return q
}

// Names lists the parameters' names.
func (ps Params[S]) Names() []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// Enum is a parameter that takes one of values (matched without regard to
// case).
func Enum[S any](name string, values []string, field func(*S) *string) Param[S] {
	return Param[S]{
		Name:    name,
		Allowed: "one of " + strings.Join(values, ", "),
		Set: func(s *S, v string) bool {
			i := slices.IndexFunc(values, func(a string) bool { return strings.EqualFold(a, v) })
			if i < 0 {
				return false
			}
			*field(s) = values[i]
			return true
		},
		Get: func(s S) string { return *field(&s) },
	}
}

// Int is a parameter that takes a whole number from lo to hi.
func Int[S any](name string, lo, hi int, field func(*S) *int) Param[S] {
	return Param[S]{
		Name:    name,
		Allowed: fmt.Sprintf("a whole number from %d to %d", lo, hi),
		Set: func(s *S, v string) bool {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return false
			}
			*field(s) = n
			return true
		},
		Get: func(s S) string { return strconv.Itoa(*field(&s)) },
	}
}

// Uint is a parameter that takes any unsigned 64-bit number (a seed).
func Uint[S any](name string, field func(*S) *uint64) Param[S] {
	return Param[S]{
		Name:    name,
		Allowed: "a whole number from 0 to 18446744073709551615",
		Set: func(s *S, v string) bool {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return false
			}
			*field(s) = n
			return true
		},
		Get: func(s S) string { return strconv.FormatUint(*field(&s), 10) },
	}
}

// Float is a parameter that takes a number from lo to hi, kept in a
// float64.
func Float[S any](name string, lo, hi float64, field func(*S) *float64) Param[S] {
	return Param[S]{
		Name:    name,
		Allowed: fmt.Sprintf("a number from %g to %g", lo, hi),
		Set: func(s *S, v string) bool {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(x) || x < lo || x > hi {
				return false
			}
			*field(s) = x
			return true
		},
		Get: func(s S) string { return formatFloat(*field(&s)) },
	}
}

// Float32 is Float for a float32 (a learning rate): the value is parsed
// and written at float32 precision, so a URL round-trips exactly.
func Float32[S any](name string, lo, hi float64, field func(*S) *float32) Param[S] {
	return Param[S]{
		Name:    name,
		Allowed: fmt.Sprintf("a number from %g to %g", lo, hi),
		Set: func(s *S, v string) bool {
			x, err := strconv.ParseFloat(v, 32)
			if err != nil || math.IsNaN(x) || x < lo || x > hi {
				return false
			}
			*field(s) = float32(x)
			return true
		},
		Get: func(s S) string { return formatFloat32(*field(&s)) },
	}
}

// Bool is a parameter that is on or off: 1, true, yes or on; 0, false, no
// or off. The URL spells it 1, and leaves it out when off.
func Bool[S any](name string, field func(*S) *bool) Param[S] {
	return Param[S]{
		Name:    name,
		Allowed: "1 or 0",
		Set: func(s *S, v string) bool {
			switch strings.ToLower(v) {
			case "1", "true", "yes", "on":
				*field(s) = true
			case "0", "false", "no", "off":
				*field(s) = false
			default:
				return false
			}
			return true
		},
		Get: func(s S) string {
			if *field(&s) {
				return "1"
			}
			return ""
		},
	}
}

// List is a parameter that takes a comma-separated choice among values,
// or "all" or "none". The choice keeps the order of values.
func List[S any](name string, values []string, field func(*S) *[]string) Param[S] {
	return Param[S]{
		Name:    name,
		Allowed: "all, none, or a comma-separated list of " + strings.Join(values, ", "),
		Set: func(s *S, v string) bool {
			switch strings.ToLower(v) {
			case "all":
				*field(s) = slices.Clone(values)
				return true
			case "none", "":
				*field(s) = []string{}
				return true
			}
			chosen := map[string]bool{}
			for _, x := range strings.Split(v, ",") {
				x = strings.ToLower(strings.TrimSpace(x))
				if !slices.Contains(values, x) {
					return false
				}
				chosen[x] = true
			}
			var out []string
			for _, x := range values {
				if chosen[x] {
					out = append(out, x)
				}
			}
			*field(s) = out
			return true
		},
		Get: func(s S) string {
			l := *field(&s)
			if l == nil {
				return ""
			}
			if len(l) == 0 {
				return "none"
			}
			return strings.Join(l, ",")
		},
	}
}
