package main

import (
	"context"
	"flag"
	"fmt"
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
the record, and the committed record proves it unaltered. The media type
follows the file's extension.`,
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
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("couldn't read %s: %w", name, err)
		}
		mt := mime.TypeByExtension(filepath.Ext(name))
		if mt == "" {
			mt = "application/octet-stream"
		}
		var out struct {
			SHA256 string `json:"sha256"`
		}
		if err := api.send(ctx, http.MethodPost, "files", mt, data, &out); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(c.stdout, "%s  %s\n", out.SHA256, name)
	}
	return nil
}
