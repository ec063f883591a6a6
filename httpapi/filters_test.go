package httpapi

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/talks"
)

// TestListFilters: the filters a kind's declarations offer (owner party,
// status, a range of its time, time order, index fields) select what the
// store truth says, page by page, and a cursor of one list is refused by
// a list with other filters.
func TestListFilters(t *testing.T) {
	f := newFixture(t)
	truth := f.truth(t)
	type listed struct {
		Items []struct {
			ID   string         `json:"id"`
			Data map[string]any `json:"data"`
		} `json:"items"`
		Next string `json:"next"`
	}
	all := func(path string, query url.Values) []string {
		t.Helper()
		var ids []string
		query.Set("limit", "2")
		for pages := 0; ; pages++ {
			if pages > 1000 {
				t.Fatalf("%s?%s: more than 1000 pages; the cursor does not move on", path, query.Encode())
			}
			r := f.do(t, "us-mediator", "GET", path+"?"+query.Encode(), nil)
			if r.status != http.StatusOK {
				t.Fatalf("%s?%s: %d %s", path, query.Encode(), r.status, r.body)
			}
			p := decode[listed](t, r)
			for _, it := range p.Items {
				ids = append(ids, it.ID)
			}
			if p.Next == "" {
				return ids
			}
			query.Set("after", p.Next)
		}
	}
	field := func(kind, id, name string) string {
		for _, e := range truth[kind] {
			if e.ID == id {
				v, _ := decodeBody(e.Body)[name].(string)
				return v
			}
		}
		t.Fatalf("no %s %s", kind, id)
		return ""
	}

	// Delegations of one party (owner field party_id).
	got := all(Prefix+"/delegations", url.Values{"party": {"ua"}})
	if len(got) == 0 {
		t.Fatal("no delegation of ua")
	}
	for _, id := range got {
		if p := field(talks.KindDelegation, id, "party_id"); p != "ua" {
			t.Errorf("party=ua listed a delegation of %q", p)
		}
	}
	// Rounds by status.
	for _, id := range all(Prefix+"/rounds", url.Values{"status": {"tentative"}}) {
		if s := field(talks.KindRound, id, "status"); s != "tentative" {
			t.Errorf("status=tentative listed a round that is %q", s)
		}
	}
	// Sessions in a window (January 2026), newest first, across pages.
	from, to := "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"
	got = all(Prefix+"/sessions", url.Values{"from": {from}, "to": {to}, "order": {"time"}, "desc": {"true"}})
	var want []string
	for _, e := range truth[talks.KindSession] {
		at, _ := time.Parse(time.RFC3339, decodeBody(e.Body)["starts_at"].(string))
		if !at.Before(mustParse(from)) && at.Before(mustParse(to)) {
			want = append(want, e.ID)
		}
	}
	if len(want) < 3 {
		t.Fatalf("the scenario has %d sessions in January 2026; the test needs three to page", len(want))
	}
	if !sameSet(got, want) {
		t.Errorf("sessions of January 2026: got %v, want %v", got, want)
	}
	for i := 1; i < len(got); i++ {
		a, _ := time.Parse(time.RFC3339, field(talks.KindSession, got[i-1], "starts_at"))
		b, _ := time.Parse(time.RFC3339, field(talks.KindSession, got[i], "starts_at"))
		if a.Before(b) {
			t.Errorf("order=time&desc=true: %s before %s", a, b)
		}
	}
	// Statements by an index field.
	for _, id := range all(Prefix+"/statements", url.Values{"party_id": {"ua"}}) {
		if p := field(talks.KindStatement, id, "party_id"); p != "ua" {
			t.Errorf("party_id=ua listed a statement of %q", p)
		}
	}

	// Reports by a filter field (not indexed: checked on the rows read),
	// with an index field beside it.
	reports := truth[monitor.KindReport]
	byTarget := map[string][]string{}
	byTargetParty := map[string][]string{} // and source type party
	for _, e := range reports {
		b := decodeBody(e.Body)
		tc := b["target_class"].(string)
		byTarget[tc] = append(byTarget[tc], e.ID)
		if b["source_type"] == "party" {
			byTargetParty[tc] = append(byTargetParty[tc], e.ID)
		}
	}
	if len(byTarget) < 2 {
		t.Fatalf("the scenario's reports have %d target classes; the test needs two", len(byTarget))
	}
	for tc, ids := range byTarget {
		if got := all(Prefix+"/incident-reports", url.Values{"target_class": {tc}}); !sameSet(got, ids) {
			t.Errorf("target_class=%s: got %v, want %v", tc, got, ids)
		}
		if got := all(Prefix+"/incident-reports", url.Values{"target_class": {tc}, "source_type": {"party"}}); !sameSet(got, byTargetParty[tc]) {
			t.Errorf("target_class=%s&source_type=party: got %v, want %v", tc, got, byTargetParty[tc])
		}
	}
	// A cursor of a list by a filter field serves no other list.
	rn := f.do(t, "us-mediator", "GET", Prefix+"/incident-reports?limit=1&source_type=party", nil)
	if next := decode[listed](t, rn).Next; next != "" {
		wantError(t, f.do(t, "us-mediator", "GET", Prefix+"/incident-reports?limit=1&source_type=monitor-patrol&after="+url.QueryEscape(next), nil), 400, "bad_request", "after")
	} else {
		t.Error("the reports of parties fill no second page; the test needs one")
	}

	// Paging in time order passes the Unix epoch, which is a time like any
	// other (it once restarted the list there).
	var epoch []string
	for _, due := range []string{"1969-12-31", "1970-01-01", "1970-01-01", "1970-01-02"} {
		r := f.do(t, "us-mediator", "POST", Prefix+"/action-items", []byte(`{"title":"Epoch `+due+`","owner_party":"ua","due":"`+due+`","status":"open"}`))
		if r.status != http.StatusCreated {
			t.Fatalf("create action item due %s: %d %s", due, r.status, r.body)
		}
		epoch = append(epoch, decode[struct {
			Item struct {
				ID string `json:"id"`
			} `json:"item"`
		}](t, r).Item.ID)
	}
	if got := all(Prefix+"/action-items", url.Values{"order": {"time"}, "from": {"1960-01-01"}, "to": {"1971-01-01"}}); !slices.Equal(got, epoch) {
		t.Errorf("action items due around the epoch, in time order: %v, want %v", got, epoch)
	}

	// A cursor is bound to its filters.
	r := f.do(t, "us-mediator", "GET", Prefix+"/sessions?limit=1&order=time", nil)
	next := decode[listed](t, r).Next
	if next == "" {
		t.Fatal("no next page")
	}
	wantError(t, f.do(t, "us-mediator", "GET", Prefix+"/sessions?limit=1&after="+url.QueryEscape(next), nil), 400, "bad_request", "after")
	// Bad filters name themselves.
	for _, c := range []struct{ query, field string }{
		{"from=yesterday", "from"}, {"order=random", "order"}, {"desc=yes", "desc"}, {"to=0000-01-01", "to"},
	} {
		wantError(t, f.do(t, "us-mediator", "GET", Prefix+"/sessions?"+c.query, nil), 400, "bad_request", c.field)
	}
}

