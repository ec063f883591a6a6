package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
)

var filesPutCommand = &command{
	name:     "files put",
	args:     "FILE... --server URL --token-file FILE",
	operands: maxOperands,
	summary:  "upload files that back records (evidence), printing each one's SHA-256",
	doc: `
Upload files that back records (photos, scanned documents) through the API
as the token's principal, and print each one's SHA-256 and name, as
sha256sum does: name the hash in a record's file field (a report's evidence,
or the evidence_sha256 column of a reports file). parley keeps a file under
its hash, once however often it is sent; the record's readers get it from
the record, and the committed record proves it unaltered. The hash printed is computed
here, and checked against the server's answer. A file that cannot be read
or is refused is reported and the others are uploaded; the exit status is
1 if any was not. The media type follows the file's extension.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		server := fs.String("server", "", "the parley server's base `URL`")
		token := fs.String("token-file", "", "a `file` holding your API token (parley tokens new)")
		return func(ctx context.Context) error { return c.putFiles(ctx, fs.Args(), *server, *token) }
	},
}

func (c *cli) putFiles(ctx context.Context, files []string, server, tokenFile string) error {
	if len(files) == 0 {
		return usagef("name at least one file")
	}
	api, err := newAPIClient(server, tokenFile)
	if err != nil {
		return err
	}
	failed := 0
	for _, name := range files {
		if err := putFile(ctx, api, c.stdout, name); err != nil {
			fmt.Fprintf(c.stderr, "%s: %v\n", name, err)
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files were not uploaded; see above", failed, len(files))
	}
	return nil
}

// putFile uploads one file and prints its hash, computed here: a server
// that answered another would have the record name a file that is not
// this one.
func putFile(ctx context.Context, api apiClient, out io.Writer, name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	mt := mime.TypeByExtension(filepath.Ext(name))
	if mt == "" {
		mt = "application/octet-stream"
	}
	var kept struct {
		SHA256 string `json:"sha256"`
	}
	if err := api.send(ctx, http.MethodPost, "files", mt, data, &kept); err != nil {
		return err
	}
	if kept.SHA256 != want {
		return fmt.Errorf("the server answered the hash %s, but the file's is %s: it did not keep this file", kept.SHA256, want)
	}
	fmt.Fprintf(out, "%s  %s\n", want, name)
	return nil
}
