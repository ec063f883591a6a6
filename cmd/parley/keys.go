package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unicode"

	f_note "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/server"
)

var keysGenerateCommand = &command{
	name:    "keys generate",
	args:    "--name NAME --out FILE",
	summary: "generate a key pair: the log's, a party's witness's, or an approver's",
	doc: `
Generate an Ed25519 signed-note key pair named NAME. The private key goes to
FILE, readable by you alone; the public (verifier) key to FILE.pub. Neither
file is ever overwritten. Keep FILE secret and back it up: a log whose key is
lost must start over, and a witness whose key is lost must be configured
anew by the log's operator.

For a party's witness (run with 'parley witness --key FILE'), NAME names the
witness, such as ua-witness; give the log's operator the cosignature key
printed, for the witness's "key" in the config's witnesses.

For a log, NAME is its origin, the first line of each of its checkpoints,
such as parley.example/log. 'parley init' generates the log's key itself
unless given one with --log-key-file. Readers and witnesses check the log
with the verifier key printed.

For a capital approver, who signs its decisions with its own key, NAME names
the approver, such as kyiv-approver; the approver keeps FILE, signs with
'parley sign --key FILE', and the operator registers FILE.pub with
'parley keys register --config CONFIG --login LOGIN --key FILE.pub'.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		name := fs.String("name", "", "the key's `name`: a witness's or an approver's name, or a log's origin")
		out := fs.String("out", "", "write the private key to `file`, and the public key to file.pub")
		return func(ctx context.Context) error { return c.keysGenerate(*name, *out) }
	},
}

func (c *cli) keysGenerate(name, out string) error {
	if name == "" {
		return usagef("--name is required")
	}
	if out == "" {
		return usagef("--out is required")
	}
	skey, vkey, err := generateKey("name", name)
	if err != nil {
		return err
	}
	cosig, err := ledger.CosignatureVKey(vkey)
	if err != nil {
		return err
	}
	if err := server.WriteKeyPair(out, skey, vkey); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, `wrote %s (the private key: keep it secret, back it up) and %s.pub
verifier key:    %s
cosignature key: %s

For a witness's key: give the log's operator the cosignature key, for this
witness's "key" in the config's witnesses. For a log's key: readers and
witnesses check the log with the verifier key.
`, out, out, vkey, cosig)
	return nil
}

// generateKey is ledger.GenerateKey for a name from the command line flag
// flagName. note.GenerateKey does not check the name, and makes a key
// nothing can parse from one with a space or a '+'.
func generateKey(flagName, name string) (skey, vkey string, err error) {
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return r == '+' || unicode.IsSpace(r) }) {
		return "", "", usagef("--%s: %q cannot name a key: want a non-empty name without spaces or '+', such as parley.example/log or ua-witness", flagName, name)
	}
	skey, vkey, err = ledger.GenerateKey(name)
	if err != nil {
		return "", "", usagef("--%s: %v", flagName, err)
	}
	if _, err := note.NewVerifier(vkey); err != nil {
		return "", "", usagef("--%s: %q cannot name a key: %v", flagName, name, err)
	}
	return skey, vkey, nil
}

// vkeyOf returns the verifier key of a private key made by
// ledger.GenerateKey, which holds the Ed25519 seed the public key derives
// from.
func vkeyOf(skey string) (string, error) {
	bad := errors.New("not an Ed25519 signed-note private key (PRIVATE+KEY+name+hash+key)")
	rest, ok := strings.CutPrefix(skey, "PRIVATE+KEY+")
	if !ok {
		return "", bad
	}
	name, rest, _ := strings.Cut(rest, "+")
	hash, key64, _ := strings.Cut(rest, "+")
	key, err := base64.StdEncoding.DecodeString(key64)
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return "", bad
	}
	pub, ok := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	if !ok {
		return "", bad
	}
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return "", fmt.Errorf("couldn't make the verifier key: %w", err)
	}
	if !strings.HasPrefix(vkey, name+"+"+hash+"+") {
		return "", errors.New("the private key's hash does not match its key: the file is corrupt")
	}
	return vkey, nil
}

// readSigningKey reads a private key file and returns the key and its
// verifier key.
func readSigningKey(path string) (skey, vkey string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("couldn't read the private key: %w", err)
	}
	skey = strings.TrimSpace(string(b))
	vkey, err = vkeyOf(skey)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", path, err)
	}
	return skey, vkey, nil
}

// logKeyArg reads the value of a flag that gives a log's verifier key: the
// key itself, or a file holding it (the .pub file from 'parley keys
// generate' or 'parley init').
func logKeyArg(flagName, v string) (string, error) {
	return keyArg(flagName, v, func(k string) error {
		_, err := note.NewVerifier(k)
		return err
	})
}

// witnessKeyArg is logKeyArg for a witness's cosignature verifier key (or
// the plain verifier key of the same pair).
func witnessKeyArg(flagName, v string) (string, error) {
	return keyArg(flagName, v, func(k string) error {
		_, err := f_note.NewVerifierForCosignatureV1(k)
		return err
	})
}

func keyArg(flagName, v string, parse func(string) error) (string, error) {
	if v == "" {
		return "", usagef("--%s is required", flagName)
	}
	keyErr := parse(v)
	if keyErr == nil {
		return v, nil
	}
	b, err := os.ReadFile(v)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
		return "", usagef("--%s: %q is neither a verifier key (%v) nor a file", flagName, v, keyErr)
	} else if err != nil {
		return "", fmt.Errorf("--%s: %w", flagName, err)
	}
	k := strings.TrimSpace(string(b))
	if err := parse(k); err != nil {
		return "", fmt.Errorf("--%s: %s holds no verifier key: %v", flagName, v, err)
	}
	return k, nil
}

// stringsFlag is a flag that may be given more than once.
type stringsFlag []string

func (f *stringsFlag) String() string {
	if f == nil {
		return ""
	}
	return strings.Join(*f, ",")
}

func (f *stringsFlag) Set(s string) error {
	*f = append(*f, s)
	return nil
}
