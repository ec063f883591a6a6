package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/store"
)

// planQueries returns a query for every combination of filters, orders,
// directions and cursors.
func planQueries() []store.Query {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var qs []store.Query
	for _, parent := range []string{"", "r"} {
		for _, party := range []string{"", "a"} {
			for _, status := range []string{"", "open"} {
				for _, rng := range [][2]time.Time{{}, {t0, t0.AddDate(0, 1, 0)}, {t0, time.Time{}}, {time.Time{}, t0}} {
					for _, fields := range []map[string]string{nil, {"f": "x"}, {"f": "x", "g": "y"}} {
						for _, order := range []store.Order{store.OrderCreated, store.OrderAt} {
							for _, desc := range []bool{false, true} {
								// No cursor; cursors at the zero time, at
								// the range's edge, inside it, and past it.
								for _, c := range []struct {
									after int64
									at    time.Time
								}{{0, time.Time{}}, {1000, time.Time{}}, {1000, t0}, {1000, t0.AddDate(0, 0, 10)}, {1000, t0.AddDate(1, 0, 0)}} {
									qs = append(qs, store.Query{Kind: "k", Parent: parent, Party: party, Status: status,
										From: rng[0], To: rng[1], Fields: fields, Order: order, Desc: desc, After: c.after, AfterAt: c.at, Limit: 50})
								}
							}
						}
					}
				}
			}
		}
	}
	return qs
}

// TestListPlans checks the plan of every combination: the list reads the
// index listIndex names, with the cursor and, in At order, the time range
// as bounds of that index; no table or index is scanned whole and no sort
// holds the matching rows (the one sort allowed is of rows tied on the
// order's last column, for the id that breaks ties). Of items, the index
// read is bounded by the kind alone when the list filters by party or
// status (checked on the rows), and one field value's items are sorted by
// time (migration 0012).
func TestListPlans(t *testing.T) {
	s := openTemp(t)
	v := access.ViewerOf(access.Principal{Party: "a", PartyRole: access.ProcessParty})
	for _, src := range []source{entityRows, itemRows} {
		for _, q := range planQueries() {
			checkPlan(t, s, v, src, q)
		}
	}
}

// checkPlan checks the plan of one list of src.
func checkPlan(t *testing.T, s *Store, v access.Viewer, src source, q store.Query) {
	t.Helper()
	{
		var a args
		sq := listQuery(src, v, q, q.Limit, &a)
		lines := explain(t, s, sq, a)
		plan := strings.Join(lines, "\n")
		alias := "e"
		if len(q.Fields) > 0 && q.Parent == "" {
			alias = "d"
		}
		lead := "SEARCH " + alias + " USING INDEX " + listIndex(src, q, alias == "d") + " ("
		if listIndex(src, q, alias == "d") == primaryKey {
			lead = "SEARCH " + alias + " USING PRIMARY KEY ("
		}
		if len(lines) > 0 && src.item {
			// An item's row is found by the created_seq its fields' index holds.
			lines[0] = strings.Replace(lines[0], " USING COVERING INDEX ", " USING INDEX ", 1)
		}
		if len(lines) == 0 || !strings.HasPrefix(lines[0], lead) {
			t.Errorf("%s %+v: plan\n%s\ndoes not start with %q", src.table, q, plan, lead)
			return
		}
		if src.item && alias == "d" && q.Order == store.OrderAt {
			// The items of one field value, sorted by time (migration
			// 0012): read by the key, bounded by the value alone.
			if strings.Contains(plan, "SCAN ") || !strings.HasPrefix(lines[0], lead+"kind=? AND name=? AND value=?") {
				t.Errorf("%s %+v: plan\n%s\ndoes not read one value's range of the key", src.table, q, plan)
			}
			return
		}
		if strings.Contains(plan, "SCAN ") || strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("%s %+v: plan\n%s\nscans or sorts", src.table, q, plan)
		}
		// Every bound the query writes on the order's columns bounds the
		// index range: with OrderAt the range and the cursor, else the
		// cursor (a time range is then checked on the rows).
		var written int
		for _, c := range []string{".created_seq > ", ".created_seq < ", ".created_seq) "} {
			written += strings.Count(sq, c)
		}
		if q.Order == store.OrderAt {
			written += strings.Count(sq, ".at > ") + strings.Count(sq, ".at >= ") + strings.Count(sq, ".at < ")
		}
		var bounds int
		for c := range strings.SplitSeq(strings.TrimSuffix(lines[0][len(lead):], ")"), " AND ") {
			if strings.HasPrefix(c, "at") || strings.HasPrefix(c, "(at,") || strings.HasPrefix(c, "created_seq") {
				bounds++
			}
		}
		if bounds != written {
			t.Errorf("%s %+v: query\n%s\nwrites %d bounds on at and created_seq, the plan\n%s\nbounds the index by %d", src.table, q, sq, written, plan, bounds)
		}
	}
}

// explain returns the detail column of EXPLAIN QUERY PLAN, line by line.
func explain(t *testing.T, s *Store, query string, a args) []string {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, a...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}
