package parley_test

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/httpapi"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/negotiation"
	"github.com/parley-project/parley/reconstruction"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store/sqlite"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/translation"
	"github.com/parley-project/parley/web"
)

// The memo domain exists only in this test. It proves that a domain is a
// package of its own plus one line of wiring: registered beside talks (which
// keeps the parties), it is served by the API, documented in OpenAPI, given
// browser forms, rebuilt and audited, with its own projection table and
// migration, an invariant and a page of its own, and no kernel package
// names it.

const (
	kindBoard = "memo.board"
	kindNote  = "memo.note"
)

type memoBoard struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

func (b *memoBoard) Normalize()                     { parley.Trim(&b.Name) }
func (b *memoBoard) References() []parley.Reference { return nil }
func (b *memoBoard) Validate(parley.Resolved) error {
	return parley.First(parley.Required("name", b.Name), parley.OneOf("status", b.Status, []string{"open", "closed"}))
}

type memoNote struct {
	BoardID string `json:"board_id"`
	PartyID string `json:"party_id"`
	Text    string `json:"text"`
}

func (n *memoNote) Normalize() { parley.Trim(&n.BoardID, &n.PartyID, &n.Text) }
func (n *memoNote) References() []parley.Reference {
	return []parley.Reference{{Field: "board_id", Kind: kindBoard, ID: n.BoardID}, {Field: "party_id", Kind: talks.KindParty, ID: n.PartyID}}
}
func (n *memoNote) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("board_id", n.BoardID), parley.Required("party_id", n.PartyID),
		parley.Required("text", n.Text), parley.TextLimit("text", n.Text)); err != nil {
		return err
	}
	if b, ok := parley.Lookup[*memoBoard](r, kindBoard, n.BoardID); ok && b.Status == "closed" {
		return parley.Errorf("board_id", "the board %q is closed", b.Name)
	}
	return nil
}

var memoKinds = []parley.Kind{
	{Name: kindBoard, Collection: "boards", Title: "board", New: func() parley.Entity { return new(memoBoard) },
		Fields: []parley.Field{
			{Name: "name", Type: parley.String, Required: true},
			{Name: "status", Type: parley.Enum, Required: true, Enum: parley.Options([]string{"open", "closed"}, nil)},
		},
		HeadlineField: "name", StatusField: "status",
		DefaultAudience: record.Audience{Scope: record.Parties}, WriteRoles: []access.Role{access.RoleMediator}, Mutable: true},
	{Name: kindNote, Collection: "notes", Title: "note", New: func() parley.Entity { return new(memoNote) },
		Fields: []parley.Field{
			{Name: "board_id", Label: "Board", Type: parley.Ref, Ref: kindBoard, Required: true},
			{Name: "party_id", Label: "Party", Type: parley.Ref, Ref: talks.KindParty, Required: true},
			{Name: "text", Type: parley.Text, Required: true},
		},
		ParentField: "board_id", OwnerField: "party_id", HeadlineField: "text",
		DefaultAudience: record.Audience{Scope: record.Parties}, WriteRoles: []access.Role{access.RoleMediator, access.RoleNegotiator}, Mutable: true},
}

type memo struct{}

func (memo) Name() string         { return "memo" }
func (memo) Kinds() []parley.Kind { return memoKinds }
func (memo) Roles() []access.Role { return nil }

// Invariants: one note per party per board.
func (memo) Invariants() []parley.Invariant {
	return []parley.Invariant{parley.Unique(memoKinds[1], "board_id", "party_id")}
}

// Projections: how many notes each board has, in a table of the domain's own.
func (memo) Projections() []parley.Projection {
	return []parley.Projection{{
		Name:   "memo",
		Tables: []string{"memo_counts"},
		Migrations: map[string][]string{
			"sqlite":   {`CREATE TABLE memo_counts (board_id TEXT PRIMARY KEY, notes INTEGER NOT NULL) STRICT`},
			"postgres": {`CREATE TABLE memo_counts (board_id TEXT PRIMARY KEY, notes BIGINT NOT NULL)`},
		},
		Kinds: []string{kindNote},
		Apply: func(ctx context.Context, tx parley.ProjectionTx, r parley.Record) error {
			if len(r.Refs) > 0 {
				return nil // a new version of a note counts once
			}
			n := r.Entity.(*memoNote)
			return tx.Exec(ctx, `INSERT INTO memo_counts (board_id, notes) VALUES ($1, 1)
				ON CONFLICT (board_id) DO UPDATE SET notes = memo_counts.notes + 1`, n.BoardID)
		},
	}}
}

//go:embed testdata/memo/*.html
var memoTemplates embed.FS

// memoSection is the domain's own page: a board with its notes.
type memoSection struct{ site *web.Site }

func (*memoSection) Nav() []web.NavItem {
	return []web.NavItem{{Key: "boards", Label: "Boards", Path: "/k/boards"}}
}

