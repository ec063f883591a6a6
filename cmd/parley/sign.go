package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/record"
)

var keysRegisterCommand = &command{
	name:    "keys register",
	args:    "--config FILE --login LOGIN --key KEY|FILE",
	summary: "register the key a principal signs its approvals with",
	doc: `
Register (or replace) the public key with which the principal's signed
records, such as a capital's approvals, are checked. KEY is a verifier key
as 'parley keys generate' prints it, or the FILE.pub it writes. The private
key stays with the principal: parley never sees it.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		login := fs.String("login", "", "the `login` of the principal")
		key := fs.String("key", "", "the verifier `key`, or a file holding it")
		return func(ctx context.Context) error { return c.keysRegister(ctx, *config, *login, *key) }
	},
}

func (c *cli) keysRegister(ctx context.Context, configPath, login, key string) error {
	if configPath == "" {
		return usagef("--config is required")
	}
	if login == "" {
		return usagef("--login is required")
	}
	vkey, err := logKeyArg("key", key)
	if err != nil {
		return err
	}
	svc, _, _, closeAll, err := c.openService(ctx, configPath)
	if err != nil {
		return err
	}
	defer closeAll()
	if err := svc.RegisterKey(ctx, login, vkey); err != nil {
		return fmt.Errorf("couldn't register the key: %w", err)
	}
	fmt.Fprintf(c.stdout, "registered %s as the signing key of %s\n", vkey, login)
	return nil
}

var signCommand = &command{
	name:     "sign",
	args:     "BODY.json --key FILE --kind KIND",
	operands: 1,
	summary:  "sign a record's body, such as an approval, before submitting it",
	doc: `
Sign the body of a record of a signed kind (talks.approval) with your private
key, and print the body with its "signature" field, ready to POST to the API
(/api/v1/approvals). The signature covers the kind and the body exactly as
parley commits it (decoded, trimmed and re-encoded in RFC 8785 form), so a
body that parley would change is signed in its committed form. Anyone with
your public key can check the signature later, on the committed record.
BODY.json may be - for standard input.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		key := fs.String("key", "", "your private key `file` (from parley keys generate)")
		kind := fs.String("kind", "talks.approval", "the record `kind`")
		return func(ctx context.Context) error { return c.sign(fs.Arg(0), *key, *kind) }
	},
}

func (c *cli) sign(bodyPath, keyPath, kind string) error {
	if bodyPath == "" {
		return usagef("name the body's file (or - for standard input)")
	}
	if keyPath == "" {
		return usagef("--key is required")
	}
	var raw []byte
	var err error
	if bodyPath == "-" {
		raw, err = io.ReadAll(c.stdin)
	} else {
		raw, err = os.ReadFile(bodyPath)
	}
	if err != nil {
		return fmt.Errorf("couldn't read the body: %w", err)
	}
	skey, err := os.ReadFile(keyPath)
	if err != nil {
		return fmt.Errorf("couldn't read the key: %w", err)
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return fmt.Errorf("%s holds no private note key: %w", keyPath, err)
	}
	signable, err := app.SignableBody(registry(), kind, raw)
	if err != nil {
		return fmt.Errorf("%s: %w", bodyPath, err)
	}
	text, err := record.SignedText(kind, signable)
	if err != nil {
		return err
	}
	signed, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		return fmt.Errorf("couldn't sign: %w", err)
	}
	// The body as submitted keeps its audience, if it had one; the
	// signature goes beside it.
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("%s: %w", bodyPath, err)
	}
	out["signature"] = strings.TrimSpace(string(signed[len(text)+1:]))
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
