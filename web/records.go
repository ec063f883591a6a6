package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// recordView is one record as its page shows it.
type recordView struct {
	ID       string
	Kind     string // the kind's title ("action item"), or its name if unknown
	KindName string
	// Heading is "Record of an action item", in the reader's language.
	Heading string
	Subject string
	// SubjectText names the subject ("Territory"); SubjectHref is the page
	// that shows it. Both are empty if the reader may not see the subject
	// now (its audience may have narrowed since), or there is no page.
	SubjectText string
	SubjectHref string
	// Latest is the subject's latest record, if a later one superseded this
	// one and the reader may see it.
	Latest string
	At     time.Time
	Author record.Author
	// AuthorName is the name of the principal who wrote the record, or
	// "" if no principal has its id (the installation's first party).
	AuthorName string
	Audience   record.Audience
	Commitment string
	// Position is the record's leaf index in the log, -1 while pending;
	// for an item of a batch, its batch's (Batch).
	Position int64
	Batch    string
	// HasLog says whether the installation commits to a log at all.
	HasLog bool
	// Log is what the log's status says of the record; nil without a
	// status to read (no log, or none given in Options).
	Log *recordLog
	// Canonical is the record's canonical JSON, indented.
	Canonical string
}

// recordLog is where the record stands in the log's publication.
type recordLog struct {
	PublishedSize uint64
	// Covered: the latest published checkpoint covers the record.
	Covered bool
	// Witnesses is how many witnesses the log has; Cosigners those whose
	// cosignature the latest published checkpoint carries.
	Witnesses int
	Cosigners []string
	// Unreadable: the log's status could not be read (it is logged).
	Unreadable bool
}

func (s *server) record(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx, id := r.Context(), r.PathValue("id")
	p := Printer(r)
	rec, err := s.svc.Record(ctx, rq.caller, id)
	if err != nil {
		return err
	}
	v := recordView{
		ID: rec.ID, Kind: rec.Kind, KindName: rec.Kind, Subject: rec.Subject, At: rec.At, Author: rec.Author,
		Audience: rec.Audience, Commitment: fmt.Sprintf("%x", rec.Commitment), Position: rec.LeafIndex, Batch: rec.Batch, HasLog: s.svc.HasLog(),
	}
	known := false
	if k, ok := s.svc.Registry().Kind(rec.Kind); ok {
		v.Kind, known = k.Title, true
	}
	// English names the kind with its article ("Record of an action
	// item"); the other languages have none.
	if p.Lang == i18n.English {
		v.Heading = p.T("Record of %s", parley.Article(v.Kind))
	} else {
		if known {
			v.Kind = kindWord(p, v.Kind)
		}
		v.Heading = p.T("Record of %s", v.Kind)
	}
	// The author's name is for the process's participants; anyone else
	// reads the author's party only.
	if c := rq.caller; c != nil && access.ViewerOf(*c).Participant {
		if p, err := s.svc.Principal(ctx, rec.Author.Principal); err == nil {
			v.AuthorName = p.Name
		} else if app.ErrorCode(err) != app.CodeUnauthenticated {
			return err
		}
	}
	if err := s.subject(ctx, p, rq.caller, &v); err != nil {
		return err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, rec.Canonical, "", "  "); err != nil {
		return fmt.Errorf("couldn't read the canonical bytes of record %s: %w", rec.ID, err)
	}
	v.Canonical = pretty.String()
	if s.opts.Log != nil {
		v.Log = s.recordLog(ctx, rec)
	}
	n, err := s.partyNames(ctx, p, rq.caller)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "record", pageData{
		Title: v.Heading, Names: n, Data: v,
	})
	return nil
}

// subject finds the page that shows a record's subject, as the reader may
// see it now.
func (s *server) subject(ctx context.Context, p *i18n.Printer, caller *access.Principal, v *recordView) error {
	e, err := s.svc.Get(ctx, caller, v.KindName, v.Subject)
	if app.ErrorCode(err) == app.CodeNotFound {
		return nil
	} else if err != nil {
		return err
	}
	v.SubjectText = cmp.Or(s.headlineOf(p, e), v.Kind)
	if e.RecordID != v.ID {
		v.Latest = e.RecordID
	}
	v.SubjectHref, err = s.href(ctx, caller, e)
	return err
}

// href is the page that shows e to the caller: a section's own page, if
// one shows it, else the kernel's generic page of its kind.
func (s *server) href(ctx context.Context, caller *access.Principal, e store.Entity) (string, error) {
	for _, sec := range s.opts.Sections {
		if l, ok := sec.(Linker); ok {
			h, err := l.Href(ctx, caller, e)
			if err != nil || h != "" {
				return h, err
			}
		}
	}
	if k, ok := s.svc.Registry().Kind(e.Kind); ok {
		return "/k/" + k.Collection + "/" + url.PathEscape(e.ID), nil
	}
	return "", nil
}

// partyNames names the parties of the process on the kernel's pages, and
// links each to the page that shows it.
type partyNames map[string]template.HTML

// partyNames loads the parties the caller may see (a process has a few).
func (s *server) partyNames(ctx context.Context, p *i18n.Printer, caller *access.Principal) (partyNames, error) {
	es, err := s.svc.All(ctx, caller, s.svc.Registry().PartyKind().Name, "")
	if err != nil {
		return nil, err
	}
	n := partyNames{}
	for _, e := range es {
		h, err := s.href(ctx, caller, e)
		if err != nil {
			return nil, err
		}
		name := cmp.Or(s.headlineOf(p, e), e.ID)
		n[e.ID] = template.HTML(html.EscapeString(name))
		if h != "" {
			n[e.ID] = template.HTML(`<a href="` + html.EscapeString(h) + `">` + html.EscapeString(name) + `</a>`)
		}
	}
	return n, nil
}

