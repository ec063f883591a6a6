package i18n

import (
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func bundle(t *testing.T, files map[string]string) *Bundle {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	b, err := NewBundle(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPlurals(t *testing.T) {
	b := bundle(t, map[string]string{
		"en.json": `{"%d reports": {"one": "%d report", "other": "%d reports"}}`,
		"uk.json": `{"%d reports": {"one": "%d звіт", "few": "%d звіти", "many": "%d звітів", "other": "%d звіту"}}`,
		"ru.json": `{"%d reports": {"one": "%d отчёт", "few": "%d отчёта", "many": "%d отчётов", "other": "%d отчёта"}}`,
	})
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{English, 1, "1 report"}, {English, 2, "2 reports"}, {English, 0, "0 reports"}, {English, 1234, "1,234 reports"},
		{Ukrainian, 1, "1 звіт"}, {Ukrainian, 2, "2 звіти"}, {Ukrainian, 4, "4 звіти"}, {Ukrainian, 5, "5 звітів"},
		{Ukrainian, 11, "11 звітів"}, {Ukrainian, 12, "12 звітів"}, {Ukrainian, 21, "21 звіт"}, {Ukrainian, 22, "22 звіти"},
		{Ukrainian, 25, "25 звітів"}, {Ukrainian, 0, "0 звітів"}, {Ukrainian, 1234, "1\u00a0234 звіти"},
		{Russian, 1, "1 отчёт"}, {Russian, 3, "3 отчёта"}, {Russian, 5, "5 отчётов"}, {Russian, 14, "14 отчётов"},
		{Russian, 101, "101 отчёт"}, {Russian, 111, "111 отчётов"},
	} {
		if got := b.Printer(c.lang).T("%d reports", c.n); got != c.want {
			t.Errorf("%s, %d: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

func TestMessages(t *testing.T) {
	b := bundle(t, map[string]string{
		"uk.json": `{"Sign out": "Вийти", "%s: is required": "%s: обовʼязкове поле"}`,
		"ru.json": `{"Sign out": "Выйти"}`,
	})
	b.Strict()
	uk, ru, en := b.Printer(Ukrainian), b.Printer(Russian), b.Printer(English)
	if got := uk.T("Sign out"); got != "Вийти" {
		t.Errorf("uk: %q", got)
	}
	if got := uk.T("%s: is required", "title"); got != "title: обовʼязкове поле" {
		t.Errorf("uk with an argument: %q", got)
	}
	if got := en.T("Sign out"); got != "Sign out" {
		t.Errorf("en: %q", got)
	}
	// A message missing from a catalogue is shown in English, and remembered.
	if got := ru.T("%s: is required", "title"); got != "title: is required" {
		t.Errorf("ru, missing: %q", got)
	}
	en.T("Nowhere")
	if m := b.Missed(); len(m[Russian]) != 1 || m[Russian][0] != "%s: is required" || len(m[Ukrainian]) != 0 || len(m[English]) != 0 {
		t.Errorf("missed = %v", m)
	}
	// Data that is no message is shown as it is, "%" and all.
	if got := uk.Word("50%d off"); got != "50%d off" {
		t.Errorf("a word with a verb: %q", got)
	}
	if b.Printer("de").Lang != English {
		t.Error("an unsupported language is not English")
	}
}

func TestBadCatalogues(t *testing.T) {
	for name, c := range map[string]map[string]string{
		"not JSON":          {"uk.json": `{`},
		"missing few":       {"uk.json": `{"%d reports": {"one": "%d звіт", "many": "%d звітів", "other": "%d звіту"}}`},
		"category unused":   {"en.json": `{"%d reports": {"one": "a", "few": "b", "other": "c"}}`},
		"no other":          {"en.json": `{"%d reports": {"one": "%d report"}}`},
		"not a category":    {"en.json": `{"%d reports": {"single": "x", "other": "y"}}`},
		"verbs differ":      {"uk.json": `{"%d of %s": "%s з %d"}`},
		"verb lost":         {"uk.json": `{"%s: is required": "обовʼязкове поле"}`},
		"plural elsewhere":  {"en.json": `{"%d reports": {"one": "%d report", "other": "%d reports"}}`, "uk.json": `{"%d reports": "%d звітів"}`},
		"plural form verbs": {"en.json": `{"%d reports": {"one": "%s report", "other": "%d reports"}}`},
	} {
		fsys := fstest.MapFS{}
		for n, body := range c {
			fsys[n] = &fstest.MapFile{Data: []byte(body)}
		}
		if _, err := NewBundle(fsys); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), ".json") {
			t.Errorf("%s: %v does not name the file", name, err)
		}
	}
	// A translation may number its arguments, in its own order.
	n := fstest.MapFS{"uk.json": &fstest.MapFile{Data: []byte(`{"%s of %d": "%[2]d — %[1]s"}`)}}
	nb, err := NewBundle(n)
	if err != nil {
		t.Fatalf("numbered arguments refused: %v", err)
	}
	if got := nb.Printer(Ukrainian).T("%s of %d", "x", 3); got != "3 — x" {
		t.Errorf("numbered arguments: %q", got)
	}
	// The same key in two catalogues is fine if they agree.
	a := fstest.MapFS{"uk.json": &fstest.MapFile{Data: []byte(`{"Save": "Зберегти"}`)}}
	if _, err := NewBundle(a, a); err != nil {
		t.Errorf("agreeing catalogues: %v", err)
	}
	// Two that disagree: the first's holds, and the bundle says so.
	c := fstest.MapFS{"uk.json": &fstest.MapFile{Data: []byte(`{"Save": "Записати"}`)}}
	b, err := NewBundle(Named("kernel", a), Named("domain", c))
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Printer(Ukrainian).T("Save"); got != "Зберегти" {
		t.Errorf("the second catalogue's translation won: %q", got)
	}
	if cs := b.Conflicts(); len(cs) != 1 || !strings.Contains(cs[0], "kernel and domain") {
		t.Errorf("conflicts = %q", cs)
	}
}

func TestTime(t *testing.T) {
	kyiv := time.FixedZone("", 2*3600)
	tm := time.Date(2026, time.January, 23, 15, 4, 0, 0, kyiv)
	b := bundle(t, nil)
	for _, c := range []struct{ lang, layout, want string }{
		{English, "Mon 2 January 2006, 15:04", "Fri 23 January 2026, 15:04"},
		{Ukrainian, "Mon 2 January 2006, 15:04", "пт, 23 січня 2026 р., 15:04"},
		{Russian, "Mon 2 January 2006, 15:04", "пт, 23 января 2026 г., 15:04"},
		{Ukrainian, "January 2006", "січень 2026 р."},
		{Russian, "January 2006", "январь 2026 г."},
		{Russian, "2 Jan 2006", "23 янв. 2026 г."},
		{Ukrainian, "Monday", "пʼятниця"},
		{Ukrainian, "2006-01-02 15:04", "2026-01-23 15:04"},
	} {
		if got := b.Printer(c.lang).Time(tm, c.layout); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.lang, c.layout, got, c.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	b := bundle(t, nil)
	en, uk, ru := b.Printer(English), b.Printer(Ukrainian), b.Printer(Russian)
	for _, c := range []struct {
		p    *Printer
		in   string
		want string
	}{
		{en, "1234567.50", "1,234,567.50"}, {uk, "1234567.50", "1\u00a0234\u00a0567,50"}, {ru, "-1000", "-1\u00a0000"},
		{en, "999", "999"}, {en, "n/a", "n/a"}, {uk, "12.5.1", "12.5.1"},
	} {
		if got := c.p.Decimal(c.in); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.p.Lang, c.in, got, c.want)
		}
	}
	if got := en.Money("84500000.00", "USD"); got != "USD 84,500,000.00" {
		t.Errorf("en money: %q", got)
	}
	if got := uk.Money("84500000.00", "USD"); got != "84\u00a0500\u00a0000,00 USD" {
		t.Errorf("uk money: %q", got)
	}
}

func TestFromRequest(t *testing.T) {
	for _, c := range []struct{ query, cookie, accept, want string }{
		{"", "", "", English},
		{"", "", "uk-UA,uk;q=0.9,en;q=0.8", Ukrainian},
		{"", "", "ru-RU,ru;q=0.9", Russian},
		{"", "", "de-DE,de;q=0.9", English},
		{"", "", "de-DE,ru;q=0.5", Russian},
		{"", "uk", "ru", Ukrainian},
		{"ru", "uk", "en", Russian},
		{"xx", "zz", "uk", Ukrainian},
		{"", "", "!!garbage", English},
	} {
		r := httptest.NewRequest("GET", "/?lang="+c.query, nil)
		if c.cookie != "" {
			r.Header.Set("Cookie", "lang="+c.cookie)
		}
		r.Header.Set("Accept-Language", c.accept)
		if got := FromRequest(r); got != c.want {
			t.Errorf("%+v: %s", c, got)
		}
	}
}
