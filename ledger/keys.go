package ledger

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"unicode"

	f_note "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// GenerateKey returns a new Ed25519 signed-note key pair named name: skey
// (PRIVATE+KEY+...) is kept secret by its holder, vkey is published.
//
// For the log, name is the log's origin (for example "parley.example/log"),
// because the log's checkpoints carry its signer's name as their origin line.
// For a witness, name is the witness's name; publish CosignatureVKey(vkey),
// the form witness policies and VerifyCheckpoint expect.
func GenerateKey(name string) (skey, vkey string, err error) {
	if strings.TrimSpace(name) == "" {
		return "", "", errors.New("couldn't generate key: the name is empty")
	}
	// note.GenerateKey accepts any name, but a key whose name holds a '+'
	// or white space cannot be parsed back: refuse it here.
	if strings.ContainsAny(name, "+") || strings.IndexFunc(name, unicode.IsSpace) >= 0 {
		return "", "", fmt.Errorf("couldn't generate key: the name %q holds a '+' or white space", name)
	}
	skey, vkey, err = note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("couldn't generate key %q: %w", name, err)
	}
	if _, err := note.NewVerifier(vkey); err != nil {
		return "", "", fmt.Errorf("couldn't generate key %q: %w", name, err)
	}
	return skey, vkey, nil
}

// CosignatureVKey converts an Ed25519 vkey made by GenerateKey to the
// cosignature/v1 vkey (type 0x04, C2SP tlog-cosignature) with which a
// witness's cosignatures are checked. The two forms have different key
// hashes; witnesses publish this one.
func CosignatureVKey(vkey string) (string, error) {
	v, err := f_note.VKeyToCosignatureV1(vkey)
	if err != nil {
		return "", fmt.Errorf("couldn't convert %q to a cosignature key: %w", vkey, err)
	}
	return v, nil
}
