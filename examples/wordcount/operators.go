package wordcount

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/streamgen/streamgen/runtime"
)

// NewOperators returns the pipeline's business logic, ready for
// NewPipeline or NewTestDriver.
func NewOperators() Operators {
	return Operators{Words: Words{}, Counts: Counts{}}
}

// Words splits a line into lower-case words: runs of letters, digits and
// apostrophes ("don't" is one word), in any script.
type Words struct{}

// FlatMap emits the words of line, in order.
func (Words) FlatMap(_ *runtime.Context, line string, out *runtime.Emitter[string]) error {
	notInWord := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' }
	for _, w := range strings.FieldsFunc(strings.ToLower(line), notInWord) {
		if w = strings.Trim(w, "'"); w == "" {
			continue // a lone quote
		}
		if err := out.Emit(w); err != nil {
			return err
		}
	}
	return nil
}

// Counts counts a word's occurrences in one window.
type Counts struct{}

// CreateAccumulator starts a window at zero.
func (Counts) CreateAccumulator() int64 { return 0 }

// Add counts one occurrence.
func (Counts) Add(_ string, n int64) int64 { return n + 1 }

// Merge adds two counts.
func (Counts) Merge(a, b int64) int64 { return a + b }

// Result writes the count as decimal text; the word is the record key.
func (Counts) Result(_ string, _ runtime.Window, n int64) (string, error) {
	return strconv.FormatInt(n, 10), nil
}
