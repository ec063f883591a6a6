package negotiationweb_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/parley-project/parley/negotiation"
)

// TestStaleEditForm: the clause form refuses an edit based on a version
// someone else changed since, keeps the edit, shows why, and is based on
// the new version from then on, so that saving again replaces it knowingly;
// and a party's negotiator is offered none of the mediator's actions.
func TestStaleEditForm(t *testing.T) {
	s := newSite(t)
	c := s.httpClient(t, "us-mediator")
	clause := find(t, "clause 4.1", load[negotiation.Clause](t, s, s.as(t, "us-mediator"), negotiation.KindClause),
		func(c *negotiation.Clause) bool { return c.Number == "4.1" })
	edit := "/k/clauses/" + clause.ID
	get := func(path string) (int, string) {
		res, err := c.Get(s.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, html.UnescapeString(string(b))
	}
	basedOn := regexp.MustCompile(`name="based_on" value="([^"]+)"`)
	_, form := get(edit + "/edit")
	m := basedOn.FindStringSubmatch(form)
	if m == nil || m[1] != clause.RecordID {
		t.Fatalf("the edit form carries based_on %v, want %s", m, clause.RecordID)
	}
	post := func(text, based string) (int, string) {
		vals := url.Values{"text_id": {clause.V.TextID}, "aspect_id": {clause.V.AspectID}, "title": {clause.V.Title},
			"number": {clause.V.Number}, "article": {clause.V.Article}, "text": {text}, "based_on": {based},
			"audience.scope": {"parties"}}
		req, _ := http.NewRequestWithContext(t.Context(), "POST", s.ts.URL+edit, strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, html.UnescapeString(string(b))
	}
	if status, body := post("The mediator monitors the ceasefire.", m[1]); status != http.StatusSeeOther {
		t.Fatalf("an edit on the current version: %d\n%s", status, body)
	}
	status, body := post("The mediator verifies the ceasefire.", m[1])
	if status != http.StatusConflict || !strings.Contains(body, "was changed by someone else since you opened the form; it is now at version 2") ||
		!strings.Contains(body, "The mediator verifies the ceasefire.") {
		t.Fatalf("a stale edit: %d\n%s", status, body)
	}
	again := basedOn.FindStringSubmatch(body)
	if again == nil || again[1] == m[1] {
		t.Fatalf("after the refusal the form is based on %v, want the new version", again)
	}
	if status, body := post("The mediator verifies the ceasefire.", again[1]); status != http.StatusSeeOther {
		t.Fatalf("saving again after reading the refusal: %d\n%s", status, body)
	}

	// A party's negotiator is offered its own moves only.
	c = s.httpClient(t, "ru-negotiator")
	_, page := get("/clauses/" + clause.ID)
	for _, action := range []string{"Edit the clause", "Record the report to capitals", "Decide for your capital", "Comment as a reviewer"} {
		if strings.Contains(page, action) {
			t.Errorf("the clause page offers ru's negotiator %q", action)
		}
	}
	if !strings.Contains(page, "Confirm ad referendum") {
		t.Error("the clause page does not offer ru's negotiator its confirmation")
	}
}
