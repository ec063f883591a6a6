package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	kernel "github.com/parley-project/parley"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/httpapi"
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
	if err := needConfigAndLogin(configPath, login); err != nil {
		return err
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
	args:     "BODY.json --key FILE (--server URL --token-file FILE | --statement FILE) [--kind KIND]",
	operands: 1,
	summary:  "sign a record's body, such as an approval, before submitting it",
	doc: `
Sign a record of a signed kind (talks.approval) with your private key. What
you sign is a statement that binds the body, exactly as parley commits it, to
you and your party, to the current version of what it decides (the aspect),
to the latest decision it supersedes, and to the time, so that it cannot be
replayed or used for anything else. The server writes the statement: with
--server and --token-file, parley sign asks it for one
(POST /api/v1/to-sign/<collection>); with --statement, it signs one you
fetched yourself (for a key kept on another machine). It checks that the
statement's kind and body are the ones in BODY.json, prints what it binds on
standard error, and prints the body with its "statement" and "signature"
fields on standard output, ready to POST to the API (/api/v1/approvals) or
to upload in the browser. Submit it within ` + app.StatementLifetime.String() + `: the server
refuses an older statement, or one overtaken by a change of the aspect or by
another decision; ask for a new one then. BODY.json may be - for standard
input.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		key := fs.String("key", "", "your private key `file` (from parley keys generate)")
		kind := fs.String("kind", "talks.approval", "the record `kind`")
		server := fs.String("server", "", "the parley server's base `URL`, to ask for the statement")
		token := fs.String("token-file", "", "a `file` holding your API token (parley tokens new), with --server")
		statement := fs.String("statement", "", "a `file` holding the statement to sign, instead of asking --server")
		return func(ctx context.Context) error {
			return c.sign(ctx, signArgs{body: fs.Arg(0), key: *key, kind: *kind, server: *server, tokenFile: *token, statement: *statement})
		}
	},
}

type signArgs struct {
	body, key, kind, server, tokenFile, statement string
}

func (c *cli) sign(ctx context.Context, a signArgs) error {
	if a.body == "" {
		return usagef("name the body's file (or - for standard input)")
	}
	if a.key == "" {
		return usagef("--key is required")
	}
	if (a.server == "") == (a.statement == "") {
		return usagef("give either --server (with --token-file) to ask the server for the statement, or --statement FILE")
	}
	if a.server != "" && a.tokenFile == "" {
		return usagef("--server needs --token-file: the statement is made for the principal the token signs in")
	}
	k, ok := registry().Kind(a.kind)
	if !ok || !k.Signed {
		return usagef("--kind %q is not a signed kind", a.kind)
	}
	var raw []byte
	var err error
	if a.body == "-" {
		raw, err = io.ReadAll(c.stdin)
	} else {
		raw, err = os.ReadFile(a.body)
	}
	if err != nil {
		return fmt.Errorf("couldn't read the body: %w", err)
	}
	signer, err := readSigner(a.key)
	if err != nil {
		return err
	}
	var text string
	if a.statement != "" {
		b, err := os.ReadFile(a.statement)
		if err != nil {
			return fmt.Errorf("couldn't read the statement: %w", err)
		}
		text = string(b)
	} else if text, err = fetchStatement(ctx, a.server, a.tokenFile, k.Collection, raw); err != nil {
		return err
	}
	out, st, err := signBody(k, raw, nil, text, signer)
	if err != nil {
		return fmt.Errorf("%s: %w", a.body, err)
	}
	fmt.Fprintf(c.stderr, "signing for party %s as principal %s, at %s:\n", st.Party, st.Signer, st.At.Format(record.TimeLayout))
	if st.On != nil {
		fmt.Fprintf(c.stderr, "  on %s %s, version %s (commitment %s)\n", st.On.Kind, st.On.ID, st.On.Record, hex.EncodeToString(st.On.Commitment))
	}
	if st.Supersedes != "" {
		fmt.Fprintf(c.stderr, "  superseding decision %s\n", st.Supersedes)
	} else {
		fmt.Fprintln(c.stderr, "  the first decision of your party here")
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		return err
	}
	pretty.WriteByte('\n')
	_, err = c.stdout.Write(pretty.Bytes())
	return err
}

// readSigner reads a private note key file (parley keys generate).
func readSigner(file string) (note.Signer, error) {
	skey, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("couldn't read the key: %w", err)
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return nil, fmt.Errorf("%s holds no private note key: %w", file, err)
	}
	return signer, nil
}

// signBody checks that the statement text binds raw, a body of kind k,
// exactly as parley commits it (signable, or nil to work it out), and
// nothing else, dated now; and returns raw (keeping its audience, if it
// has one) with the statement and its signature beside it, ready to
// submit.
func signBody(k kernel.Kind, raw, signable []byte, text string, signer note.Signer) (json.RawMessage, record.Statement, error) {
	var err error
	if signable == nil {
		if signable, err = app.SignableBody(registry(), k.Name, raw); err != nil {
			return nil, record.Statement{}, err
		}
	}
	st, err := record.ParseStatement(text)
	if err != nil {
		return nil, st, fmt.Errorf("the statement is not one parley signs: %w", err)
	}
	// The signer signs only what it meant: the server must not slip in
	// another body or kind.
	if st.Kind != k.Name {
		return nil, st, fmt.Errorf("the statement is for kind %s, not %s; refusing to sign it", st.Kind, k.Name)
	}
	got, _ := record.CanonicalJSON(st.Body)
	want, err := record.CanonicalJSON(signable)
	if err != nil {
		return nil, st, err
	}
	if !bytes.Equal(got, want) {
		return nil, st, fmt.Errorf("the statement's body %s is not the body as parley commits it, %s; refusing to sign it", got, want)
	}
	// Nor bind it to another thing, party or time than the body says: the
	// record would then speak of what its author did not decide, or be
	// held back and committed later.
	if d := time.Since(st.At); d < -signClockSkew || d > signClockSkew {
		return nil, st, fmt.Errorf("the statement is dated %s, but this machine's clock says %s; refusing to sign a statement not dated now (check the clocks, and ask for a new statement)",
			st.At.Format(record.TimeLayout), time.Now().UTC().Format(record.TimeLayout))
	}
	env := record.Envelope{Kind: st.Kind, At: st.At, Author: record.Author{Principal: st.Signer, Party: st.Party}, Body: signable,
		Sig: &record.Signature{At: st.At, On: st.On, Supersedes: st.Supersedes}}
	if err := app.CheckBindings(k, env); err != nil {
		return nil, st, fmt.Errorf("the statement does not bind what the body says: %v; refusing to sign it", err)
	}
	signed, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		return nil, st, fmt.Errorf("couldn't sign: %w", err)
	}
	return withSignature(raw, text, strings.TrimSpace(string(signed[len(text)+1:]))), st, nil
}

// withSignature returns the JSON object raw with the statement and its
// signature added as its last fields, its own bytes kept as they are: a
// month of meter readings is not decoded and encoded again to add two.
func withSignature(raw []byte, statement, signature string) json.RawMessage {
	obj := bytes.TrimRight(raw, " \t\r\n")
	obj = obj[:len(obj)-1] // the closing brace: SignableBody read raw as an object
	st, _ := json.Marshal(statement)
	sig, _ := json.Marshal(signature)
	out := make([]byte, 0, len(obj)+len(st)+len(sig)+32)
	out = append(out, obj...)
	if len(bytes.TrimSpace(obj)) > 1 { // more than the opening brace
		out = append(out, ',')
	}
	out = append(out, `"statement":`...)
	out = append(out, st...)
	out = append(out, `,"signature":`...)
	out = append(out, sig...)
	return append(out, '}')
}

// signClockSkew is how far the statement's time may be from this machine's
// clock: a server that dates a statement ahead could hold the signature
// back and commit it later.
const signClockSkew = 2 * time.Minute

// fetchStatement asks the server for the statement to sign for body.
func fetchStatement(ctx context.Context, server, tokenFile, collection string, body []byte) (string, error) {
	tok, err := os.ReadFile(tokenFile)
	if err != nil {
		return "", fmt.Errorf("couldn't read the token: %w", err)
	}
	u, err := url.JoinPath(server, httpapi.Prefix, "to-sign", collection)
	if err != nil {
		return "", usagef("--server %q is not a URL: %v", server, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return "", usagef("--server %q: %v", server, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return "", fmt.Errorf("couldn't ask %s for the statement: %w", server, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("couldn't read the statement from %s: %w", server, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct {
				Message string `json:"message"`
				Field   string `json:"field"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			if e.Error.Field != "" {
				return "", fmt.Errorf("the server refused the body (%s): %s: %s", resp.Status, e.Error.Field, e.Error.Message)
			}
			return "", fmt.Errorf("the server refused the body (%s): %s", resp.Status, e.Error.Message)
		}
		return "", fmt.Errorf("the server answered %s", resp.Status)
	}
	var st struct {
		Statement string `json:"statement"`
	}
	if err := json.Unmarshal(b, &st); err != nil || st.Statement == "" {
		return "", fmt.Errorf("the server's answer holds no statement: %s", b)
	}
	return st.Statement, nil
}
