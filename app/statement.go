package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// A record of a signed kind commits its author's signature over a
// statement (record.Statement) that binds it to the exact version of what
// it decides, to the decision it supersedes and to the time it was signed.
// Its author asks parley for the statement (Statement), signs it where its
// key is, and submits body, statement and signature together; the write
// checks that each binding still holds.

// StatementLifetime is how long after signing a statement is accepted
// (record.StatementLifetime).
const StatementLifetime = record.StatementLifetime

const statementSkew = record.StatementSkew

// chainReader is what binding a statement reads: a store outside a
// transaction, or a write transaction.
type chainReader interface {
	Entity(ctx context.Context, v access.Viewer, kind, id string) (store.Entity, error)
	RecordByID(ctx context.Context, id string) (store.Record, error)
	ChainHead(ctx context.Context, chain string) (string, error)
}

// Statement returns the statement p must sign to commit body as a record of
// a signed kind now: the body as parley will commit it, bound to the current
// version of what it decides and to the latest decision it supersedes. It
// checks what a write would check up to the signature, so that a statement
// is not signed for a write that cannot succeed for other reasons.
func (s *Service) Statement(ctx context.Context, p access.Principal, kindName string, body []byte) (record.Statement, error) {
	w, err := s.prepare(p, kindName, body)
	if err != nil {
		return record.Statement{}, err
	}
	kind, newBody, ix := w.kind, w.body, w.ix
	if !kind.Signed {
		return record.Statement{}, newError(CodeInvalid, "", "%s records are not signed, so there is no statement to sign", kind.Title)
	}
	st := record.Statement{Kind: kind.Name, Party: p.Party, Signer: p.ID, At: s.now().UTC().Truncate(time.Microsecond), Body: newBody}
	if err := s.bind(ctx, s.store, access.ViewerOf(p), kind, ix, &st); err != nil {
		return record.Statement{}, err
	}
	return st, nil
}

// bind sets what st decides on and what it supersedes, as they are now.
func (s *Service) bind(ctx context.Context, r chainReader, v access.Viewer, kind parley.Kind, ix parley.Index, st *record.Statement) error {
	st.On = nil
	if kind.ParentField != "" {
		f, _ := kind.Field(kind.ParentField)
		if ix.Parent == "" {
			return newError(CodeInvalid, kind.ParentField, "is required: a signed %s decides on one %s", kind.Title, f.Ref)
		}
		parent, err := r.Entity(ctx, v, f.Ref, ix.Parent)
		if errors.Is(err, store.ErrNotFound) {
			return newError(CodeInvalid, kind.ParentField, "names no %s that you may read: %q", f.Ref, ix.Parent)
		} else if err != nil {
			return err
		}
		rec, err := r.RecordByID(ctx, parent.RecordID)
		if err != nil {
			return err
		}
		st.On = &record.EntityVersion{Kind: f.Ref, ID: parent.ID, Record: rec.ID, Commitment: rec.Commitment}
	}
	head, err := r.ChainHead(ctx, st.Chain())
	if errors.Is(err, store.ErrNotFound) {
		head = ""
	} else if err != nil {
		return err
	}
	st.Supersedes = head
	return nil
}

