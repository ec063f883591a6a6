package testkit

import (
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
)

// Signed returns the JSON body of a signed kind (an approval) as `parley
// sign` makes it: with the "statement" svc gives p to sign for it now, and
// the "signature" by skey (a demo capital approver's Login.SigningKey) over
// that statement.
func Signed(tb testing.TB, svc *app.Service, p access.Principal, skey, kind string, body []byte) []byte {
	tb.Helper()
	signer, err := note.NewSigner(skey)
	if err != nil {
		tb.Fatalf("not a signing key: %v", err)
	}
	st, err := svc.Statement(tb.Context(), p, kind, body)
	if err != nil {
		tb.Fatalf("no statement to sign: %v", err)
	}
	text, err := st.Text()
	if err != nil {
		tb.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		tb.Fatal(err)
	}
	m["statement"] = text
	m["signature"] = strings.TrimSpace(string(msg[len(text)+1:]))
	out, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// Write commits v, encoded as JSON, as the demo login: a kind that is
// signed is signed with the login's demo key, as parley sign would. A
// statement the service refuses to give is the write's refusal.
func (d *Demo) Write(tb testing.TB, login, kind string, v any) (app.Written, error) {
	tb.Helper()
	p := d.Principal(tb, login)
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	if k, _ := d.Service.Registry().Kind(kind); k.Signed {
		if _, err := d.Service.Statement(tb.Context(), p, kind, b); err != nil {
			return app.Written{}, err
		}
		b = Signed(tb, d.Service, p, d.Login(tb, login).SigningKey, kind, b)
	}
	return d.Service.Create(tb.Context(), p, kind, b)
}

// MustWrite is Write for a write that must be committed: it returns the
// entity's id.
func (d *Demo) MustWrite(tb testing.TB, login, kind string, v any) string {
	tb.Helper()
	w, err := d.Write(tb, login, kind, v)
	if err != nil {
		tb.Fatalf("%s writing %s: %v", login, kind, err)
	}
	return w.Entity.ID
}
