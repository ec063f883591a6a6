package monitorweb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/fault"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/internal/inflight"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/monitor/intake"
	"github.com/parley-project/parley/web"
)

// An upload is imported in the background, batch by batch, and its page
// shows how far it has come, refreshing itself until it is done: a file of
// a million rows takes minutes, longer than a request should wait.

// maxUpload bounds an uploaded file.
const maxUpload = 512 << 20

// importBatch is how many rows go through the commit path together.
const importBatch = 500

// importInFlight is how many batches of an import are being checked and
// committed at once: the next is checked while the one before commits.
const importInFlight = 3

// keptImports is how many finished imports the section remembers.
const keptImports = 100

// importJob is one upload being imported, or imported.
type importJob struct {
	mu sync.Mutex
	importState
	refusedLines []int // the lines of Refused
}

// importState is how far an import has come.
type importState struct {
	ID     string
	Owner  string
	File   string
	Format string
	Size   int64
	Read   int64
	Added  int
	There  int
	// Refused lists the first refused rows, RefusedCount counts them all.
	Refused      []refusal
	RefusedCount int
	Started      time.Time
	Finished     time.Time
	// Err is the problem with the file as a whole that stopped the
	// import, if one did.
	Err error
}

// refusal is a refused row: its line (or feature) and why, kept as the
// error that refused it, so that the page says it in its reader's
// language.
type refusal struct {
	Line int
	Err  error
}

// The import's own problems, beside the file's and the server's refusals.
var (
	errNotKept      = fault.New(fault.Invalid, "", "the upload could not be kept to be read")
	errCrashed      = fault.New(fault.Invalid, "", "an error on the server stopped the import; it has been logged")
	errNotCommitted = fault.New(fault.Invalid, "", "not committed: an error on the server")
)

// importView is what the import's page shows of a job, copied under its
// lock, its problems written in the reader's language.
type importView struct {
	Job     importState
	Percent int
	Done    bool
	Formats []string
	// Err is what refused the upload, or stopped the import.
	Err string
	// Refused are the refused rows, "line 12: lat: ...".
	Refused []string
}

type imports struct {
	mu   sync.Mutex
	jobs []*importJob
}

// maxRunning is how many imports run at once: each holds a copy of its
// file and a share of the commit path, and a third waits for one of them.
const maxRunning = 2

// add takes j among the imports, unless maxRunning are running already.
func (is *imports) add(j *importJob) bool {
	is.mu.Lock()
	defer is.mu.Unlock()
	running := 0
	for _, o := range is.jobs {
		o.mu.Lock()
		if o.Finished.IsZero() {
			running++
		}
		o.mu.Unlock()
	}
	if running >= maxRunning {
		return false
	}
	// Forget the oldest finished imports beyond what is kept.
	for len(is.jobs) >= keptImports {
		i := slices.IndexFunc(is.jobs, func(j *importJob) bool { j.mu.Lock(); defer j.mu.Unlock(); return !j.Finished.IsZero() })
		if i < 0 {
			break
		}
		is.jobs = slices.Delete(is.jobs, i, i+1)
	}
	is.jobs = append(is.jobs, j)
	return true
}

func (is *imports) get(id string) *importJob {
	is.mu.Lock()
	defer is.mu.Unlock()
	for _, j := range is.jobs {
		if j.ID == id {
			return j
		}
	}
	return nil
}

func (x *Section) importForm(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	if caller == nil || x.site.Service().Authorized(*caller, monitor.KindReport, "") != nil {
		return web.ErrNotFound
	}
	x.site.Render(w, r, caller, http.StatusOK, "import", web.Page{Title: web.T(r, "Import reports"), Nav: "monitoring", Data: importView{Formats: intake.Formats}})
	return nil
}

// importStart saves the upload and imports it in the background, as the
// caller, then sends the browser to the import's page.
func (x *Section) importStart(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	if caller == nil || x.site.Service().Authorized(*caller, monitor.KindReport, "") != nil {
		return web.ErrNotFound
	}
	p := web.Printer(r)
	refuse := func(msg string) error {
		x.site.Render(w, r, caller, http.StatusUnprocessableEntity, "import", web.Page{Title: p.T("Import reports"), Nav: "monitoring",
			Data: importView{Formats: intake.Formats, Err: msg}})
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return refuse(p.T("The upload could not be read (at most %d MiB): %v.", maxUpload>>20, err))
	}
	defer r.MultipartForm.RemoveAll()
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return refuse(p.T("Choose a file of reports to import."))
	}
	defer f.Close()
	format := r.FormValue("format")
	if format == "" {
		if format, err = intake.FormatOf(hdr.Filename); err != nil {
			return refuse(explain(p, err) + ".")
		}
	} else if !slices.Contains(intake.Formats, format) {
		return refuse(p.T("%q is not a format parley reads.", format))
	}
	id := make([]byte, 12)
	rand.Read(id)
	job := &importJob{importState: importState{ID: hex.EncodeToString(id), Owner: caller.ID, File: hdr.Filename, Format: format, Started: time.Now()}}
	if !x.imports.add(job) {
		return refuse(p.T("%d imports are running already; import this file when one of them is done.", maxRunning))
	}
	// The upload's own temporary file goes when the request ends; the
	// import reads a copy of its own.
	tmp, err := os.CreateTemp("", "parley-import-*")
	if err != nil {
		return err
	}
	size, err := io.Copy(tmp, f)
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		job.mu.Lock()
		job.Err, job.Finished = errNotKept, time.Now()
		job.mu.Unlock()
		return err
	}
	job.mu.Lock()
	job.Size = size
	job.mu.Unlock()
	as := *caller
	go func() {
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		// A bug in reading one file must not take the server down with
		// it: the import ends, saying so, and the error is logged.
		defer func() {
			if v := recover(); v != nil {
				x.site.Logger().Error("an import failed", "file", job.File, "panic", v, "stack", string(debug.Stack()))
				job.mu.Lock()
				job.Err, job.Finished = errCrashed, time.Now()
				job.mu.Unlock()
			}
		}()
		x.runImport(context.WithoutCancel(r.Context()), as, job, tmp)
	}()
	http.Redirect(w, r, "/monitoring/import/"+job.ID, http.StatusSeeOther)
	return nil
}

