// Package worddiff compares two texts word by word, as negotiators read a
// change to a clause: which words both keep, which the later deletes and
// which it inserts.
package worddiff

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/parley-project/parley/record"
)

// Op is what a diff does with a run of words.
type Op int

// The diff operations.
const (
	Same Op = iota
	Deleted
	Inserted
)

// MarshalText writes the operation as "same", "deleted" or "inserted".
func (o Op) MarshalText() ([]byte, error) {
	switch o {
	case Deleted:
		return []byte("deleted"), nil
	case Inserted:
		return []byte("inserted"), nil
	}
	return []byte("same"), nil
}

// UnmarshalText reads what MarshalText writes.
func (o *Op) UnmarshalText(b []byte) error {
	switch string(b) {
	case "same":
		*o = Same
	case "deleted":
		*o = Deleted
	case "inserted":
		*o = Inserted
	default:
		return fmt.Errorf("%q is not a diff operation (same, deleted, inserted)", b)
	}
	return nil
}

// Chunk is a run of words a diff keeps, deletes or inserts.
type Chunk struct {
	Op   Op     `json:"op"`
	Text string `json:"text"`
}

// maxDiffCells bounds the work of one diff (words of a × words of b): a
// clause is a few hundred words; beyond the bound the diff is whole.
const maxDiffCells = 4 << 20

// Diff returns the word-level difference from a to b: the words (with the
// space after each, as record.Segments cuts them) that both keep, that b
// deletes and that b inserts, in reading order. Words are compared without
// the space after them, and a kept word is shown as b has it. It is a
// longest common subsequence over words, so a moved phrase shows as
// deleted and inserted.
func Diff(a, b string) []Chunk {
	x, y := record.Segments(a), record.Segments(b)
	same := func(i, j int) bool { return word(x[i]) == word(y[j]) }
	// Common prefix and suffix first: most edits touch a few words.
	pre := 0
	for pre < len(x) && pre < len(y) && same(pre, pre) {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && same(len(x)-1-suf, len(y)-1-suf) {
		suf++
	}
	var out []Chunk
	add := func(op Op, words ...string) {
		if len(words) == 0 {
			return
		}
		s := strings.Join(words, "")
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += s
			return
		}
		out = append(out, Chunk{Op: op, Text: s})
	}
	add(Same, y[:pre]...)
	mx, my := x[pre:len(x)-suf], y[pre:len(y)-suf]
	if len(mx)*len(my) > maxDiffCells {
		add(Deleted, mx...)
		add(Inserted, my...)
	} else {
		lcs(mx, my, add)
	}
	add(Same, y[len(y)-suf:]...)
	return out
}

func word(segment string) string { return strings.TrimRightFunc(segment, unicode.IsSpace) }

// lcs emits the diff of x and y by a longest common subsequence table.
func lcs(x, y []string, add func(Op, ...string)) {
	n, m := len(x), len(y)
	// t[i][j] is the LCS length of x[i:] and y[j:].
	t := make([][]int32, n+1)
	for i := range t {
		t[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if word(x[i]) == word(y[j]) {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case word(x[i]) == word(y[j]):
			add(Same, y[j])
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			add(Deleted, x[i])
			i++
		default:
			add(Inserted, y[j])
			j++
		}
	}
	add(Deleted, x[i:]...)
	add(Inserted, y[j:]...)
}
