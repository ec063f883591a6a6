package monitorweb_test

import (
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/monitor"
	monitorweb "github.com/parley-project/parley/monitor/web"
	talksweb "github.com/parley-project/parley/talks/web"
	"github.com/parley-project/parley/web"
)

// TestPagesInEveryLanguage renders the monitoring's pages in Ukrainian and
// Russian with a strict bundle: the reports, an incident, the import form
// and an import's page with refused rows, as a monitor. Every message they
// ask for must be in the catalogues.
func TestPagesInEveryLanguage(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	sections := []web.Section{&talksweb.Section{}, &monitorweb.Section{}}
	ts, b := testkit.StrictSite(t, d.Service, sections...)
	c := signIn(t, ts, d, "us-monitor")
	raw := func(path string) string {
		t.Helper()
		res, err := c.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return html.UnescapeString(string(body))
	}
	get := func(path string) string { t.Helper(); return plainText(raw(path)) }
	m := regexp.MustCompile(`href="(/monitoring/incidents/[^"]+)"`).FindStringSubmatch(raw("/monitoring"))
	if m == nil {
		t.Fatal("the monitoring page links to no incident")
	}
	incident := m[1]
	// A file with a row the reader refuses (a latitude out of range) and
	// one it cannot read (a count that is not one).
	file := "source_type,source_name,occurred_at,time_precision,place_name,place_precision,lat,lon,weapon_class,target_class,weapon_count\n" +
		"monitor-patrol,Patrol 5,2026-01-27T09:10:00+02:00,exact,Orikhiv,coordinates,47.567,35.784,artillery,residential,3\n" +
		"monitor-patrol,Patrol 5,2026-01-27T09:40:00+02:00,exact,Orikhiv,coordinates,97.5,35.784,artillery,residential,\n" +
		"sensor,Sensor 2,2026-01-27T10:05:00+02:00,hour,Huliaipole,coordinates,47.66,36.26,mortar,military,many\n"
	article := "/monitoring/articles/" + d.Find(t, "us-monitor", monitor.KindArticle, "outlet", "News report C")
	for _, lang := range []struct{ code, monitoring, incident, importForm, imported, article, articles string }{
		{"uk", "Повідомлення про інциденти", "Верифікація", "Імпорт повідомлень", "відхилено рядків: 2", "Київ (місто Київ)", "Прочитані статті"},
		{"ru", "Сообщения об инцидентах", "Верификация", "Импорт сообщений", "отклонено строк: 2", "Киев (город Киев)", "Прочитанные статьи"},
	} {
		for path, want := range map[string]string{"/monitoring": lang.monitoring, incident: lang.incident, "/monitoring/import": lang.importForm,
			article: lang.article, "/monitoring/articles": lang.articles} {
			if page := get(path + "?lang=" + lang.code); !strings.Contains(page, want) {
				t.Errorf("%s in %s does not say %q:\n%.2000s", path, lang.code, want, page)
			}
		}
		var body strings.Builder
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "patrols.csv")
		fw.Write([]byte(file))
		mw.Close()
		res, err := c.Post(ts.URL+"/monitoring/import?lang="+lang.code, mw.FormDataContentType(), strings.NewReader(body.String()))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if !strings.HasPrefix(res.Request.URL.Path, "/monitoring/import/") {
			t.Fatalf("the upload led to %s, status %d", res.Request.URL, res.StatusCode)
		}
		page := ""
		for range 100 {
			if page = get(res.Request.URL.Path + "?lang=" + lang.code); !strings.Contains(page, "Refresh") && strings.Contains(page, lang.imported) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(page, lang.imported) {
			t.Errorf("the import's page in %s does not say %q:\n%.2000s", lang.code, lang.imported, page)
		}
	}
	for _, lang := range []string{"uk", "ru"} {
		if missed := b.Missed()[lang]; len(missed) > 0 {
			t.Errorf("%s.json lacks %d messages the pages asked for:\n%s", lang, len(missed), strings.Join(missed, "\n"))
		}
	}
}
