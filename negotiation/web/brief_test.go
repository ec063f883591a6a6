package negotiationweb_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/negotiation"
	negotiationweb "github.com/parley-project/parley/negotiation/web"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/web"
)

// TestBriefDespiteTheOtherSide: the other side relaying, again and again,
// words that JSON writes long (<, >, &) cannot make a party's brief fail,
// nor push out what awaits its capital.
func TestBriefDespiteTheOtherSide(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	svc, ctx := d.Service, t.Context()
	ru := d.Principal(t, "ru-negotiator")
	aspects, err := web.Load[talks.Aspect](ctx, svc, &ru, talks.KindAspect, "")
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range aspects {
		words := strings.Repeat("<&> ", 150) + "end"
		w, err := svc.Create(ctx, ru, negotiation.KindPosition, mustJSON(negotiation.Position{AspectID: a.ID, PartyID: "ru", Text: words}))
		if err != nil {
			t.Fatal(err)
		}
		c, err := svc.Create(ctx, ru, negotiation.KindConsent, mustJSON(negotiation.Consent{PositionID: w.Entity.ID, PartyID: "ru", Recipient: "ua", Excerpt: words}))
		if err != nil {
			t.Fatal(err)
		}
		for range 15 {
			if _, err := svc.Create(ctx, ru, negotiation.KindRelay, mustJSON(negotiation.Relay{PositionID: w.Entity.ID, AspectID: a.ID, PartyID: "ru",
				Recipient: "ua", ConsentID: c.Entity.ID, Excerpt: words})); err != nil {
				t.Fatalf("relay %d: %v", i, err)
			}
		}
	}
	w, err := negotiationweb.MakeBrief(ctx, svc, d.Principal(t, "ua-negotiator"), "")
	if err != nil {
		t.Fatalf("ua's brief: %v", err)
	}
	var b negotiation.Brief
	json.Unmarshal(w.Entity.Body, &b)
	if !strings.Contains(b.Content, "## Awaiting your decision\nNothing awaits the decision of Ukraine.") || !strings.Contains(b.Content, "- NEW Relayed from Russia") {
		t.Errorf("the brief does not say what awaits Kyiv:\n%.2000s", b.Content)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
