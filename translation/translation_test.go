package translation_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/negotiation"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/translation"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func body(t *testing.T, tr translation.Translation, aud *record.Audience) []byte {
	t.Helper()
	b, _ := json.Marshal(tr)
	if aud != nil {
		var m map[string]any
		json.Unmarshal(b, &m)
		m["audience"] = aud
		b, _ = json.Marshal(m)
	}
	return b
}

func TestTranslations(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	ctx := t.Context()
	mediator := d.Principal(t, "us-mediator")
	kyiv := d.Find(t, "us-mediator", talks.KindStatement, "text", "In Kyiv, one person was killed and four wounded by drone attacks.")

	// The demo's translations of the statement: one into each language,
	// public as the statement is, naming the digest of its text.
	es, _, err := d.Service.List(ctx, nil, store.Query{Kind: translation.Kind, Fields: map[string]string{"of": kyiv}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]string{}
	for _, e := range es {
		var tr translation.Translation
		json.Unmarshal(e.Body, &tr)
		langs[tr.Language] = tr.Text
		if tr.SourceSHA256 != translation.Digest("In Kyiv, one person was killed and four wounded by drone attacks.") || tr.OriginalLanguage != "en" {
			t.Errorf("translation %s: %+v", e.ID, tr)
		}
	}
	if !strings.Contains(langs["uk"], "Києві") || !strings.Contains(langs["ru"], "Киеве") || len(langs) != 2 {
		t.Errorf("the statement's translations, as the public reads them: %v", langs)
	}

	good := translation.Translation{OfKind: talks.KindStatement, Of: kyiv, Field: "text", Language: "uk", OriginalLanguage: "en",
		Text: "У Києві одна людина загинула, четверо поранені.", Translator: "A. Translator"}
	if _, err := d.Service.Create(ctx, mediator, translation.Kind, body(t, good, nil)); err != nil {
		t.Fatalf("a second translation into Ukrainian, by another translator: %v", err)
	}

	// A translation is never changed, not even by whoever committed it:
	// no writer puts words under another translator's name.
	mine, err := d.Service.Create(ctx, mediator, translation.Kind, body(t, good, nil))
	if err != nil {
		t.Fatal(err)
	}
	forged := good
	forged.Text = "Something else entirely."
	for _, who := range []string{"us-mediator", "ru-negotiator"} {
		if _, err := d.Service.Update(ctx, d.Principal(t, who), translation.Kind, mine.Entity.ID, body(t, forged, nil)); app.ErrorCode(err) != app.CodeConflict && app.ErrorCode(err) != app.CodeForbidden {
			t.Errorf("%s changes a translation: %v", who, err)
		}
	}

	// A confidential position: its translation may not be read by anyone
	// who may not read the position.
	uaNeg := d.Principal(t, "ua-negotiator")
	pos := d.Find(t, "ua-negotiator", negotiation.KindPosition, "text",
		"Ukraine rejects any withdrawal from the parts of Donetsk region it holds. A line can only be drawn where the forces stand, once a ceasefire holds.")
	posTr := translation.Translation{OfKind: negotiation.KindPosition, Of: pos, Field: "text", Language: "uk", OriginalLanguage: "en",
		Text: "Україна відкидає будь-який вихід із частин Донецької області, які вона утримує.", Translator: "Delegation staff"}

	for name, c := range map[string]struct {
		who   string
		tr    func(translation.Translation) translation.Translation
		aud   *record.Audience
		field string
	}{
		"same language":    {"us-mediator", func(x translation.Translation) translation.Translation { x.Language = "en"; return x }, nil, "language"},
		"unknown language": {"us-mediator", func(x translation.Translation) translation.Translation { x.Language = "de"; return x }, nil, "language"},
		"no translator":    {"us-mediator", func(x translation.Translation) translation.Translation { x.Translator = ""; return x }, nil, "translator"},
		"no such field":    {"us-mediator", func(x translation.Translation) translation.Translation { x.Field = "nonsense"; return x }, nil, "field"},
		"not text":         {"us-mediator", func(x translation.Translation) translation.Translation { x.Field = "source"; return x }, nil, "field"},
		"stale digest": {"us-mediator", func(x translation.Translation) translation.Translation {
			x.SourceSHA256 = translation.Digest("other")
			return x
		}, nil, "source_sha256"},
		"no such record":    {"us-mediator", func(x translation.Translation) translation.Translation { x.Of = "nope"; return x }, nil, "of"},
		"not a kind":        {"us-mediator", func(x translation.Translation) translation.Translation { x.OfKind = "statement"; return x }, nil, "of_kind"},
		"unregistered kind": {"us-mediator", func(x translation.Translation) translation.Translation { x.OfKind = "talks.nothing"; return x }, nil, "of"},
		"wider than the original": {"ua-negotiator", func(translation.Translation) translation.Translation { return posTr },
			&record.Audience{Scope: record.Public}, "of"},
		"original hidden from the writer": {"ru-negotiator", func(translation.Translation) translation.Translation { return posTr },
			&record.Audience{Scope: record.PartyOnly, Party: "ru"}, "of"},
		"a role that writes no translation": {"ae-observer", func(x translation.Translation) translation.Translation { return x }, nil, ""},
	} {
		_, err := d.Service.Create(ctx, d.Principal(t, c.who), translation.Kind, body(t, c.tr(good), c.aud))
		var ae *app.Error
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if !errors.As(err, &ae) || ae.Field != c.field {
			t.Errorf("%s: %v, want a refusal of field %q", name, err, c.field)
		}
	}

	// With the position's own audience, its party translates it; the
	// other party does not read the translation.
	w, err := d.Service.Create(ctx, uaNeg, translation.Kind, body(t, posTr, &record.Audience{Scope: record.PartyOnly, Party: "ua"}))
	if err != nil {
		t.Fatalf("a translation of a position, as confidential as it: %v", err)
	}
	ru := d.Principal(t, "ru-negotiator")
	if _, err := d.Service.Get(ctx, &ru, translation.Kind, w.Entity.ID); app.ErrorCode(err) != app.CodeNotFound {
		t.Errorf("the other party reads the translation of a position it may not read: %v", err)
	}

	// An original narrowed after it was translated would leave its
	// translation read by those it was withdrawn from: refused, until the
	// translation is narrowed or withdrawn.
	person, err := d.Service.Create(ctx, uaNeg, talks.KindPerson, []byte(`{"name":"Envoy","party_id":"ua","note":"A note","audience":{"scope":"parties"}}`))
	if err != nil {
		t.Fatal(err)
	}
	note := translation.Translation{OfKind: talks.KindPerson, Of: person.Entity.ID, Field: "note", Language: "uk", OriginalLanguage: "en", Text: "Примітка", Translator: "T"}
	if _, err := d.Service.Create(ctx, uaNeg, translation.Kind, body(t, note, &record.Audience{Scope: record.Parties})); err != nil {
		t.Fatal(err)
	}
	_, err = d.Service.Update(ctx, uaNeg, talks.KindPerson, person.Entity.ID, []byte(`{"name":"Envoy","party_id":"ua","note":"A note","audience":{"scope":"party","party":"ua"}}`))
	var ae *app.Error
	if !errors.As(err, &ae) || ae.Code != app.CodeConflict || ae.Field != "audience" || !strings.Contains(ae.Message, "translation") {
		t.Errorf("an original narrowed below its translation's audience: %v", err)
	}
}
