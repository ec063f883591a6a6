package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/parley-project/parley/app"
)

// A file that backs a record (a photo, an invoice) is uploaded here, kept
// by its SHA-256, and named by that hash in the record's file field; the
// record's page links to it, for its readers.

// fileView is the upload page: the form, or the file just kept.
type fileView struct {
	SHA256, MediaType string
	Size              int64
	Error             string
	Max               int
}

func (s *server) fileForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.caller == nil || !s.svc.MayPutFiles(*rq.caller) {
		return errNotFound
	}
	s.render(w, r, rq, http.StatusOK, "files", pageData{Title: T(r, "Upload a file"), Data: fileView{Max: app.MaxFile >> 20}})
	return nil
}

func (s *server) fileUpload(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.caller == nil || !s.svc.MayPutFiles(*rq.caller) {
		return errNotFound
	}
	p := Printer(r)
	refuse := func(msg string) error {
		s.render(w, r, rq, http.StatusUnprocessableEntity, "files", pageData{Title: p.T("Upload a file"), Data: fileView{Max: app.MaxFile >> 20, Error: msg}})
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, app.MaxFile+1<<20)
	if err := r.ParseMultipartForm(app.MaxFile + 1<<20); err != nil {
		return refuse(p.T("The upload could not be read; a file is at most %d MiB.", app.MaxFile>>20))
	}
	defer r.MultipartForm.RemoveAll()
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return refuse(p.T("Choose a file to upload."))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, app.MaxFile+1))
	if err != nil {
		return err
	}
	b, err := s.svc.PutFile(r.Context(), *rq.caller, hdr.Header.Get("Content-Type"), data)
	var e *app.Error
	if errors.As(err, &e) {
		return refuse(capitalize(ErrorText(p, e)) + ".")
	} else if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "files", pageData{Title: p.T("File kept"), Data: fileView{SHA256: b.SHA256, MediaType: b.MediaType, Size: b.Size}})
	return nil
}

// kindFile serves a file an entity names to the entity's readers, as an
// attachment that the browser does not render in parley's origin.
func (s *server) kindFile(w http.ResponseWriter, r *http.Request, rq *request) error {
	k, err := s.kindFromPath(r)
	if err != nil {
		return err
	}
	b, err := s.svc.File(r.Context(), rq.caller, k.Name, r.PathValue("id"), r.PathValue("sha256"))
	if err != nil {
		return err
	}
	for k, v := range app.FileHeaders(b) {
		w.Header().Set(k, v)
	}
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(b.Data)
	return nil
}
