package storetest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// The list tests check Entities against a model: listModel computes, in
// Go, what a query must return (access.CanSee deciding visibility), and
// walk reads the store's answer page by page through the cursor.

// listBase is the time around which the list tests' entities lie.
var listBase = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// cet is a zone other than UTC, so that times put in it are compared as
// instants and come back in UTC.
var cet = time.FixedZone("CET", 3600)

// listMatches reports whether q selects e for v.
func listMatches(e store.Entity, v access.Viewer, q store.Query) bool {
	if e.Kind != q.Kind ||
		(q.Parent != "" && e.Parent != q.Parent) ||
		(q.Party != "" && e.Party != q.Party) ||
		(q.Status != "" && e.Status != q.Status) {
		return false
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		if e.At.IsZero() || (!q.From.IsZero() && e.At.Before(q.From)) || (!q.To.IsZero() && !e.At.Before(q.To)) {
			return false
		}
	}
	for n, want := range q.Fields {
		if got, ok := e.Fields[n]; !ok || !slices.Contains(got, want) {
			return false
		}
	}
	if len(q.Match) > 0 {
		var body map[string]any
		json.Unmarshal(e.Body, &body)
		for n, want := range q.Match {
			if got, ok := body[n].(string); !ok || got != want {
				return false
			}
		}
	}
	return access.CanSee(v, e.Audience)
}

// listCompare is the order of q: by CreatedSeq, or by At (the zero time
// first) and then CreatedSeq; id last; reversed with Desc.
func listCompare(q store.Query) func(x, y store.Entity) int {
	return func(x, y store.Entity) int {
		c := 0
		if q.Order == store.OrderAt {
			c = x.At.Compare(y.At)
		}
		if c == 0 {
			c = cmp.Compare(x.CreatedSeq, y.CreatedSeq)
		}
		if c == 0 {
			c = strings.Compare(x.ID, y.ID)
		}
		if q.Desc {
			c = -c
		}
		return c
	}
}

