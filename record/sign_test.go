package record

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func TestSignAndVerify(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "kyiv-approver")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	body := json.RawMessage(`{"decision":"approved", "aspect_id":"a1","party_id":"ua"}`)
	sig, err := Sign(signer, vkey, "talks.approval", body)
	if err != nil {
		t.Fatal(err)
	}
	// Key order and spacing do not matter: the canonical body is signed.
	if err := VerifySignature(sig, "talks.approval", json.RawMessage(`{"aspect_id":"a1","decision":"approved","party_id":"ua"}`)); err != nil {
		t.Errorf("a good signature fails: %v", err)
	}
	if err := VerifySignature(sig, "talks.approval", json.RawMessage(`{"aspect_id":"a1","decision":"rejected","party_id":"ua"}`)); err == nil {
		t.Error("a signature verifies over a changed decision")
	}
	if err := VerifySignature(sig, "talks.other", body); err == nil {
		t.Error("a signature verifies for another kind")
	}
	_, other, _ := note.GenerateKey(rand.Reader, "kyiv-approver")
	if err := VerifySignature(Signature{Key: other, Value: sig.Value}, "talks.approval", body); err == nil {
		t.Error("a signature verifies with another key of the same name")
	}
	if _, err := SignatureFromLine(vkey, "— moscow-approver AAAA"); err == nil || !strings.Contains(err.Error(), "not by the registered key") {
		t.Errorf("a line by another key name: %v", err)
	}
}
