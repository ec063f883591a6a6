package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
)

// fileBody answers an upload: the hash to name the file by in a record.
type fileBody struct {
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type"`
}

// putFile keeps the request's body as a file, whatever its media type.
func (a *api) putFile(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	if caller == nil {
		return errSignIn
	}
	if r.ContentLength > app.MaxFile {
		return &app.Error{Code: app.CodeTooLarge, Message: fmt.Sprintf("the file is over the limit of %d bytes", app.MaxFile)}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, app.MaxFile))
	var big *http.MaxBytesError
	if errors.As(err, &big) {
		return &app.Error{Code: app.CodeTooLarge, Message: fmt.Sprintf("the file is over the limit of %d bytes", app.MaxFile)}
	} else if err != nil {
		return &app.Error{Code: app.CodeBadRequest, Message: "couldn't read the request body", Err: err}
	}
	b, err := a.svc.PutFile(r.Context(), *caller, r.Header.Get("Content-Type"), data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, fileBody{SHA256: b.SHA256, Size: b.Size, MediaType: b.MediaType})
	return nil
}

// getFile serves a file an entity names to the entity's readers, as an
// attachment that no browser renders in parley's origin.
func (a *api) getFile(k parley.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		b, err := a.svc.File(r.Context(), caller, k.Name, r.PathValue("id"), r.PathValue("sha256"))
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", b.MediaType)
		w.Header().Set("Content-Length", strconv.FormatInt(b.Size, 10))
		w.Header().Set("Content-Disposition", `attachment; filename="`+b.SHA256+`"`)
		w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("ETag", `"`+b.SHA256+`"`)
		w.Write(b.Data)
		return nil
	}
}
