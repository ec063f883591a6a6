package httpapi

import (
	"fmt"
	"net/http"

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
	data, err := readLimited(w, r, app.MaxFile, fmt.Sprintf("the file is over the limit of %d bytes", app.MaxFile))
	if err != nil {
		return err
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
		for k, v := range app.FileHeaders(b) {
			w.Header().Set(k, v)
		}
		w.Write(b.Data)
		return nil
	}
}
