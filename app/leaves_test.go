package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/transparency-dev/tessera/api"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/talks"
)

// TestLogHoldsNothingOfHiddenRecords commits confidential records of every
// non-public audience (party-only, party+mediator, a list of parties, all
// parties) and then reads every file the log serves, entry bundles and
// hash tiles alike: none may hold a hidden record's kind, id, subject,
// audience scope, or the ids of its author's party and its audience's
// parties. Every leaf has one form and one length, so that not even the
// shape of a leaf tells a hidden record from a public one.
func TestLogHoldsNothingOfHiddenRecords(t *testing.T) {
	ctx := context.Background()
	tl := testkit.NewLog(t)
	d := testkit.NewDemo(t, testkit.DemoOptions{Log: tl})
	med := d.Principal(t, "us-mediator")
	ua := d.Principal(t, "ua-negotiator")
	var roundID string
	for _, e := range testkit.Entities(t, d.Store) {
		if e.Kind == talks.KindRound {
			roundID = e.ID
			break
		}
	}
	action := func(title, owner string, aud record.Audience) []byte {
		b, err := json.Marshal(map[string]any{"title": title, "owner_party": owner, "status": "open", "round_id": roundID, "audience": aud})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, w := range []struct {
		by   string
		body []byte
	}{
		{"ua", action("Brief Kyiv alone", "ua", record.Audience{Scope: record.PartyOnly, Party: "ua"})},
		{"ua", action("Brief the mediator on Kyiv's position", "ua", record.Audience{Scope: record.PartyMediator, Party: "ua"})},
		{"us", action("Between the mediator and Kyiv, as a list", "us", record.Audience{Scope: record.List, Parties: []string{"us", "ua"}})},
		{"us", action("For the participants, not the observers", "us", record.Audience{Scope: record.Parties})},
	} {
		p := med
		if w.by == "ua" {
			p = ua
		}
		if _, err := d.Service.Create(ctx, p, talks.KindAction, w.body); err != nil {
			t.Fatalf("commit %s: %v", w.body, err)
		}
	}

	var hidden []store.Record
	for _, r := range testkit.Records(t, d.Store) {
		if r.LeafIndex < 0 {
			t.Fatalf("record %s has no leaf", r.ID)
		}
		if r.Audience.Scope != record.Public {
			hidden = append(hidden, r)
		}
	}
	scopes := map[record.Scope]bool{}
	for _, r := range hidden {
		scopes[r.Audience.Scope] = true
	}
	for _, s := range []record.Scope{record.PartyOnly, record.PartyMediator, record.List, record.Parties} {
		if !scopes[s] {
			t.Fatalf("no hidden record of audience %s to look for", s)
		}
	}

	// Every file the log serves: the entry bundles hold the leaves, the
	// hash tiles hashes; .state is tessera's own, never served.
	var bundles, tiles [][]byte
	var names []string
	err := filepath.WalkDir(tl.Dir, func(path string, e fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case e.IsDir() && e.Name() == ".state":
			return fs.SkipDir
		case e.IsDir():
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(tl.Dir, path)
		names = append(names, rel)
		if strings.HasPrefix(rel, filepath.Join("tile", "entries")+string(filepath.Separator)) {
			bundles = append(bundles, b)
		} else {
			tiles = append(tiles, b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bundles) == 0 || len(tiles) == 0 {
		t.Fatalf("the log directory holds %v: want entry bundles and hash tiles", names)
	}

	// Long words (kinds, ids) are looked for everywhere. Short ones, a
	// party id of two letters or a scope, random bytes hold by chance:
	// they are looked for in the bundles' text, as words of their own (a
	// leaf's base64 is one word).
	long, short := map[string]bool{}, map[string]bool{}
	for _, r := range hidden {
		long[r.Kind], long[r.ID], long[r.Subject] = true, true, true
		short[string(r.Audience.Scope)] = true
		short[r.Author.Party] = true
		if r.Audience.Party != "" {
			short[r.Audience.Party] = true
		}
		for _, p := range r.Audience.Parties {
			short[p] = true
		}
	}
	files := append(append([][]byte{}, bundles...), tiles...)
	for w := range long {
		if slices.ContainsFunc(files, func(b []byte) bool { return bytes.Contains(b, []byte(w)) }) {
			t.Errorf("a log file holds %q, of a hidden record", w)
		}
	}
	for w := range short {
		word := regexp.MustCompile(`(^|[^A-Za-z0-9+/=])` + regexp.QuoteMeta(w) + `($|[^A-Za-z0-9+/=])`)
		if slices.ContainsFunc(bundles, word.Match) {
			t.Errorf("an entry bundle holds the word %q, the audience or author of a hidden record", w)
		}
	}

	// Every leaf alike: the same prefix and length, and nothing but a
	// commitment.
	var leaves int
	for _, b := range bundles {
		var eb api.EntryBundle
		if err := eb.UnmarshalText(b); err != nil {
			t.Fatalf("an entry bundle does not parse: %v", err)
		}
		for _, leaf := range eb.Entries {
			leaves++
			if _, err := record.ParseLeaf(leaf); err != nil || len(leaf) != record.LeafSize {
				t.Errorf("leaf %q (%d bytes): %v; want every leaf of %d bytes, a commitment alone", leaf, len(leaf), err, record.LeafSize)
			}
		}
	}
	if leaves == 0 {
		t.Fatal("the bundles hold no leaf")
	}
}