// PartyLink links to the party's page, or names it by id if the caller may
// not see it (the id is in the record the caller is reading anyway).
func (n partyNames) PartyLink(id string) template.HTML {
	if l, ok := n[id]; ok {
		return l
	}
	return template.HTML(html.EscapeString(id))
}

// headlineOf is the text that names an entity: the field its kind declares
// as its headline (an option's label in p's language).
func (s *server) headlineOf(p *i18n.Printer, e store.Entity) string {
	k, ok := s.svc.Registry().Kind(e.Kind)
	if !ok {
		return ""
	}
	ix, err := k.IndexOf(e.Body)
	if err != nil {
		return ""
	}
	if f, ok := k.Field(k.HeadlineField); ok && f.Type == parley.Enum {
		return kindWord(p, f.OptionLabel(ix.Headline))
	}
	return ix.Headline
}

// recordLog reads the log's status for a record's page.
func (s *server) recordLog(ctx context.Context, rec store.Record) *recordLog {
	st := s.opts.Log.Status(ctx)
	out := &recordLog{PublishedSize: st.PublishedSize, Witnesses: len(st.Witnesses)}
	if st.Error != "" && st.Checkpoint == "" {
		s.logger.LogAttrs(ctx, slog.LevelError, "couldn't read the log's status", slog.String("err", st.Error))
		out.Unreadable = true
		return out
	}
	out.Covered = rec.LeafIndex >= 0 && uint64(rec.LeafIndex) < st.PublishedSize
	for _, w := range st.Witnesses {
		if w.Cosigned {
			out.Cosigners = append(out.Cosigners, w.Name)
		}
	}
	return out
}

// proof serves the proof of a record to a reader of it, as a file to keep
// and check with `parley verify`.
func (s *server) proof(w http.ResponseWriter, r *http.Request, rq *request) error {
	p, err := s.svc.Proof(r.Context(), rq.caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="parley-proof-%s.json"`, safeFileName(p.RecordID)))
	h.Set("Cache-Control", "private, no-store")
	w.Write(append(body, '\n'))
	return nil
}

// safeFileName keeps the characters of a record id that are safe in a
// quoted file name.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}

// transparencyView is the log as its page shows it.
type transparencyView struct {
	// Configured is false on an installation without a log.
	Configured bool
	Status     ledger.Status
	// Behind is how many integrated entries await publication.
	Behind uint64
	// Unreadable: part of the status could not be read (it is logged).
	Unreadable bool
	Witnesses  []witnessView
	// Lagging names the witnesses that did not cosign the latest
	// checkpoint, or whose last contact failed.
	Lagging []string
	// Refused names the witnesses whose last answer refused the log's
	// history (ledger.WitnessStatus.Refusal): an alarm, shown to every
	// reader, with the witnesses' own words for administrators.
	Refused []string
	Now     time.Time
	// Details: the reader is an administrator, who sees the witnesses'
	// addresses and the errors of the log's requests.
	Details bool
}

type witnessView struct {
	ledger.WitnessStatus
	// Outcome says how the last contact went, in words.
	Outcome string
	Failed  bool
	// Behind: the witness did not cosign the published checkpoint, or
	// the log's last request to it failed.
	Behind bool
}

func (s *server) transparency(w http.ResponseWriter, r *http.Request, rq *request) error {
	p := Printer(r)
	v := transparencyView{Configured: s.opts.Log != nil, Now: s.now()}
	// The witnesses' addresses and the raw errors of the log's requests
	// are for the installation's administrators; everyone else reads
	// whether each witness cosigned, and when it was last reached.
	v.Details = rq.caller != nil && rq.caller.Has(access.RoleAdmin)
	if v.Configured {
		v.Status = s.opts.Log.Status(r.Context())
		if v.Status.Error != "" {
			s.logger.LogAttrs(r.Context(), slog.LevelError, "couldn't read the log's status", slog.String("err", v.Status.Error))
			v.Unreadable = true
		}
		if v.Status.IntegratedSize > v.Status.PublishedSize {
			v.Behind = v.Status.IntegratedSize - v.Status.PublishedSize
		}
		for _, ws := range v.Status.Witnesses {
			wv := witnessView{WitnessStatus: ws}
			if !v.Details {
				wv.URL, wv.LastError = "", ""
			}
			if ws.Refusal != "" {
				v.Refused = append(v.Refused, ws.Name)
			}
			if !v.Details {
				wv.Refusal = ""
			}
			switch {
			case ws.LastContact.IsZero():
				wv.Outcome = p.T("no contact since parley started")
			case ws.Refusal != "" && !v.Details:
				wv.Outcome, wv.Failed = p.T("refused the log's checkpoint"), true
			case ws.LastError != "" && v.Details:
				wv.Outcome, wv.Failed = ws.LastError, true
			case ws.LastError != "":
				wv.Outcome, wv.Failed = p.T("the last request failed"), true
			case ws.LastStatus == http.StatusOK:
				wv.Outcome = p.T("cosigned (200 OK)")
			default:
				wv.Outcome = fmt.Sprintf("HTTP %d", ws.LastStatus)
			}
			if wv.Behind = !ws.Cosigned || wv.Failed; wv.Behind {
				v.Lagging = append(v.Lagging, ws.Name)
			}
			v.Witnesses = append(v.Witnesses, wv)
		}
	}
	s.render(w, r, rq, http.StatusOK, "transparency", pageData{Title: p.T("Transparency log"), Nav: "transparency", Data: v})
	return nil
}

// capitalize upper-cases the first letter of a sentence, in any language.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return kindUpper(s)
}
