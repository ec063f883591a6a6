package ledger_test

import (
	"testing"

	"github.com/parley-project/parley/ledger"
)

// FuzzVerifyCheckpoint: a checkpoint comes from a server the reader does
// not trust; whatever its bytes, checking it never panics, and nothing made
// of fuzzed bytes passes for one signed by the log's key.
func FuzzVerifyCheckpoint(f *testing.F) {
	_, vkey, err := ledger.GenerateKey("parley.test/log")
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("parley.test/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— parley.test/log AAAA\n"))
	f.Add([]byte("parley.test/log\n18446744073709551616\n\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, raw []byte) {
		cp, _, err := ledger.VerifyCheckpoint(raw, vkey, nil)
		if err == nil {
			t.Fatalf("fuzzed bytes verified as a checkpoint (%+v): %q", cp, raw)
		}
	})
}
