package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gowebpki/jcs"
	"golang.org/x/mod/sumdb/note"
)

// Records that must be attributable (a capital's approval) carry their
// author's signature. The author signs before parley assigns the record's
// id and time, so the signature covers what the author decides: the kind
// and the body. The signed text is a C2SP signed note, so anyone can check
// it with the author's public key and the note libraries:
//
//	parley-signed/v1
//	<kind>
//	<RFC 8785 canonical JSON of the body>
//
// Envelope.Sig holds the author's verifier key and the base64 signature of
// the note's signature line.

const signedHeader = "parley-signed/v1"

// SignedText is the note text an author signs for a body of the given kind.
func SignedText(kind string, body json.RawMessage) (string, error) {
	canon, err := jcs.Transform(body)
	if err != nil {
		return "", fmt.Errorf("couldn't canonicalize the body: %w", err)
	}
	if bytes.ContainsAny(canon, "\n") {
		// RFC 8785 escapes newlines inside strings, so this cannot happen;
		// the note format depends on it.
		return "", errors.New("canonical body holds a newline")
	}
	return signedHeader + "\n" + kind + "\n" + string(canon) + "\n", nil
}

// Sign signs a body of the given kind with an author's note key.
func Sign(s note.Signer, vkey, kind string, body json.RawMessage) (Signature, error) {
	text, err := SignedText(kind, body)
	if err != nil {
		return Signature{}, err
	}
	signed, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		return Signature{}, fmt.Errorf("couldn't sign: %w", err)
	}
	line := strings.TrimSuffix(string(signed[len(text)+1:]), "\n")
	return SignatureFromLine(vkey, line)
}

// SignatureFromLine makes a Signature from a note signature line
// ("— name base64") and the signer's verifier key.
func SignatureFromLine(vkey, line string) (Signature, error) {
	line = strings.TrimSpace(line)
	rest, ok := strings.CutPrefix(line, "— ")
	if !ok {
		return Signature{}, errors.New(`a signature line starts with "— " (an em dash and a space)`)
	}
	name, value, ok := strings.Cut(rest, " ")
	if !ok || name == "" || value == "" {
		return Signature{}, errors.New("a signature line is \"— <key name> <base64 signature>\"")
	}
	if keyName, _, _ := strings.Cut(vkey, "+"); keyName != name {
		return Signature{}, fmt.Errorf("the signature is by key %q, not by the registered key %q", name, keyName)
	}
	return Signature{Key: vkey, Value: value}, nil
}

// VerifySignature checks that sig signs a body of the given kind.
func VerifySignature(sig Signature, kind string, body json.RawMessage) error {
	v, err := note.NewVerifier(sig.Key)
	if err != nil {
		return fmt.Errorf("the signing key %q is not a note verifier key: %w", sig.Key, err)
	}
	text, err := SignedText(kind, body)
	if err != nil {
		return err
	}
	msg := text + "\n— " + v.Name() + " " + sig.Value + "\n"
	if _, err := note.Open([]byte(msg), note.VerifierList(v)); err != nil {
		return fmt.Errorf("the signature does not verify with key %s: %w", v.Name(), err)
	}
	return nil
}