func (*memoSection) Templates() (fs.FS, template.FuncMap) {
	sub, _ := fs.Sub(memoTemplates, "testdata/memo")
	return sub, nil
}

func (x *memoSection) Routes(site *web.Site) {
	x.site = site
	site.Handle("GET /memo/boards/{id}", func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		svc := site.Service()
		e, err := svc.Get(r.Context(), caller, kindBoard, r.PathValue("id"))
		if err != nil {
			return err
		}
		notes, err := svc.All(r.Context(), caller, kindNote, e.ID)
		if err != nil {
			return err
		}
		var b memoBoard
		json.Unmarshal(e.Body, &b)
		var texts []string
		for _, n := range notes {
			var v memoNote
			json.Unmarshal(n.Body, &v)
			texts = append(texts, v.PartyID+": "+v.Text)
		}
		site.Render(w, r, caller, http.StatusOK, "memo_board", web.Page{Title: b.Name, Nav: "boards",
			Data: map[string]any{"Board": b, "Notes": texts}})
		return nil
	})
}

func TestPluginDomain(t *testing.T) {
	ctx := context.Background()
	reg, err := parley.NewRegistry(talks.Domain{}, negotiation.Domain{}, monitor.Domain{}, ceasefire.Domain{}, energy.Domain{}, reconstruction.Domain{}, translation.Domain{}, memo{})
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "parley.db")
	st, err := sqlite.Open(ctx, dbPath, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := app.New(st, reg, nil, nil)
	svc.SetPasswordCost(testkit.CheapPasswords)
	defer svc.Close()
	if err := svc.MigrateProjections(ctx); err != nil {
		t.Fatal(err)
	}
	logins, err := scenario.Load(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	password := map[string]string{}
	for _, l := range logins {
		password[l.Login] = l.Password
	}
	token := func(login string) string {
		tok, err := svc.NewToken(ctx, login, "plugin test")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	mediator, ua, ru := token("us-mediator"), token("ua-negotiator"), token("ru-negotiator")
	ui, err := web.New(svc, slog.New(slog.DiscardHandler), web.Options{Sections: []web.Section{&memoSection{}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(httpapi.Prefix+"/", httpapi.New(svc, nil))
	mux.Handle("/", ui)
	ts := httptest.NewServer(mux)
	defer ts.Close()

	api := func(tok, method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+httpapi.Prefix+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	id := func(out map[string]any) string {
		item, _ := out["item"].(map[string]any)
		s, _ := item["id"].(string)
		return s
	}

	// The API serves the domain's kinds, with the kernel's rules.
	code, out := api(mediator, "POST", "/boards", `{"name":"Prisoner exchange","status":"open"}`)
	if code != http.StatusCreated {
		t.Fatalf("create board: %d %v", code, out)
	}
	boardID := id(out)
	if code, out = api(ua, "POST", "/boards", `{"name":"x","status":"open"}`); code != http.StatusForbidden {
		t.Errorf("a negotiator created a board: %d %v", code, out)
	}
	if code, out = api(ua, "POST", "/notes", fmt.Sprintf(`{"board_id":%q,"party_id":"ua","text":"Lists by Friday."}`, boardID)); code != http.StatusCreated {
		t.Fatalf("create note: %d %v", code, out)
	}
	uaNote := id(out)
	if code, out = api(ua, "POST", "/notes", fmt.Sprintf(`{"board_id":%q,"party_id":"ru","text":"Not ours to say."}`, boardID)); code != http.StatusForbidden {
		t.Errorf("ua wrote a note of ru: %d %v", code, out)
	}
	if code, out = api(ua, "POST", "/notes", fmt.Sprintf(`{"board_id":%q,"party_id":"ua","text":"A second one."}`, boardID)); code != http.StatusConflict {
		t.Errorf("a second note of ua on one board (the invariant): %d %v, want 409", code, out)
	}
	if code, out = api(ru, "POST", "/notes", fmt.Sprintf(`{"board_id":%q,"party_id":"ru","text":""}`, boardID)); code != http.StatusUnprocessableEntity {
		t.Errorf("an empty note: %d %v, want 422", code, out)
	}
	if code, out = api(ru, "POST", "/notes", fmt.Sprintf(`{"board_id":%q,"party_id":"ru","text":"Lists by Monday.","audience":{"scope":"party+mediator","party":"ru"}}`, boardID)); code != http.StatusCreated {
		t.Fatalf("create ru note: %d %v", code, out)
	}
	ruNote := id(out)
	if code, out = api(ua, "GET", "/notes?board="+url.QueryEscape(boardID), ""); code != http.StatusOK || len(out["items"].([]any)) != 1 {
		t.Errorf("ua lists the board's notes: %d %v; want its own note only", code, out)
	}
	if code, _ = api(ua, "GET", "/notes/"+ruNote, ""); code != http.StatusNotFound {
		t.Errorf("ua reads ru's confidential note: %d", code)
	}
	if code, out = api(ua, "GET", "/notes?party=ua", ""); code != http.StatusOK || len(out["items"].([]any)) != 1 {
		t.Errorf("notes of party ua: %d %v", code, out)
	}

	// OpenAPI documents them from their schema.
	_, doc := api(mediator, "GET", "/openapi.json", "")
	paths, _ := doc["paths"].(map[string]any)
	schemas, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, p := range []string{httpapi.Prefix + "/boards", httpapi.Prefix + "/notes/{id}"} {
		if paths[p] == nil {
			t.Errorf("OpenAPI has no path %s", p)
		}
	}
	if props, _ := schemas["Note"].(map[string]any)["properties"].(map[string]any); props["board_id"] == nil || props["text"] == nil {
		t.Errorf("OpenAPI schema Note: %v", schemas["Note"])
	}

	// The domain's projection table is kept in each write's transaction.
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts := func() int {
		t.Helper()
		var n int
		if err := db.QueryRow(`SELECT notes FROM memo_counts WHERE board_id = ?`, boardID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := counts(); n != 2 {
		t.Errorf("memo_counts says %d notes, want 2", n)
	}
	if code, out = api(ua, "PUT", "/notes/"+uaNote, fmt.Sprintf(`{"board_id":%q,"party_id":"ua","text":"Lists by Thursday."}`, boardID)); code != http.StatusOK {
		t.Errorf("edit note: %d %v", code, out)
	}
	if n := counts(); n != 2 {
		t.Errorf("after an edit memo_counts says %d notes, want 2", n)
	}

	// The browser: the generic pages and forms, and the domain's own page.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	form := func(path string, v url.Values) (int, string) {
		t.Helper()
		res, err := browser.PostForm(ts.URL+path, v)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	page := func(path string) (int, string) {
		t.Helper()
		res, err := browser.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := form("/login", url.Values{"login": {"ru-negotiator"}, "password": {password["ru-negotiator"]}}); code != http.StatusOK {
		t.Fatalf("sign in: %d %s", code, body)
	}
	if code, body := page("/memo/boards/" + boardID); code != http.StatusOK || !strings.Contains(body, "Prisoner exchange") || !strings.Contains(body, "Lists by Monday.") {
		t.Errorf("the domain's own page: %d\n%s", code, body)
	}
	if code, body := page("/k/notes?parent=" + url.QueryEscape(boardID)); code != http.StatusOK || !strings.Contains(body, "Lists by Monday.") || !strings.Contains(body, "Lists by Thursday.") {
		t.Errorf("the generic list of notes: %d\n%s", code, body)
	}
	if code, body := page("/k/notes/new"); code != http.StatusOK || !strings.Contains(body, `name="text"`) || !strings.Contains(body, `name="board_id"`) {
		t.Errorf("the generic form for a note: %d\n%s", code, body)
	}

	// A note through the generic form: on a second board, then again,
	// which the invariant refuses next to the field.
	code, out = api(mediator, "POST", "/boards", `{"name":"Humanitarian corridors","status":"open"}`)
	if code != http.StatusCreated {
		t.Fatalf("create board: %d %v", code, out)
	}
	second := id(out)
	noteForm := url.Values{"board_id": {second}, "party_id": {"ru"}, "text": {"Corridor at dawn."}, "audience.scope": {"parties"}}
	if code, body := form("/k/notes", noteForm); code != http.StatusOK || !strings.Contains(body, "Corridor at dawn.") {
		t.Errorf("a note through the form: %d\n%s", code, body)
	}
	code, body := form("/k/notes", noteForm)
	if code != http.StatusConflict || !strings.Contains(body, "exists already") || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("a second note of ru on one board through the form: %d, want 409 with the error next to the field\n%s", code, body)
	}
	var n int
	if err := db.QueryRow(`SELECT notes FROM memo_counts WHERE board_id = ?`, second).Scan(&n); err != nil || n != 1 {
		t.Errorf("memo_counts of the second board: %d (%v), want 1", n, err)
	}

	// Rebuild gives the same projections, and audit finds nothing.
	if err := svc.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if n := counts(); n != 2 {
		t.Errorf("after rebuild memo_counts says %d notes, want 2", n)
	}
	rep, err := audit.Run(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) > 0 {
		t.Errorf("audit: %+v", rep.Findings)
	}

	// A count changed behind parley's back is found, and named.
	rw, err := sql.Open("sqlite", "file:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if _, err := rw.Exec(`UPDATE memo_counts SET notes = 7 WHERE board_id = ?`, boardID); err != nil {
		t.Fatal(err)
	}
	rep, err = audit.Run(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || strings.Contains(f.ID+" "+f.Problem, "memo_counts")
	}
	if !found {
		t.Errorf("audit after a count was changed: %+v, want a finding naming memo_counts", rep.Findings)
	}
	if err := svc.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if n := counts(); n != 2 {
		t.Errorf("rebuild after tampering: memo_counts says %d notes, want 2", n)
	}
}