func mustParse(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func decodeBody(b []byte) map[string]any {
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

// TestMessagesReadAsEnglish: errors name forms people write, not Go's
// layouts, and use a and an as English does.
func TestMessagesReadAsEnglish(t *testing.T) {
	f := newFixture(t)
	ids := f.ids(t)
	e := wantError(t, f.do(t, "us-mediator", "POST", Prefix+"/sessions", []byte(`{"round_id":"`+ids.round+`","title":"x","format":"plenary","starts_at":"tomorrow","mediator_present":true,"parties":["us"]}`)), 422, "invalid", "starts_at")
	if strings.Contains(e.Message, "2006") || !strings.Contains(e.Message, "RFC 3339") {
		t.Errorf("a bad time: %q, want the form people write, not Go's layout", e.Message)
	}
	e = wantError(t, f.do(t, "us-mediator", "POST", Prefix+"/aspects", []byte(`{"title":["x"],"status":"open"}`)), 422, "invalid", "title")
	if !strings.Contains(e.Message, "an array") {
		t.Errorf("an array for a string: %q, want \"an array\"", e.Message)
	}
}

// TestHugeBodyWithExpect: a body over the limit, announced with Expect:
// 100-continue, is answered 413 before the client sends it, not with a
// connection reset halfway through.
func TestHugeBodyWithExpect(t *testing.T) {
	f := newFixture(t)
	ts := httptest.NewServer(f.api)
	defer ts.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s/aspects HTTP/1.1\r\nHost: parley\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
		Prefix, f.tokens["us-mediator"], 20<<20)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 20 MB body with Expect: 100-continue: status %d, want 413", res.StatusCode)
	}
}
