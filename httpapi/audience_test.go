package httpapi

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store"
)

// TestAudienceMatrix reads every GET endpoint as every demo login and as an
// anonymous caller, and checks each answer against the store's own truth
// (read as access.System, not from the API): nothing the caller may not see
// is shown, named or hinted at, and nothing it may see is held back.
//
// The same goes for every record as stored and its proof. The fixture has no
// transparency log, so a visible record's proof is answered 503; with a log,
// TestRecordProof reads one.
func TestAudienceMatrix(t *testing.T) {
	f := newFixture(t)
	truth := f.truth(t)
	records := f.allRecords(t)

	type viewer struct {
		login string
		v     access.Viewer
	}
	viewers := []viewer{{"", access.Anonymous}}
	for _, l := range f.logins {
		viewers = append(viewers, viewer{l.Login, access.ViewerOf(f.principal(t, l.Login))})
	}

	for _, vw := range viewers {
		name := vw.login
		if name == "" {
			name = "anonymous"
		}
		t.Run(name, func(t *testing.T) {
			visible := map[string]bool{}
			// secret holds the entity and record ids the viewer may not
			// see; none may appear anywhere in an answer...
			secret := map[string]string{}
			for kind, es := range truth {
				for _, e := range es {
					if access.CanSee(vw.v, e.Audience) {
						visible[kind+"/"+e.ID] = true
					} else {
						secret[e.ID] = kind + " " + e.ID
						secret[e.RecordID] = "record of " + kind + " " + e.ID
					}
				}
			}
			// ...and so are the records it may not see, older versions
			// included.
			for _, rec := range records {
				if !access.CanSee(vw.v, rec.Audience) {
					secret[rec.ID] = "record " + rec.ID + " (" + rec.Kind + ", " + access.Describe(rec.Audience) + ")"
				}
			}
			// The commit path refuses a reference that some reader of the
			// record may not see, so no visible body may name a secret,
			// but for an origin it names on purpose (a relay's position):
			// that id is shown, and nothing else of what it names.
			origins := map[string]bool{}
			for kind, es := range truth {
				for _, e := range es {
					if !visible[kind+"/"+e.ID] {
						continue
					}
					ent, err := f.svc.Decode(e)
					if err != nil {
						t.Fatal(err)
					}
					for _, ref := range ent.References() {
						if ref.Origin {
							origins[ref.ID] = true
							continue
						}
						if secret[ref.ID] != "" {
							t.Errorf("visible %s %s names %s %s in its body, which %s may not see", kind, e.ID, ref.Kind, ref.ID, name)
						}
					}
				}
			}
			for id := range origins {
				delete(secret, id)
			}
			noSecrets := func(what string, body []byte, except string) {
				t.Helper()
				for id, desc := range secret {
					if id != except && bytes.Contains(body, []byte(id)) {
						t.Errorf("%s: the answer names %s, which %s may not see", what, desc, name)
					}
				}
			}

			for _, k := range scenario.Registry().Kinds() {
				coll := Prefix + "/" + k.Collection
				want := func(parent string) []string {
					var ids []string
					for _, e := range truth[k.Name] {
						if visible[k.Name+"/"+e.ID] && (parent == "" || e.Parent == parent) {
							ids = append(ids, e.ID)
						}
					}
					return ids
				}
				// The whole list, in pages of 3 so that paging is read too,
				// and every parent filter, including a parent the viewer
				// may not see and one that does not exist.
				f.checkList(t, vw.login, coll, "", truth[k.Name], vw.v, want(""), noSecrets)
				if pf := newAPI(f.svc, nil).parentOf(k); pf.field != "" {
					parents := []string{record.NewID()}
					for _, e := range truth[k.Name] {
						if e.Parent != "" && !slices.Contains(parents, e.Parent) {
							parents = append(parents, e.Parent)
						}
					}
					for i, p := range parents {
						param := "parent"
						if i%2 == 1 {
							param = pf.alias
						}
						f.checkList(t, vw.login, coll, param+"="+url.QueryEscape(p), truth[k.Name], vw.v, want(p), noSecrets)
					}
				}

				// Every item: a visible one as it is, an invisible one
				// exactly as one that does not exist.
				missing := record.NewID()
				absent := f.do(t, vw.login, "GET", coll+"/"+missing, nil)
				wantError(t, absent, 404, app.CodeNotFound, "")
				absentVersions := f.do(t, vw.login, "GET", coll+"/"+missing+"/versions", nil)
				for _, e := range truth[k.Name] {
					r := f.do(t, vw.login, "GET", coll+"/"+e.ID, nil)
					vs := f.do(t, vw.login, "GET", coll+"/"+e.ID+"/versions", nil)
					if !visible[k.Name+"/"+e.ID] {
						sameAsMissing(t, "GET of invisible "+k.Title, r, e.ID, absent, missing)
						sameAsMissing(t, "GET of the versions of invisible "+k.Title, vs, e.ID, absentVersions, missing)
						noSecrets("GET "+e.ID, r.body, e.ID)
						noSecrets("GET "+e.ID+"/versions", vs.body, e.ID)
						continue
					}
					if got := decode[versionsBody](t, vs); vs.status != 200 || len(got.Versions) != e.Version || got.Versions[len(got.Versions)-1].RecordID != e.RecordID {
						t.Errorf("GET the versions of visible %s %s: %d %s", k.Title, e.ID, vs.status, vs.body)
					}
					noSecrets("GET "+e.ID+"/versions", vs.body, "")
					if r.status != 200 {
						t.Errorf("GET of visible %s %s: %d %s", k.Title, e.ID, r.status, r.body)
						continue
					}
					it := decode[item](t, r)
					if it.ID != e.ID || it.Kind != k.Name || it.RecordID != e.RecordID || it.Version != e.Version || it.Parent != e.Parent {
						t.Errorf("GET %s %s: got %+v, the store has %+v", k.Title, e.ID, it, e)
					}
					noSecrets("GET "+e.ID, r.body, "")
				}
			}

			// Every record as stored, and its proof.
			missing := record.NewID()
			absent := f.do(t, vw.login, "GET", Prefix+"/records/"+missing, nil)
			wantError(t, absent, 404, app.CodeNotFound, "")
			absentProof := f.do(t, vw.login, "GET", Prefix+"/records/"+missing+"/proof", nil)
			wantError(t, absentProof, 404, app.CodeNotFound, "")
			shown := 0
			for _, rec := range records {
				path := Prefix + "/records/" + rec.ID
				r := f.do(t, vw.login, "GET", path, nil)
				p := f.do(t, vw.login, "GET", path+"/proof", nil)
				if !access.CanSee(vw.v, rec.Audience) {
					sameAsMissing(t, "GET of invisible record", r, rec.ID, absent, missing)
					sameAsMissing(t, "GET of the proof of invisible record", p, rec.ID, absentProof, missing)
					noSecrets("GET "+path, r.body, rec.ID)
					noSecrets("GET "+path+"/proof", p.body, rec.ID)
					continue
				}
				shown++
				if r.status != 200 {
					t.Errorf("GET of visible record %s: %d %s", rec.ID, r.status, r.body)
					continue
				}
				got := decode[storedRecord](t, r)
				if got.ID != rec.ID || got.Kind != rec.Kind || got.Subject != rec.Subject || got.Seq != rec.Seq || !got.At.Equal(rec.At) ||
					got.Author != rec.Author || access.Describe(got.Audience) != access.Describe(rec.Audience) ||
					got.Commitment != hex.EncodeToString(rec.Commitment) || got.LeafIndex != nil {
					t.Errorf("GET record %s: got %+v, the store has %+v", rec.ID, got, rec)
				}
				if !jsonEqual(got.Canonical, rec.Canonical) {
					t.Errorf("GET record %s: canonical\n%s\nthe store has\n%s", rec.ID, got.Canonical, rec.Canonical)
				}
				noSecrets("GET "+path, r.body, "")
				// No log: a visible record's proof is unavailable, not
				// missing.
				e := wantError(t, p, 503, app.CodeUnavailable, "")
				if !strings.Contains(e.Message, "no transparency log") || p.header.Get("Retry-After") != "1" {
					t.Errorf("GET %s/proof without a log: %q, Retry-After %q", path, e.Message, p.header.Get("Retry-After"))
				}
				noSecrets("GET "+path+"/proof", p.body, "")
			}
			if shown == 0 || (vw.login != "us-mediator" && shown == len(records)) {
				t.Errorf("%s sees %d of %d records; the test would prove little", name, shown, len(records))
			}

			if vw.login != "" {
				m := decode[me](t, f.do(t, vw.login, "GET", Prefix+"/me", nil))
				if m.Login != vw.login || m.Party != vw.v.Party {
					t.Errorf("/me: got %+v", m)
				}
			} else {
				wantError(t, f.do(t, "", "GET", Prefix+"/me", nil), 401, app.CodeUnauthenticated, "")
			}
		})
	}
	if f.errLog.Len() > 0 {
		t.Errorf("the API logged errors:\n%s", f.errLog)
	}
}