// listModel returns the ids q must list for v, in order, ignoring the
// cursor and the limit.
func listModel(all []store.Entity, v access.Viewer, q store.Query) []string {
	var es []store.Entity
	for _, e := range all {
		if listMatches(e, v, q) {
			es = append(es, e)
		}
	}
	slices.SortStableFunc(es, listCompare(q))
	ids := []string{}
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

// describe renders a query for failure messages.
func describe(q store.Query) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind %q", q.Kind)
	if q.Parent != "" {
		fmt.Fprintf(&b, " parent %q", q.Parent)
	}
	if q.Party != "" {
		fmt.Fprintf(&b, " party %q", q.Party)
	}
	if q.Status != "" {
		fmt.Fprintf(&b, " status %q", q.Status)
	}
	if !q.From.IsZero() {
		fmt.Fprintf(&b, " from %s", q.From.UTC().Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		fmt.Fprintf(&b, " to %s", q.To.UTC().Format(time.RFC3339Nano))
	}
	if len(q.Fields) > 0 {
		fmt.Fprintf(&b, " fields %v", q.Fields)
	}
	if len(q.Match) > 0 {
		fmt.Fprintf(&b, " match %v", q.Match)
	}
	if q.Order == store.OrderAt {
		b.WriteString(" by at")
	}
	if q.Desc {
		b.WriteString(" desc")
	}
	return b.String()
}

// walk reads the whole list q selects for v through pages of limit
// entities, following the cursor, and checks every page: no more than the
// limit, "more" only on a full page, and nothing after a page without more.
func walk(t *testing.T, r store.Reader, v access.Viewer, q store.Query, limit int) ([]string, error) {
	t.Helper()
	q.After, q.AfterAt = 0, time.Time{}
	ids := []string{}
	for i := 0; ; i++ {
		if i > 1000 {
			return nil, errors.New("pagination does not end")
		}
		q.Limit = limit
		es, more, err := r.Entities(t.Context(), v, q)
		if err != nil {
			return nil, err
		}
		if len(es) > max(limit, 1) {
			return nil, fmt.Errorf("limit %d: page of %d", limit, len(es))
		}
		if more && len(es) < max(limit, 1) {
			return nil, fmt.Errorf("limit %d: short page of %d with more set", limit, len(es))
		}
		for _, e := range es {
			ids = append(ids, e.ID)
		}
		if len(es) > 0 {
			last := es[len(es)-1]
			q.After, q.AfterAt = last.CreatedSeq, last.At
		}
		if !more {
			if len(es) == 0 {
				return ids, nil
			}
			q.Limit = 100
			rest, _, err := r.Entities(t.Context(), v, q)
			if err != nil {
				return nil, err
			}
			if len(rest) != 0 {
				return nil, fmt.Errorf("limit %d: more is false but %d entities follow", limit, len(rest))
			}
			return ids, nil
		}
	}
}

// checkList walks q for v and compares the result with the model.
func checkList(t *testing.T, r store.Reader, all []store.Entity, v access.Viewer, vname string, q store.Query, limit int) {
	t.Helper()
	want := listModel(all, v, q)
	got, err := walk(t, r, v, q, limit)
	if err != nil {
		t.Errorf("viewer %s, %s, limit %d: %v", vname, describe(q), limit, err)
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("viewer %s, %s, limit %d:\n got %v\nwant %v", vname, describe(q), limit, got, want)
	}
}

// listItems returns the list tests' entities of kind "item", varied
// pseudo-randomly but the same on every run: parents, parties, statuses,
// audiences of every kind, times with many ties and some zero, and fields,
// some empty, some absent. CreatedSeq is 10, 20, ...
func listItems(n int) []store.Entity {
	r := rand.New(rand.NewPCG(4, 2))
	auds := matrixAudiences()
	es := make([]store.Entity, n)
	for i := range es {
		e := newEntity("item", fmt.Sprintf("item-%03d", i), int64(10*(i+1)), auds[r.IntN(len(auds))].a)
		e.Parent = []string{"r1", "r2", ""}[r.IntN(3)]
		e.Party = []string{"a", "b", ""}[r.IntN(3)]
		e.Status = []string{"open", "closed", ""}[r.IntN(3)]
		// Six times and the zero time: ties everywhere. A microsecond
		// apart at times, the precision the stores keep.
		if h := r.IntN(7); h > 0 {
			e.At = listBase.Add(time.Duration(h)*time.Hour + time.Duration(r.IntN(2))*time.Microsecond).In(cet)
		}
		// The body's own field m, which Match reads: a string, its digits
		// as a number (no match for "5"), an empty string, or absent.
		switch r.IntN(5) {
		case 0:
			e.Body = json.RawMessage(`{"m": "u", "n": 1}`)
		case 1:
			e.Body = json.RawMessage(`{"m": "w"}`)
		case 2:
			e.Body = json.RawMessage(`{"m": 5}`)
		case 3:
			e.Body = json.RawMessage(`{"n": [1], "m": "5"}`)
		}
		switch r.IntN(4) {
		case 0: // no fields
		case 1:
			e.Fields = map[string][]string{"f1": {[]string{"x", "y"}[r.IntN(2)]}}
		case 2: // a list
			e.Fields = map[string][]string{"f1": []string{"x", "y"}[:1+r.IntN(2)], "f2": {[]string{"p", "q", ""}[r.IntN(3)]}}
		default:
			e.Fields = map[string][]string{"f1": {[]string{"x", "y"}[r.IntN(2)]}, "f2": {[]string{"p", "q", ""}[r.IntN(3)]}}
		}
		es[i] = e
	}
	return es
}

// putShuffled puts es in an order other than CreatedSeq's, so that the
// list order must come from the stored columns.
func putShuffled(t *testing.T, s store.Store, es []store.Entity) {
	t.Helper()
	es = slices.Clone(es)
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	putEntities(t, s, es...)
}

// withKind returns copies of es under another kind, for checking that a
// list holds one kind only.
func withKind(es []store.Entity, kind string) []store.Entity {
	out := make([]store.Entity, len(es))
	for i, e := range es {
		e.Kind = kind
		out[i] = e
	}
	return out
}

func testEntityListColumns(t *testing.T, s store.Store) {
	e := newEntity("session", "s1", 3, record.Audience{Scope: record.Public})
	e.Parent = "round-1"
	e.Party = "a"
	e.Status = "scheduled"
	e.At = time.Date(2026, 2, 1, 10, 0, 0, 123456789, cet) // nanoseconds: kept to the microsecond
	e.Fields = map[string][]string{"format": {"plenary"}, "room": {""}, "Format": {"x,y"}, "ünï": {"%_'\""}, "reports": {"r1", "r2", "r3"}}
	// None of them set: the zero time, no fields (an empty map reads back
	// as nil).
	bare := newEntity("session", "s2", 4, record.Audience{Scope: record.Public})
	bare.Fields = map[string][]string{}
	putEntities(t, s, e, bare)

	want := e
	want.At = e.At.Truncate(time.Microsecond)
	got, err := s.Entity(t.Context(), access.System, "session", "s1")
	if err != nil {
		t.Fatal(err)
	}
	checkEntity(t, got, want)
	if got.At.Nanosecond() != 123456000 {
		t.Errorf("At = %v, want it truncated to the microsecond", got.At)
	}
	got2, err := s.Entity(t.Context(), access.System, "session", "s2")
	if err != nil {
		t.Fatal(err)
	}
	checkEntity(t, got2, bare)
	if got2.Fields != nil || !got2.At.IsZero() || got2.Party != "" || got2.Status != "" {
		t.Errorf("entity without list columns = %+v, want nil Fields, zero At, no party, no status", got2)
	}
	// Lists return the same.
	for _, order := range []store.Order{store.OrderCreated, store.OrderAt} {
		es, _, err := s.Entities(t.Context(), access.System, store.Query{Kind: "session", Order: order, Limit: 10})
		if err != nil || len(es) != 2 {
			t.Fatalf("Entities = %v, %v; want both", es, err)
		}
		byID := map[string]store.Entity{es[0].ID: es[0], es[1].ID: es[1]}
		checkEntity(t, byID["s1"], want)
		checkEntity(t, byID["s2"], bare)
	}
	// Every column is replaced, to nothing too.
	e2 := e
	e2.Version = 2
	e2.Party, e2.Status, e2.At, e2.Fields = "", "", time.Time{}, nil
	putEntities(t, s, e2)
	got, err = s.Entity(t.Context(), access.System, "session", "s1")
	if err != nil {
		t.Fatal(err)
	}
	checkEntity(t, got, e2)
}

func testEntityFieldsReplaced(t *testing.T, s store.Store) {
	e := newEntity("item", "i1", 5, record.Audience{Scope: record.Public})
	e.At = listBase
	e.Fields = map[string][]string{"a": {"1"}, "b": {"2"}}
	other := newEntity("item", "i2", 7, record.Audience{Scope: record.Public})
	other.At = listBase.Add(time.Hour)
	other.Fields = map[string][]string{"b": {"3"}}
	putEntities(t, s, e, other)

	ids := func(q store.Query) []string {
		t.Helper()
		q.Kind = "item"
		q.Limit = 100
		es, _, err := s.Entities(t.Context(), access.System, q)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	check := func(what string, q store.Query, want ...string) {
		t.Helper()
		if want == nil {
			want = []string{}
		}
		if got := ids(q); !slices.Equal(got, want) {
			t.Errorf("%s: %s = %v, want %v", what, describe(q), got, want)
		}
	}
	f := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	check("before", store.Query{Fields: f("a", "1")}, "i1")
	check("before", store.Query{Fields: f("b", "3")}, "i2")

	// The second version drops a, changes b, adds c; it also moves the
	// entity in time and in creation order, which the copies kept with
	// the fields must follow.
	e2 := e
	e2.Version = 2
	e2.CreatedSeq = 9
	e2.At = listBase.Add(2 * time.Hour)
	e2.Fields = fields(f("b", "3", "c", "4"))
	putEntities(t, s, e2)
	got, err := s.Entity(t.Context(), access.System, "item", "i1")
	if err != nil {
		t.Fatal(err)
	}
	checkEntity(t, got, e2)
	check("after", store.Query{Fields: f("a", "1")})
	check("after", store.Query{Fields: f("b", "2")})
	check("after", store.Query{Fields: f("b", "3")}, "i2", "i1")
	check("after", store.Query{Fields: f("b", "3"), Desc: true}, "i1", "i2")
	check("after", store.Query{Fields: f("b", "3"), Order: store.OrderAt, Desc: true}, "i1", "i2")
	check("after", store.Query{Fields: f("b", "3"), From: listBase.Add(90 * time.Minute)}, "i1")
	check("after", store.Query{Fields: f("b", "3"), To: listBase.Add(90 * time.Minute)}, "i2")
	check("after", store.Query{Fields: f("b", "3"), After: 7}, "i1")
	check("after", store.Query{Fields: f("c", "4", "b", "3")}, "i1")
	check("after", store.Query{Fields: f("c", "4", "a", "1")})

	// Putting it without fields removes them all.
	e3 := e2
	e3.Version = 3
	e3.Fields = nil
	putEntities(t, s, e3)
	check("without", store.Query{Fields: f("c", "4")})
	check("without", store.Query{Fields: f("b", "3")}, "i2")
	if got, err := s.Entity(t.Context(), access.System, "item", "i1"); err != nil || got.Fields != nil {
		t.Errorf("entity put without fields = %+v, %v; want nil Fields", got, err)
	}
	// The same id under another kind has its own fields.
	k := newEntity("note", "i1", 11, record.Audience{Scope: record.Public})
	k.Fields = fields(f("b", "3"))
	putEntities(t, s, k)
	check("other kind", store.Query{Fields: f("b", "3")}, "i2")
	if got, err := s.Entity(t.Context(), access.System, "item", "i1"); err != nil || got.Fields != nil {
		t.Errorf("item i1 after putting note i1 = %+v, %v; want nil Fields", got, err)
	}
}

func testEntityAtRange(t *testing.T, s store.Store) {
	first := newEntity("item", "first", 1, record.Audience{Scope: record.Public})
	first.At = time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC) // a second after the zero time
	last := newEntity("item", "last", 2, record.Audience{Scope: record.Public})
	last.At = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
	none := newEntity("item", "none", 3, record.Audience{Scope: record.Public})
	write(t, s, func(tx store.Tx) error {
		for _, at := range []time.Time{
			time.Date(0, 12, 31, 23, 59, 59, 0, time.UTC),
			time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(1, 1, 1, 0, 30, 0, 0, cet), // before the zero time in UTC
		} {
			bad := newEntity("item", "bad", 9, record.Audience{Scope: record.Public})
			bad.At = at
			if err := tx.PutEntity(t.Context(), bad); err == nil {
				return fmt.Errorf("PutEntity accepted At %v", at)
			}
		}
		// The refusals leave the transaction usable.
		for _, e := range []store.Entity{first, last, none} {
			if err := tx.PutEntity(t.Context(), e); err != nil {
				return err
			}
		}
		return nil
	})
	if _, err := s.Entity(t.Context(), access.System, "item", "bad"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("entity with a refused At: err = %v, want ErrNotFound", err)
	}
	all := []store.Entity{first, last, none}
	for _, q := range []store.Query{
		{Kind: "item", Order: store.OrderAt},
		{Kind: "item", Order: store.OrderAt, Desc: true},
		{Kind: "item", To: time.Date(2, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Kind: "item", From: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)},
		{Kind: "item", From: first.At, To: last.At, Order: store.OrderAt},
	} {
		for _, limit := range []int{1, 10} {
			checkList(t, s, all, access.System, "system", q, limit)
		}
	}
}

func testQueryRefused(t *testing.T, s store.Store) {
	putEntities(t, s, newEntity("item", "i1", 1, record.Audience{Scope: record.Public}))
	for _, q := range []store.Query{
		{Kind: "item", Order: store.Order(2)},
		{Kind: "item", Order: store.Order(-1)},
		{Kind: "item", From: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Kind: "item", To: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Kind: "item", Order: store.OrderAt, After: 1, AfterAt: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if es, _, err := s.Entities(t.Context(), access.System, q); err == nil {
			t.Errorf("%+v: Entities = %v, want an error", q, es)
		}
	}
}

// listQueries returns a query of kind "item" for every combination of the
// filters: parent, party, status, a time range (none, both bounds, either),
// and fields (none, one, two, an empty value, one nobody has).
func listQueries() []store.Query {
	ranges := [][2]time.Time{
		{},
		{listBase.Add(2 * time.Hour).In(cet), listBase.Add(5 * time.Hour)},
		{listBase.Add(3*time.Hour + time.Microsecond), time.Time{}},
		{time.Time{}, listBase.Add(4*time.Hour + time.Microsecond)},
	}
	fields := []map[string]string{nil, {"f1": "x"}, {"f1": "y", "f2": "p"}, {"f2": ""}, {"f9": "x"}}
	matches := []map[string]string{nil, {"m": "u"}, {"m": "5"}, {"m": ""}, {"m": "w", "n": "1"}}
	var qs []store.Query
	for _, parent := range []string{"", "r1"} {
		for _, party := range []string{"", "a", "b"} {
			for _, status := range []string{"", "open"} {
				for i, r := range ranges {
					for j, f := range fields {
						// Every match with every field filter, over the
						// ranges in turn: enough combinations, not all.
						m := matches[(i+j+len(qs))%len(matches)]
						qs = append(qs, store.Query{Kind: "item", Parent: parent, Party: party, Status: status, From: r[0], To: r[1], Fields: f, Match: m})
					}
				}
			}
		}
	}
	return qs
}

func testListFilters(t *testing.T, s store.Store) {
	items := listItems(90)
	putShuffled(t, s, items)
	putShuffled(t, s, withKind(items[:30], "other"))
	viewers := []struct {
		name string
		v    access.Viewer
	}{
		{"party a", access.ViewerOf(access.Principal{Party: "a", PartyRole: access.ProcessParty})},
		{"mediator", access.ViewerOf(access.Principal{Party: "med", PartyRole: access.ProcessMediator})},
		{"system", access.System},
		{"anonymous", access.Anonymous},
	}
	limits := []int{1, 2, 3, 7, 100}
	n := 0
	for _, q := range listQueries() {
		for _, order := range []store.Order{store.OrderCreated, store.OrderAt} {
			for _, desc := range []bool{false, true} {
				q.Order, q.Desc = order, desc
				vc := viewers[n%len(viewers)]
				checkList(t, s, items, vc.v, vc.name, q, limits[n%len(limits)])
				n++
			}
		}
	}
	// The whole lists, every viewer, the smallest pages.
	for _, vc := range viewers {
		for _, order := range []store.Order{store.OrderCreated, store.OrderAt} {
			for _, desc := range []bool{false, true} {
				checkList(t, s, items, vc.v, vc.name, store.Query{Kind: "item", Order: order, Desc: desc}, 1)
			}
		}
	}
}

func testListVisibility(t *testing.T, s store.Store) {
	items := listItems(60)
	putShuffled(t, s, items)
	queries := []store.Query{
		{Kind: "item", Party: "a"},
		{Kind: "item", Status: "open", Order: store.OrderAt, Desc: true},
		{Kind: "item", From: listBase.Add(2 * time.Hour), To: listBase.Add(5 * time.Hour), Order: store.OrderAt},
		{Kind: "item", Fields: map[string]string{"f1": "x"}, Desc: true},
		{Kind: "item", Parent: "r2", Party: "b", Order: store.OrderAt},
		{Kind: "item", Party: "a", Fields: map[string]string{"f1": "y"}, To: listBase.Add(4 * time.Hour), Order: store.OrderAt, Desc: true},
	}
	for _, vc := range matrixViewers() {
		for _, q := range queries {
			checkList(t, s, items, vc.v, vc.name, q, 2)
		}
	}
	// The transaction's reads take the same rule.
	errDone := errors.New("done")
	err := s.Write(t.Context(), func(tx store.Tx) error {
		for _, vc := range matrixViewers() {
			for _, q := range queries {
				checkList(t, tx, items, vc.v, vc.name+" (tx)", q, 3)
			}
		}
		return errDone
	})
	if !errors.Is(err, errDone) {
		t.Error(err)
	}
}

func testListAtTies(t *testing.T, s store.Store) {
	// Runs of equal times, zero times among them, created out of time
	// order: a page boundary falls inside every run for some limit, and
	// only (At, CreatedSeq) together tell where the next page starts.
	ats := []time.Duration{3, 1, 3, 0, 1, 3, 0, 2, 2, 3, 0, 1, 3}
	var es []store.Entity
	for i, h := range ats {
		a := record.Audience{Scope: record.Public}
		if i%4 == 3 {
			a = record.Audience{Scope: record.PartyOnly, Party: "b"}
		}
		e := newEntity("item", fmt.Sprintf("tie-%02d", i), int64(100-i*3), a)
		if h > 0 {
			e.At = listBase.Add(h * time.Hour)
		}
		e.Party = []string{"a", "b"}[i%2]
		e.Fields = map[string][]string{"g": {"1"}}
		es = append(es, e)
	}
	putShuffled(t, s, es)
	a := access.ViewerOf(access.Principal{Party: "a", PartyRole: access.ProcessParty})
	for _, v := range []struct {
		name string
		v    access.Viewer
	}{{"system", access.System}, {"party a", a}} {
		for _, q := range []store.Query{
			{Kind: "item"},
			{Kind: "item", Party: "a"},
			{Kind: "item", Fields: map[string]string{"g": "1"}},
			{Kind: "item", From: listBase.Add(time.Hour)},
			{Kind: "item", To: listBase.Add(3 * time.Hour)},
		} {
			for _, desc := range []bool{false, true} {
				for _, limit := range []int{1, 2, 3, 4, 5} {
					q.Order, q.Desc = store.OrderAt, desc
					checkList(t, s, es, v.v, v.name, q, limit)
				}
			}
		}
	}
	// A cursor in the middle of a run, taken by hand: after (1h, seq of
	// tie-04) come the 1h ones created later, then the later times.
	q := store.Query{Kind: "item", Order: store.OrderAt, After: es[4].CreatedSeq, AfterAt: es[4].At, Limit: 100}
	got, _, err := s.Entities(t.Context(), access.System, q)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	want := []string{"tie-01", "tie-08", "tie-07", "tie-12", "tie-09", "tie-05", "tie-02", "tie-00"}
	if !slices.Equal(ids, want) {
		t.Errorf("after (1h, seq %d) = %v, want %v", es[4].CreatedSeq, ids, want)
	}
	// And before it, descending: the zero times come last.
	q.Desc = true
	got, _, err = s.Entities(t.Context(), access.System, q)
	if err != nil {
		t.Fatal(err)
	}
	ids = nil
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	want = []string{"tie-11", "tie-03", "tie-06", "tie-10"}
	if !slices.Equal(ids, want) {
		t.Errorf("before (1h, seq %d), descending = %v, want %v", es[4].CreatedSeq, ids, want)
	}
	// With OrderCreated and Desc, After is "CreatedSeq below it".
	got, _, err = s.Entities(t.Context(), access.System, store.Query{Kind: "item", Desc: true, After: es[10].CreatedSeq, Limit: 2})
	if err != nil || len(got) != 2 || got[0].ID != "tie-11" || got[1].ID != "tie-12" {
		t.Errorf("OrderCreated, Desc, After %d = %v, %v; want tie-11, tie-12", es[10].CreatedSeq, got, err)
	}
}

// afterModel returns the ids q lists for v after its cursor: those of the
// model's list that its order puts past (AfterAt, After).
func afterModel(all []store.Entity, v access.Viewer, q store.Query) []string {
	cursor := store.Entity{CreatedSeq: q.After, At: q.AfterAt}
	order := listCompare(q)
	ids := []string{}
	for _, e := range all {
		if !listMatches(e, v, q) {
			continue
		}
		c := e
		c.ID = ""
		if order(c, cursor) > 0 {
			ids = append(ids, e.ID)
		}
	}
	slices.SortFunc(ids, func(x, y string) int {
		return order(byID(all, x), byID(all, y))
	})
	return ids
}

func byID(es []store.Entity, id string) store.Entity {
	i := slices.IndexFunc(es, func(e store.Entity) bool { return e.ID == id })
	return es[i]
}

func testListCursorAndRange(t *testing.T, s store.Store) {
	// Cursors that are not the last entity of a page of the range: before
	// it, past it, on its edges, at the zero time. A store that writes
	// only the tighter of the cursor and a bound of the range must pick
	// the right one.
	es := listItems(60)
	putShuffled(t, s, es)
	h := func(n int) time.Time { return listBase.Add(time.Duration(n) * time.Hour) }
	var cursors []store.Entity
	for _, at := range []time.Time{{}, h(0), h(1), h(3), h(3).Add(time.Microsecond), h(4), h(9)} {
		for _, seq := range []int64{1, 205, 10000} {
			cursors = append(cursors, store.Entity{At: at, CreatedSeq: seq})
		}
	}
	cursors = append(cursors, es[:6]...)
	ranges := [][2]time.Time{{h(1), h(4)}, {h(3), time.Time{}}, {time.Time{}, h(3)}, {h(3).Add(time.Microsecond), h(4)}, {}}
	for _, r := range ranges {
		for _, c := range cursors {
			for _, desc := range []bool{false, true} {
				for _, order := range []store.Order{store.OrderAt, store.OrderCreated} {
					q := store.Query{Kind: "item", From: r[0], To: r[1], Order: order, Desc: desc, After: c.CreatedSeq, AfterAt: c.At, Limit: 100}
					want := afterModel(es, access.System, q)
					got, _, err := s.Entities(t.Context(), access.System, q)
					if err != nil {
						t.Fatal(err)
					}
					ids := []string{}
					for _, e := range got {
						ids = append(ids, e.ID)
					}
					if !slices.Equal(ids, want) {
						t.Errorf("%s, after (%v, %d):\n got %v\nwant %v", describe(q), c.At, c.CreatedSeq, ids, want)
					}
				}
			}
		}
	}
}

func testListInTx(t *testing.T, s store.Store) {
	items := listItems(30)
	putShuffled(t, s, items[:20])
	a := access.ViewerOf(access.Principal{Party: "a", PartyRole: access.ProcessParty})
	// Uncommitted entities, and new versions with other fields, are
	// listed by the transaction that put them, and by nobody else until
	// it commits.
	changed := slices.Clone(items)
	for i := range 10 {
		changed[i].Version = 2
		changed[i].Fields = map[string][]string{"f1": {"z"}}
		changed[i].Party = "a"
	}
	queries := []store.Query{
		{Kind: "item", Fields: map[string]string{"f1": "z"}},
		{Kind: "item", Fields: map[string]string{"f1": "x"}, Order: store.OrderAt},
		{Kind: "item", Party: "a", Desc: true},
	}
	inside := errors.New("checked inside")
	err := s.Write(t.Context(), func(tx store.Tx) error {
		for _, e := range append(slices.Clone(changed[:10]), items[20:]...) {
			if err := tx.PutEntity(t.Context(), e); err != nil {
				return err
			}
		}
		for _, q := range queries {
			checkList(t, tx, changed, a, "party a (tx)", q, 3)
			checkList(t, s, items[:20], a, "party a (outside)", q, 3)
		}
		return inside
	})
	if !errors.Is(err, inside) {
		t.Fatal(err)
	}
	// Rolled back: as before.
	for _, q := range queries {
		checkList(t, s, items[:20], a, "party a (after rollback)", q, 3)
	}
}

func testRebuildClearsFields(t *testing.T, s store.Store) {
	rs := make([]store.Record, 4)
	for i := range rs {
		rs[i] = newRecord("note", record.Audience{Scope: record.Public}, -1)
		appendRecords(t, s, &rs[i])
	}
	// Before the rebuild: an entity no record projects, and one the
	// rebuild projects anew, both with fields and list columns.
	stale := newEntity("projected", "stale", 1, record.Audience{Scope: record.Public})
	stale.Fields = map[string][]string{"kind": {"note"}, "old": {"1"}}
	stale.Party = "a"
	old := newEntity("projected", rs[0].ID, rs[0].Seq, record.Audience{Scope: record.Public})
	old.Fields = map[string][]string{"old": {"1"}}
	old.At = listBase
	putEntities(t, s, stale, old)

	// The projection gives every entity a field, a party and a time.
	err := s.Rebuild(t.Context(), func(tx store.Tx, r store.Record) error {
		return tx.PutEntity(t.Context(), store.Entity{
			Kind: "projected", ID: r.ID, Audience: r.Audience, RecordID: r.ID, Version: 1,
			CreatedSeq: r.Seq, Created: r.At, Updated: r.At, Party: "b", At: r.At,
			Fields: map[string][]string{"kind": {r.Kind}},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []store.Entity
	for _, r := range rs {
		want = append(want, store.Entity{Kind: "projected", ID: r.ID, CreatedSeq: r.Seq, At: r.At, Party: "b",
			Audience: r.Audience, Fields: map[string][]string{"kind": {r.Kind}}})
	}
	for _, q := range []store.Query{
		{Kind: "projected"},
		{Kind: "projected", Fields: map[string]string{"kind": "note"}},
		{Kind: "projected", Fields: map[string]string{"old": "1"}},
		{Kind: "projected", Party: "a"},
		{Kind: "projected", Party: "b", Order: store.OrderAt, Desc: true},
		{Kind: "projected", From: listBase},
	} {
		checkList(t, s, want, access.System, "system", q, 3)
	}
	got, err := s.Entity(t.Context(), access.System, "projected", rs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Fields, map[string][]string{"kind": {"note"}}) || got.Party != "b" || !got.At.Equal(rs[0].At) {
		t.Errorf("rebuilt entity = %+v, want only the rebuild's fields, party and time", got)
	}
}

// fields makes entity fields of one value each.
func fields(m map[string]string) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = []string{v}
	}
	return out
}

// CheckListUpgrade checks, on a store just migrated from before the list
// columns (schema version 4), that the entity round r1 (parent p, public,
// CreatedSeq 7) made before has no party, status, time or fields, is
// listed as such, and takes them once put anew.
func CheckListUpgrade(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	got, err := s.Entity(ctx, access.System, "round", "r1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Party != "" || got.Status != "" || !got.At.IsZero() || got.Fields != nil || got.CreatedSeq != 7 {
		t.Fatalf("entity from before the upgrade = %+v; want no party, status, time or fields", got)
	}
	for _, q := range []store.Query{
		{Kind: "round", Order: store.OrderAt},
		{Kind: "round", Order: store.OrderAt, Desc: true, After: 8},
		{Kind: "round", Parent: "p", Order: store.OrderAt},
	} {
		q.Limit = 10
		es, _, err := s.Entities(ctx, access.Anonymous, q)
		if err != nil || len(es) != 1 || es[0].ID != "r1" {
			t.Errorf("%s after the upgrade = %v, %v; want r1", describe(q), es, err)
		}
	}
	for _, q := range []store.Query{
		{Kind: "round", Party: "a"},
		{Kind: "round", From: listBase},
		{Kind: "round", Fields: map[string]string{"f": "x"}},
	} {
		q.Limit = 10
		if es, _, err := s.Entities(ctx, access.Anonymous, q); err != nil || len(es) != 0 {
			t.Errorf("%s after the upgrade = %v, %v; want none", describe(q), es, err)
		}
	}
	got.Version++
	got.Party, got.Status, got.At, got.Fields = "a", "open", listBase, map[string][]string{"f": {"x"}}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.PutEntity(ctx, got) }); err != nil {
		t.Fatal(err)
	}
	for _, q := range []store.Query{
		{Kind: "round", Party: "a", Status: "open"},
		{Kind: "round", From: listBase, Order: store.OrderAt},
		{Kind: "round", Fields: map[string]string{"f": "x"}},
	} {
		q.Limit = 10
		if es, _, err := s.Entities(ctx, access.Anonymous, q); err != nil || len(es) != 1 {
			t.Errorf("%s after putting r1 anew = %v, %v; want r1", describe(q), es, err)
		}
	}
}
