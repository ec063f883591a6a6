package monitorweb_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	neturl "net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/monitor"
	monitorweb "github.com/parley-project/parley/monitor/web"
	"github.com/parley-project/parley/store"
)

// The demo's night: an outlet reports Kyiv's casualties as the city's
// military administration gave them.
var kyivArticle = monitorweb.ArticleInput{
	Outlet: "Example Wire", URL: "https://news.example/kyiv-drones", Published: "2026-01-24",
	Body: "Russian drone attacks killed one person and wounded four in Kyiv overnight, Tymur Tkachenko, the head of the Kyiv City Military Administration, said on Saturday.\n\n" +
		"Peace talks between the delegations continued in Abu Dhabi, officials said.",
}

// An article read, its candidate filed as a report with the article as its
// evidence, corroborated with the party's own report of the same strike;
// a second candidate rejected with its reason; and the refusals, each
// naming what is wrong.
func TestArticleIntoReports(t *testing.T) {
	_, d := newSite(t)
	ctx := t.Context()
	monitorP := d.Principal(t, "us-monitor")
	svc := d.Service

	w, err := monitorweb.FileArticle(ctx, svc, monitorP, kyivArticle)
	if err != nil {
		t.Fatal(err)
	}
	rv, err := monitorweb.ReviewOf(ctx, svc, &monitorP, w.Entity.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rv.Candidates) != 1 {
		t.Fatalf("candidates = %+v, want one: the talks are no incident", rv.Candidates)
	}
	c := rv.Candidates[0]
	p := c.Proposal
	if p.PlaceName != "Kyiv" || p.Lat == nil || p.WeaponClass != "attack-drone" || p.OccurredAt != "2026-01-24" || p.TimePrecision != "night-of" ||
		len(p.Casualties) != 2 || p.Casualties[0].Low != 1 || p.Casualties[1].Low != 4 || !strings.Contains(p.SourceName, "Tymur Tkachenko") {
		t.Errorf("the proposal: %+v", p)
	}
	if len(p.Evidence) != 1 || p.Evidence[0].SHA256 != rv.Result.Digest {
		t.Errorf("the proposal's evidence %+v is not the article (%s)", p.Evidence, rv.Result.Digest)
	}

	// Filed as proposed: the report cites the article, and joins the
	// party's report of the same strike in one incident.
	filed, err := monitorweb.Accept(ctx, svc, monitorP, w.Entity.ID, 0, p)
	if err != nil {
		t.Fatal(err)
	}
	var got monitor.Report
	json.Unmarshal(filed.Entity.Body, &got)
	if got.SourceType != monitor.SourceOpen || got.SourceRef != monitor.ArticleSourceRef(w.Entity.ID, 0) || got.Evidence[0].SHA256 != rv.Result.Digest {
		t.Errorf("the report filed: %+v", got)
	}
	es, err := svc.AllOf(ctx, &monitorP, store.Query{Kind: monitor.KindReport})
	if err != nil {
		t.Fatal(err)
	}
	var reports []*monitor.Report
	kyiv, mine := -1, -1
	for _, e := range es {
		r := new(monitor.Report)
		json.Unmarshal(e.Body, r)
		if strings.HasPrefix(r.SourceName, "Tymur Tkachenko, head of") {
			kyiv = len(reports)
		}
		if e.ID == filed.Entity.ID {
			mine = len(reports)
		}
		reports = append(reports, r)
	}
	of := monitor.Corroborate(reports, monitor.DefaultClusterConfig, monitor.Links{})
	if kyiv < 0 || mine < 0 || of[kyiv] != of[mine] || of[kyiv] < 0 {
		t.Errorf("the article's report is not corroborated with the party's report of the same strike (incidents %v; party's at %d, article's at %d)", of, kyiv, mine)
	}

	// Filed once; a rejection of it refused; its page says it was filed.
	if _, err := monitorweb.Accept(ctx, svc, monitorP, w.Entity.ID, 0, p); app.ErrorCode(err) != app.CodeConflict {
		t.Errorf("the candidate filed twice: %v", err)
	}
	if _, err := monitorweb.Reject(ctx, svc, monitorP, w.Entity.ID, 0, "duplicate"); app.ErrorCode(err) != app.CodeConflict {
		t.Errorf("a filed candidate rejected: %v", err)
	}
	if _, err := monitorweb.Accept(ctx, svc, monitorP, w.Entity.ID, 7, p); app.ErrorCode(err) != app.CodeNotFound {
		t.Errorf("a candidate that does not exist: %v", err)
	}

	// Another article's candidate is rejected, and stays so.
	other := kyivArticle
	other.Outlet, other.Body = "Other Wire", "A missile strike on Kharkiv on Friday wounded three people, regional governor Oleh Syniehubov said."
	w2, err := monitorweb.FileArticle(ctx, svc, monitorP, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := monitorweb.Reject(ctx, svc, monitorP, w2.Entity.ID, 0, "Reported already by the regional administration."); err != nil {
		t.Fatal(err)
	}
	rv2, err := monitorweb.ReviewOf(ctx, svc, &monitorP, w2.Entity.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rv2.Candidates) != 1 || rv2.Candidates[0].Rejected != "Reported already by the regional administration." {
		t.Fatalf("the rejected candidate: %+v", rv2.Candidates)
	}
	if _, err := monitorweb.Accept(ctx, svc, monitorP, w2.Entity.ID, 0, rv2.Candidates[0].Proposal); app.ErrorCode(err) != app.CodeConflict {
		t.Errorf("a rejected candidate filed: %v", err)
	}

	// Refusals, each naming its field; nothing is kept.
	for name, c := range map[string]struct {
		in    monitorweb.ArticleInput
		field string
	}{
		"no outlet":     {monitorweb.ArticleInput{Published: "2026-01-24", Body: "text"}, "outlet"},
		"no date":       {monitorweb.ArticleInput{Outlet: "X", Published: "24/01/2026", Body: "text"}, "published"},
		"empty":         {monitorweb.ArticleInput{Outlet: "X", Published: "2026-01-24", Body: "  "}, "body"},
		"not UTF-8":     {monitorweb.ArticleInput{Outlet: "X", Published: "2026-01-24", Body: "Kyiv \xff\xfe"}, "body"},
		"a script link": {monitorweb.ArticleInput{Outlet: "X", URL: "javascript:alert(1)", Published: "2026-01-24", Body: "A strike on Kyiv."}, "url"},
	} {
		_, err := monitorweb.FileArticle(ctx, svc, monitorP, c.in)
		var ae *app.Error
		if e, ok := err.(*app.Error); ok {
			ae = e
		}
		if ae == nil || ae.Field != c.field {
			t.Errorf("%s: %v, want a refusal of %s", name, err, c.field)
		}
	}
	// The article is what was read: its file does not change, and a
	// rejection stays; a report borrows no article's reference.
	a2, err := svc.Get(ctx, &monitorP, monitor.KindArticle, w2.Entity.ID)
	if err != nil {
		t.Fatal(err)
	}
	var art monitor.Article
	json.Unmarshal(a2.Body, &art)
	swapped := art
	swapped.Evidence = []monitor.Evidence{{SHA256: strings.Repeat("ab", 32)}}
	unrejected := art
	unrejected.Rejected = nil
	for name, a := range map[string]monitor.Article{"its file swapped": swapped, "its rejection removed": unrejected} {
		b, _ := json.Marshal(struct {
			monitor.Article
			BasedOn string `json:"based_on"`
		}{a, a2.RecordID})
		if _, err := svc.Update(ctx, monitorP, monitor.KindArticle, w2.Entity.ID, b); app.ErrorCode(err) != app.CodeConflict {
			t.Errorf("the article updated with %s: %v", name, err)
		}
	}
	// Two rejections at once: the second, made on the version before the
	// first, is refused rather than lost.
	stale := art
	stale.Rejected = []monitor.Rejected{{Candidate: 1, Reason: "made on the first version"}}
	if b, _ := json.Marshal(struct {
		monitor.Article
		BasedOn string `json:"based_on"`
	}{stale, w2.Entity.RecordID}); true {
		if _, err := svc.Update(ctx, monitorP, monitor.KindArticle, w2.Entity.ID, b); app.ErrorCode(err) != app.CodeConflict {
			t.Errorf("a rejection made on a version since changed: %v", err)
		}
	}
	borrowed := p
	borrowed.SourceType, borrowed.SourceRef, borrowed.Evidence = monitor.SourceParty, monitor.ArticleSourceRef(w2.Entity.ID, 3), nil
	borrowed.SourceParty = "ua"
	if b, _ := json.Marshal(borrowed); true {
		if _, err := svc.Create(ctx, monitorP, monitor.KindReport, b); err == nil {
			t.Error("a party's report took an article's candidate as its source reference")
		}
	}
	big := kyivArticle
	big.Body = strings.Repeat("A drone strike on Kharkiv killed two people, officials said on Sunday. ", 5000)
	if _, err := monitorweb.FileArticle(ctx, svc, monitorP, big); app.ErrorCode(err) != app.CodeTooLarge {
		t.Errorf("an article of %d bytes of text: %v", len(big.Body), err)
	}

	observer := d.Principal(t, "ae-observer")
	if _, err := monitorweb.FileArticle(ctx, svc, observer, kyivArticle); app.ErrorCode(err) != app.CodeForbidden {
		t.Errorf("an observer files an article: %v", err)
	}
}

// The pages: an article pasted, its candidate shown in Ukrainian with its
// sentence, filed from the form, and a bad article refused next to the
// form, with what was typed kept.
func TestArticlePages(t *testing.T) {
	ts, d := newSite(t)
	c := signIn(t, ts, d, "us-monitor")
	post := func(path string, form map[string]string) (int, string, string) {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range form {
			mw.WriteField(k, v)
		}
		mw.Close()
		req, _ := http.NewRequest("POST", ts.URL+path, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", ts.URL)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Request.URL.Path
	}
	code, body, at := post("/monitoring/articles?lang=uk", map[string]string{"outlet": kyivArticle.Outlet, "url": kyivArticle.URL,
		"published": kyivArticle.Published, "text": kyivArticle.Body})
	if code != http.StatusOK || !strings.HasPrefix(at, "/monitoring/articles/") {
		t.Fatalf("POST an article = %d at %s:\n%s", code, at, body)
	}
	for _, want := range []string{`<html lang="uk">`, "Кандидат 1", "Russian drone attacks killed one person and wounded four in Kyiv overnight",
		"Tymur Tkachenko", "Київ"} {
		if !strings.Contains(body, want) {
			t.Errorf("the article's page in Ukrainian lacks %q:\n%s", want, body)
		}
	}
	m := regexp.MustCompile(`action="(/monitoring/articles/[^"]+/candidates/0)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form to file the candidate:\n%s", body)
	}
	form := formBody(map[string]string{"decision": "accept", "source_name": "Kyiv City Military Administration, via Example Wire", "occurred_at": "2026-01-24",
		"time_precision": "night-of", "place_name": "Kyiv", "place_precision": "settlement", "lat": "50.45", "lon": "30.52",
		"weapon_class": "attack-drone", "target_class": "unknown", "killed": "1", "wounded": "4", "narrative": "As the article says."})
	req, _ := http.NewRequest("POST", ts.URL+m[1], strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", ts.URL)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "/k/incident-reports/") {
		t.Errorf("filing the candidate = %d:\n%s", res.StatusCode, b)
	}

	code, body, _ = post("/monitoring/articles?lang=en", map[string]string{"outlet": "Example Wire", "published": "yesterday", "text": "Something."})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Published") || !strings.Contains(body, "is not a date") ||
		!strings.Contains(body, `value="Example Wire"`) {
		t.Errorf("a bad date = %d:\n%s", code, body)
	}
	res, err = c.Get(ts.URL + "/monitoring/articles")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "Example Wire") {
		t.Errorf("the list of articles = %d:\n%s", res.StatusCode, b)
	}
}

// TestCorpusThroughTheService files every article of the test corpus and
// reads it back: each is kept, and read again to the same candidates.
func TestCorpusThroughTheService(t *testing.T) {
	_, d := newSite(t)
	monitorP := d.Principal(t, "us-monitor")
	files, _ := os.ReadDir("../../testdata/osint/articles")
	n := 0
	for _, f := range files {
		var a struct {
			Outlet, URL, Published, Text string
		}
		b, err := os.ReadFile("../../testdata/osint/articles/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(b, &a)
		if a.Published == "" {
			a.Published = "2026-01-24"
		}
		w, err := monitorweb.FileArticle(t.Context(), d.Service, monitorP, monitorweb.ArticleInput{Outlet: a.Outlet, URL: a.URL, Published: a.Published, Body: a.Text})
		if err != nil {
			t.Errorf("%s: %v", f.Name(), err)
			continue
		}
		direct, err := monitorweb.Extract(monitorweb.ArticleInput{Outlet: a.Outlet, URL: a.URL, Published: a.Published, Body: a.Text})
		if err != nil {
			t.Fatal(err)
		}
		rv, err := monitorweb.ReviewOf(t.Context(), d.Service, &monitorP, w.Entity.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rv.Candidates) != len(direct.Candidates) || rv.Result.Digest != direct.Digest {
			t.Errorf("%s: read back to %d candidates, %d when extracted directly", f.Name(), len(rv.Candidates), len(direct.Candidates))
		}
		n++
	}
	if n < 20 {
		t.Errorf("only %d articles filed", n)
	}
}

func formBody(m map[string]string) string {
	v := neturl.Values{}
	for k, x := range m {
		v.Set(k, x)
	}
	return v.Encode()
}

// The demo's article reads into the night's two strikes, and not the talks.
func TestDemoArticle(t *testing.T) {
	_, d := newSite(t)
	p := d.Principal(t, "us-monitor")
	id := d.Find(t, "us-monitor", monitor.KindArticle, "outlet", "News report C")
	rv, err := monitorweb.ReviewOf(t.Context(), d.Service, &p, id)
	if err != nil {
		t.Fatal(err)
	}
	var places []string
	for _, c := range rv.Candidates {
		places = append(places, c.Proposal.PlaceName)
	}
	if len(rv.Candidates) != 2 || places[0] != "Kyiv" || places[1] != "Kharkiv" || *rv.Candidates[1].Wounded != 27 ||
		*rv.Candidates[0].Killed != 1 || *rv.Candidates[0].Wounded != 4 {
		t.Errorf("the demo's article read into %v: %+v", places, rv.Candidates)
	}
}
