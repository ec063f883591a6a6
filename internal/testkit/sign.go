package testkit

import (
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/scenario"
)

// Signed returns the JSON body of a signed kind (an approval) with its
// "signature": the signed-note signature by skey (a demo capital
// approver's Login.SigningKey) over the kind's signable body, as `parley
// sign` makes it.
func Signed(tb testing.TB, skey, kind string, body []byte) []byte {
	tb.Helper()
	signer, err := note.NewSigner(skey)
	if err != nil {
		tb.Fatalf("not a signing key: %v", err)
	}
	signable, err := app.SignableBody(scenario.Registry(), kind, body)
	if err != nil {
		tb.Fatal(err)
	}
	text, err := record.SignedText(kind, signable)
	if err != nil {
		tb.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		tb.Fatal(err)
	}
	m["signature"] = strings.TrimSpace(string(msg[len(text)+1:]))
	out, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