// checkList reads a list to its end and checks that it holds exactly the
// wanted ids, each once, each of an audience the viewer may see (according
// to the store, not to the answer).
func (f *fixture) checkList(t *testing.T, login, coll, filter string, all []store.Entity, v access.Viewer, want []string, noSecrets func(string, []byte, string)) {
	t.Helper()
	byID := map[string]store.Entity{}
	for _, e := range all {
		byID[e.ID] = e
	}
	var got []string
	path := coll + "?limit=3"
	if filter != "" {
		path += "&" + filter
	}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("%s: the list never ends", path)
		}
		r := f.do(t, login, "GET", path, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		noSecrets("GET "+path, r.body, "")
		p := decode[page](t, r)
		if len(p.Items) > 3 {
			t.Errorf("GET %s: %d items on a page of 3", path, len(p.Items))
		}
		for _, it := range p.Items {
			e, ok := byID[it.ID]
			switch {
			case !ok:
				t.Errorf("GET %s: item %s is not a %s in the store", path, it.ID, coll)
			case !access.CanSee(v, e.Audience):
				t.Errorf("GET %s: shows %s of audience %s", path, it.ID, access.Describe(e.Audience))
			case slices.Contains(got, it.ID):
				t.Errorf("GET %s: shows %s twice", path, it.ID)
			}
			got = append(got, it.ID)
		}
		if p.Next == "" {
			break
		}
		path = coll + "?limit=3&after=" + url.QueryEscape(p.Next)
		if filter != "" {
			path += "&" + filter
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("GET %s?%s as %q lists\n%v\nwant (in creation order)\n%v", coll, filter, login, got, want)
	}
}

// sameAsMissing checks that r, the answer about id, is the answer absent
// about the missing id, but for the id.
func sameAsMissing(t *testing.T, what string, r response, id string, absent response, missing string) {
	t.Helper()
	wantError(t, r, absent.status, app.CodeNotFound, "")
	if got, want := bytes.ReplaceAll(r.body, []byte(id), []byte("ID")), bytes.ReplaceAll(absent.body, []byte(missing), []byte("ID")); !bytes.Equal(got, want) {
		t.Errorf("%s %s answers\n%s\nbut of a missing one\n%s", what, id, got, want)
	}
	if !headersAlike(r, absent) {
		t.Errorf("%s %s has headers %v, a missing one %v", what, id, r.header, absent.header)
	}
}

// jsonEqual reports whether a and b are the same JSON value.
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func headersAlike(a, b response) bool {
	if len(a.header) != len(b.header) {
		return false
	}
	for k := range a.header {
		if a.header.Get(k) != b.header.Get(k) {
			return false
		}
	}
	return true
}
