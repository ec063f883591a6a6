package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strconv"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/store"
)

// MaxFile is the largest file parley keeps: a photo, a scanned document.
const MaxFile = 32 << 20

// Files back records (a photo of a strike, an invoice): a record commits
// a file's SHA-256 in a File field, and parley keeps the file itself by
// that hash, so that the record proves the file unaltered. A file is
// uploaded before or after the record that names it, and served only to
// the readers of an entity that names it: its hash alone opens nothing.

// PutFile keeps a file that p uploads and returns it, its hash set. Whoever
// may write a kind with a File field may upload; a file kept already is
// kept once.
func (s *Service) PutFile(ctx context.Context, p access.Principal, mediaType string, data []byte) (store.Blob, error) {
	if !s.MayPutFiles(p) {
		return store.Blob{}, newError(CodeForbidden, "", "your roles %v write no records that files back", p.Roles)
	}
	if len(data) == 0 {
		return store.Blob{}, newError(CodeInvalid, "", "the file is empty")
	}
	if len(data) > MaxFile {
		return store.Blob{}, newError(CodeTooLarge, "", "the file is %d bytes; at most %d are kept", len(data), MaxFile)
	}
	mt, params, err := mime.ParseMediaType(mediaType)
	if err != nil || mediaType == "" {
		mt, params = "application/octet-stream", nil
	}
	sum := sha256.Sum256(data)
	b := store.Blob{SHA256: hex.EncodeToString(sum[:]), MediaType: mime.FormatMediaType(mt, params), Size: int64(len(data)), Data: data,
		Created: s.now().UTC()}
	if err := s.store.Write(ctx, func(tx store.Tx) error { return tx.PutBlob(ctx, b) }); err != nil {
		return store.Blob{}, fmt.Errorf("couldn't keep the file: %w", err)
	}
	kept, err := s.store.Blob(ctx, b.SHA256)
	if err != nil {
		return store.Blob{}, err
	}
	return kept, nil
}

// MayPutFiles reports whether p may upload files: whether it writes any
// kind with a File field.
func (s *Service) MayPutFiles(p access.Principal) bool {
	return slices.ContainsFunc(s.reg.Kinds(), func(k parley.Kind) bool { return parley.HasFiles(k.Fields) && mayWriteKind(p, k) == nil })
}

// File returns the file sha256 that entity id, which the caller may read,
// names in a File field. A file the entity does not name, or not yet
// uploaded, is not found, as is an entity the caller may not read.
func (s *Service) File(ctx context.Context, caller *access.Principal, kindName, id, sha256 string) (store.Blob, error) {
	kind, ok := s.reg.Kind(kindName)
	if !ok {
		return store.Blob{}, newError(CodeNotFound, "", "no kind %q", kindName)
	}
	e, err := s.Get(ctx, caller, kindName, id)
	if err != nil {
		return store.Blob{}, err
	}
	if !slices.Contains(parley.FilesOf(kind.Fields, e.Body), sha256) {
		return store.Blob{}, newError(CodeNotFound, "", "%s %q names no file %s", kind.Title, id, sha256)
	}
	b, err := s.store.Blob(ctx, sha256)
	if errors.Is(err, store.ErrNotFound) {
		return store.Blob{}, &Error{Code: CodeNotFound, Message: fmt.Sprintf("the file %s that %s %q names has not been uploaded yet", sha256, kind.Title, id), Err: err}
	} else if err != nil {
		return store.Blob{}, err
	}
	// A file changed in the store, behind parley's back, is not served as
	// the one the record names: it is a failure of the installation's
	// integrity, which refuses writes from now on, as an altered record
	// does.
	if err := store.CheckBlob(b); err != nil {
		s.CheckDone(ctx, "files", []string{fmt.Sprintf("the file kept under %s is not the file of that hash: it was changed in the store", sha256)})
		return store.Blob{}, newError(CodeUnavailable, "", "the file kept under %s is not the one %s %q names: it was changed in the store, and is not served", sha256, kind.Title, id)
	}
	return b, nil
}

// FileHeaders are the HTTP headers a file is served with, by the API and
// the UI alike: its media type and length, and as an attachment under its
// hash, sandboxed and never sniffed, so that no file an author uploads is
// rendered as a page of parley's origin.
func FileHeaders(b store.Blob) map[string]string {
	return map[string]string{
		"Content-Type":            b.MediaType,
		"Content-Length":          strconv.FormatInt(b.Size, 10),
		"Content-Disposition":     `attachment; filename="` + b.SHA256 + `"`,
		"Content-Security-Policy": "sandbox; default-src 'none'",
		"X-Content-Type-Options":  "nosniff",
		"ETag":                    `"` + b.SHA256 + `"`,
	}
}