// checkStatement checks what a signed write submits against the statement
// parley would ask its author to sign now, and returns the signature to
// commit. A statement that no longer holds (used already, superseded,
// overtaken by a change of what it decides, too old) is a conflict: the
// author reads again and signs again.
func (s *Service) checkStatement(ctx context.Context, tx store.Tx, p access.Principal, kind parley.Kind, ix parley.Index, sg beside, body json.RawMessage) (*record.Signature, []string, error) {
	got, err := record.ParseStatement(sg.Statement)
	if err != nil {
		return nil, nil, newError(CodeInvalid, "statement", "%v", err)
	}
	want := record.Statement{Kind: kind.Name, Party: p.Party, Signer: p.ID, At: got.At, Body: body}
	if err := s.bind(ctx, tx, access.ViewerOf(p), kind, ix, &want); err != nil {
		return nil, nil, err
	}
	switch {
	case got.Kind != want.Kind:
		return nil, nil, newError(CodeInvalid, "statement", "is for kind %s, not %s", got.Kind, want.Kind)
	case got.Party != want.Party || got.Signer != want.Signer:
		return nil, nil, newError(CodeInvalid, "statement", "is signed for party %q by principal %s; you are principal %s of party %q", got.Party, got.Signer, want.Signer, want.Party)
	}
	gotBody, _ := record.CanonicalJSON(got.Body)
	wantBody, err := record.CanonicalJSON(want.Body)
	if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(gotBody, wantBody) {
		return nil, nil, newError(CodeInvalid, "statement", "signs the body %s, but the body submitted is %s as parley commits it", gotBody, wantBody)
	}
	now := s.now()
	if got.At.After(now.Add(statementSkew)) {
		return nil, nil, newError(CodeInvalid, "statement", "is dated %s, in the future (the server's time is %s)", got.At.Format(record.TimeLayout), now.UTC().Format(record.TimeLayout))
	}
	if age := now.Sub(got.At); age > StatementLifetime {
		return nil, nil, newError(CodeConflict, "statement", "was signed at %s, %s ago; a statement is accepted for %s after signing: ask for a new one and sign it", got.At.Format(record.TimeLayout), age.Round(time.Second), StatementLifetime)
	}
	if want.On != nil {
		switch {
		case got.On == nil || got.On.Kind != want.On.Kind || got.On.ID != want.On.ID:
			return nil, nil, newError(CodeInvalid, "statement", "decides on %s, but the body names %s %s", describeOn(got.On), want.On.Kind, want.On.ID)
		case got.On.Record != want.On.Record || !bytes.Equal(got.On.Commitment, want.On.Commitment):
			return nil, nil, newError(CodeConflict, "statement", "was signed on version %s of %s %s, which has changed since (its current version is %s): read it again, and sign again if the decision stands", got.On.Record, want.On.Kind, want.On.ID, want.On.Record)
		}
	} else if got.On != nil {
		return nil, nil, newError(CodeInvalid, "statement", "decides on %s, but a %s decides on nothing else", describeOn(got.On), kind.Title)
	}
	if got.Supersedes != want.Supersedes {
		latest := "there is none yet"
		if want.Supersedes != "" {
			latest = "it is record " + want.Supersedes
		}
		return nil, nil, newError(CodeConflict, "statement", "supersedes %s, but that is not the latest decision of party %q here (%s): the statement was used already, or another decision was committed since it was signed; read the latest decision and sign again", describeRecord(got.Supersedes), want.Party, latest)
	}
	key, err := s.auth.SigningKey(ctx, p.ID)
	if err != nil {
		return nil, nil, err
	}
	if key == "" {
		return nil, nil, newError(CodeInvalid, "signature", "principal %q has no registered signing key (parley keys register)", p.Login)
	}
	sig, err := record.SignatureFromLine(key, sg.Signature)
	if err != nil {
		return nil, nil, newError(CodeInvalid, "signature", "%v", err)
	}
	if err := record.VerifyStatement(sig, want); err != nil {
		return nil, nil, newError(CodeInvalid, "signature", "%v", err)
	}
	sig.Bind(want)
	var refs []string
	if want.Supersedes != "" {
		refs = []string{want.Supersedes}
	}
	return &sig, refs, nil
}

func describeOn(v *record.EntityVersion) string {
	if v == nil {
		return "nothing"
	}
	return v.Kind + " " + v.ID
}

func describeRecord(id string) string {
	if id == "" {
		return "nothing (it claims to be the first decision)"
	}
	return "record " + id
}

// CheckBindings checks that a committed signed record's statement binds
// what the record itself says: the thing its parent field names, the party
// its owner field names, and a signing time shortly before the record was
// committed. The write path makes it so; audit checks it again, since a
// hostile operator could commit a statement it had signed for something
// else, or at another time.
func CheckBindings(kind parley.Kind, env record.Envelope) error {
	if env.Sig == nil {
		return fmt.Errorf("record %s is not signed", env.ID)
	}
	ix, err := kind.IndexOf(env.Body)
	if err != nil {
		return err
	}
	if kind.OwnerField != "" && ix.Party != env.Author.Party {
		return fmt.Errorf("it is signed for party %q, but its %s is %q", env.Author.Party, kind.OwnerField, ix.Party)
	}
	if kind.ParentField != "" {
		f, _ := kind.Field(kind.ParentField)
		if on := env.Sig.On; on == nil || on.Kind != f.Ref || on.ID != ix.Parent {
			return fmt.Errorf("it decides on %s, but its %s names %s %s", describeOn(env.Sig.On), kind.ParentField, f.Ref, ix.Parent)
		}
	}
	return record.CheckSignedInTime(env)
}