// progressReader counts what the import has read of its file.
type progressReader struct {
	r   io.Reader
	job *importJob
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.job.mu.Lock()
	p.job.Read += int64(n)
	p.job.mu.Unlock()
	return n, err
}

func (x *Section) runImport(ctx context.Context, p access.Principal, job *importJob, f io.Reader) {
	svc := x.site.Service()
	type answer struct {
		rows []intake.Row
		errs []error
	}
	// The next batches are checked while the one before commits; their
	// outcomes are taken in file order.
	sent := inflight.New(importInFlight, func(a answer) {
		rows, errs := a.rows, a.errs
		job.mu.Lock()
		for i, err := range errs {
			var e *app.Error
			switch {
			case err == nil:
				job.Added++
			case errors.As(err, &e) && e.Code == app.CodeConflict && e.Field == "source_ref":
				job.There++
			case errors.As(err, &e):
				job.refuse(rows[i].Line, e)
			default:
				job.refuse(rows[i].Line, errNotCommitted)
			}
		}
		job.mu.Unlock()
	})
	var rows []intake.Row
	flush := func() {
		if len(rows) == 0 {
			return
		}
		batch := rows
		rows = nil
		sent.Go(func() answer {
			bodies := make([][]byte, len(batch))
			for i, row := range batch {
				bodies[i], _ = json.Marshal(row.Report)
			}
			_, errs := svc.CreateMany(ctx, p, monitor.KindReport, bodies)
			return answer{batch, errs}
		})
	}
	err := intake.Read(job.Format, progressReader{f, job}, func(row intake.Row) error {
		if row.Err != nil {
			job.mu.Lock()
			job.refuse(row.Line, row.Err)
			job.mu.Unlock()
			return nil
		}
		if rows = append(rows, row); len(rows) == importBatch {
			flush()
		}
		return nil
	})
	// The rows read before a problem with the file as a whole are
	// committed all the same.
	flush()
	sent.Wait()
	job.mu.Lock()
	defer job.mu.Unlock()
	job.Err = err
	job.Finished = time.Now()
}

// keptRefusals bounds the refused rows an import lists: a file of a
// million bad rows says how many there were, and shows the first.
const keptRefusals = 1000

// refuse notes a refused row; the caller holds the job's lock. Rows are
// refused as the file is read and as batches are answered, up to
// importInFlight batches later: the refusals kept are the first by line,
// in line order.
func (j *importJob) refuse(line int, err error) {
	j.RefusedCount++
	at, _ := slices.BinarySearch(j.refusedLines, line+1) // after those of the same line
	if at == keptRefusals {
		return
	}
	j.refusedLines = slices.Insert(j.refusedLines, at, line)
	j.Refused = slices.Insert(j.Refused, at, refusal{line, err})
	if len(j.Refused) > keptRefusals {
		j.refusedLines, j.Refused = j.refusedLines[:keptRefusals], j.Refused[:keptRefusals]
	}
}

// importPage shows an import to the person who started it: refreshing
// while it runs, then what it added, found there already and refused.
func (x *Section) importPage(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	job := x.imports.get(r.PathValue("id"))
	if job == nil || caller == nil || job.Owner != caller.ID {
		return web.ErrNotFound
	}
	p := web.Printer(r)
	job.mu.Lock()
	v := importView{Job: job.importState, Done: !job.Finished.IsZero()}
	v.Job.Refused = slices.Clone(job.Refused)
	job.mu.Unlock()
	if v.Job.Err != nil {
		v.Err = explain(p, v.Job.Err)
	}
	v.Refused = make([]string, len(v.Job.Refused))
	for i, rf := range v.Job.Refused {
		v.Refused[i] = where(p, v.Job.Format, rf.Line) + ": " + explain(p, rf.Err)
	}
	if v.Job.Size > 0 {
		v.Percent = int(100 * v.Job.Read / v.Job.Size)
	}
	if !v.Done {
		// Read by every browser: the page reloads until the import is done.
		w.Header().Set("Refresh", "1")
	}
	x.site.Render(w, r, caller, http.StatusOK, "import", web.Page{Title: p.T("Import of %s", v.Job.File), Nav: "monitoring", Data: v})
	return nil
}

// where names a row of a file of format for people, as intake.Row.Where
// does, in p's language: "line 12", or "feature 3".
func where(p *i18n.Printer, format string, line int) string {
	if format == intake.GeoJSON {
		return p.T("feature %s", strconv.Itoa(line))
	}
	return p.T("line %s", strconv.Itoa(line))
}

// explain writes a refusal in p's language, "field: what is wrong": the
// domain's and the file reader's from the format they were made of, the
// server's as the kernel writes them; an error of another kind (a JSON
// decoder's) as it reads.
func explain(p *i18n.Printer, err error) string {
	var fe *parley.FieldError
	var e *fault.Error
	var field, msg string
	switch {
	case errors.As(err, &fe):
		field, msg = fe.Field, fe.Message
		if fe.Format != "" {
			msg = p.T(fe.Format, fe.Args...)
		}
	case errors.As(err, &e):
		field, msg = e.Field, web.ErrorText(p, e)
	default:
		return p.Known(err.Error())
	}
	if field == "" {
		return msg
	}
	return field + ": " + msg
}
