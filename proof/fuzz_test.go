package proof_test

import (
	"encoding/json"
	"testing"

	"github.com/parley-project/parley/proof"
)

// FuzzVerify: a proof file is read from a reader who may have been handed
// anything; whatever its bytes, reading and verifying it never panics, and
// a proof that fails to decode or to verify names a failed check.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"record_id":"r","kind":"talks.round","canonical":"e30=","salt":"AAAA","commitment":"00","leaf":"parley/v2 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","leaf_index":0,"tree_size":1,"inclusion_proof":[],"checkpoint":"x\n1\nAAAA\n"}`))
	f.Add([]byte(`{"leaf_index":18446744073709551615,"tree_size":0,"inclusion_proof":["AAAA","AAAA"]}`))
	f.Add([]byte(`{}`))
	const logKey = "parley.test/log+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	f.Fuzz(func(t *testing.T, raw []byte) {
		var p proof.Proof
		if json.Unmarshal(raw, &p) != nil {
			return
		}
		checks := proof.Verify(p, logKey, []string{logKey})
		if len(checks) == 0 {
			t.Fatal("Verify returned no checks")
		}
		if len(proof.Failed(checks)) == 0 {
			t.Fatalf("a proof made of fuzzed bytes verified: %s", raw)
		}
	})
}
