package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parley-project/parley/geo"
	"github.com/parley-project/parley/monitor"
)

// line is a line of contact about 1,000 km long, as the demo draws it.
var line = []geo.Point{{Lon: 37.6, Lat: 49.9}, {Lon: 38.0, Lat: 49.0}, {Lon: 37.8, Lat: 48.6}, {Lon: 37.4, Lat: 48.2}, {Lon: 36.6, Lat: 47.8},
	{Lon: 36.0, Lat: 47.55}, {Lon: 35.4, Lat: 47.45}, {Lon: 34.6, Lat: 47.3}, {Lon: 33.4, Lat: 46.8}, {Lon: 32.5, Lat: 46.5}}

// connect opens the PostGIS database, or skips saying why there is none.
func connect(tb testing.TB) *pgx.Conn {
	tb.Helper()
	url := os.Getenv("PARLEY_TEST_POSTGIS")
	if url == "" {
		tb.Skip("PARLEY_TEST_POSTGIS is not set: no PostGIS database to compare with (scripts/postgis-bench makes one and runs this)")
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatalf("PARLEY_TEST_POSTGIS: %v", err)
	}
	tb.Cleanup(func() { c.Close(context.Background()) })
	if _, err := c.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
		tb.Fatalf("PostGIS is not installed in the database PARLEY_TEST_POSTGIS names: %v", err)
	}
	return c
}

// zones makes the zones reports are classified against: the line, 24
// regions tiling the area, the plant's exclusion disc, and 300 protected
// objects with a radius of 1 to 3 km, half of them polygons.
func zones() []*monitor.Zone {
	r := rand.New(rand.NewPCG(7, 7))
	var out []*monitor.Zone
	cs := make([][2]float64, len(line))
	for i, p := range line {
		cs[i] = [2]float64{p.Lon, p.Lat}
	}
	out = append(out, &monitor.Zone{Name: "line", ZoneType: monitor.ZoneContactLine, LeftParty: "b", RightParty: "a", Geometry: geometry("LineString", cs)})
	for x := range 6 {
		for y := range 4 {
			lon, lat := 32.0+float64(x)*1.0, 46.0+float64(y)*1.0
			out = append(out, &monitor.Zone{Name: fmt.Sprintf("region %d,%d", x, y), ZoneType: monitor.ZoneRegion,
				Geometry: geometry("Polygon", [][][2]float64{{{lon, lat}, {lon + 1, lat}, {lon + 1, lat + 1}, {lon, lat + 1}, {lon, lat}}})})
		}
	}
	out = append(out, &monitor.Zone{Name: "plant", ZoneType: monitor.ZoneExclusion, RadiusKm: 30, Geometry: `{"type":"Point","coordinates":[34.5853,47.5069]}`})
	for i := range 300 {
		p := line[r.IntN(len(line)-1)]
		q := geo.Point{Lon: p.Lon + r.NormFloat64()*0.6, Lat: p.Lat + r.NormFloat64()*0.3}
		z := &monitor.Zone{Name: fmt.Sprintf("object %d", i), ZoneType: monitor.ZoneProtected, ProtectedClass: "energy"}
		if i%2 == 0 {
			z.RadiusKm, z.Geometry = 1+2*r.Float64(), geometry("Point", [2]float64{q.Lon, q.Lat})
		} else {
			d := 0.005 + 0.02*r.Float64()
			z.Geometry = geometry("Polygon", [][][2]float64{{{q.Lon - d, q.Lat - d}, {q.Lon + d, q.Lat - d}, {q.Lon + d, q.Lat + d}, {q.Lon - d, q.Lat + d}, {q.Lon - d, q.Lat - d}}})
		}
		out = append(out, z)
	}
	return out
}

func geometry(typ string, coordinates any) string {
	b, err := json.Marshal(map[string]any{"type": typ, "coordinates": coordinates})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// load puts the zones and the reports in fresh tables of the database,
// with GiST indexes, as an analyst would.
func load(tb testing.TB, c *pgx.Conn, zs []*monitor.Zone, reports []monitor.Generated) {
	tb.Helper()
	ctx := context.Background()
	for _, q := range []string{
		"DROP TABLE IF EXISTS parley_zones, parley_reports",
		"CREATE TABLE parley_zones (id int PRIMARY KEY, kind text NOT NULL, radius_m float8 NOT NULL, geom geometry(Geometry, 4326) NOT NULL)",
		"CREATE TABLE parley_reports (id int PRIMARY KEY, at timestamptz NOT NULL, weapon text NOT NULL, source text NOT NULL, geom geometry(Point, 4326) NOT NULL)",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			tb.Fatal(err)
		}
	}
	for i, z := range zs {
		if _, err := c.Exec(ctx, "INSERT INTO parley_zones VALUES ($1, $2, $3, ST_SetSRID(ST_GeomFromGeoJSON($4), 4326))", i, string(z.ZoneType), z.RadiusKm*1000, z.Geometry); err != nil {
			tb.Fatal(err)
		}
	}
	rows := make([][]any, len(reports))
	for i, g := range reports {
		at, _ := time.Parse(time.RFC3339, g.Report.OccurredAt)
		rows[i] = []any{i, at, g.Report.WeaponClass, g.Source, fmt.Sprintf("SRID=4326;POINT(%s %s)",
			strconv.FormatFloat(*g.Report.Lon, 'f', -1, 64), strconv.FormatFloat(*g.Report.Lat, 'f', -1, 64))}
	}
	// EWKT text goes in through a staging table: COPY takes it as text.
	if _, err := c.Exec(ctx, "CREATE TEMP TABLE staging (id int, at timestamptz, weapon text, source text, geom text)"); err != nil {
		tb.Fatal(err)
	}
	if _, err := c.CopyFrom(ctx, pgx.Identifier{"staging"}, []string{"id", "at", "weapon", "source", "geom"}, pgx.CopyFromRows(rows)); err != nil {
		tb.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO parley_reports SELECT id, at, weapon, source, geom::geometry FROM staging",
		"DROP TABLE staging",
		"CREATE INDEX ON parley_zones USING gist (geom)",
		"CREATE INDEX ON parley_zones USING gist ((geom::geography))",
		"CREATE INDEX ON parley_reports USING gist (geom)",
		"ANALYZE parley_zones", "ANALYZE parley_reports",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			tb.Fatal(err)
		}
	}
}

// classifyQuery is PostGIS's classification: for each report, the zones
// that contain it (a polygon intersecting it, or a disc within its radius,
// on the sphere), the nearest protected object and the distance to it
// (the nearest eight on the sphere by the index, the nearest of them once
// their radius is taken off), and the distance to the line of contact.
// The line is cut into pieces of 0.01 degrees first: GeoJSON draws a line
// straight in longitude and latitude, as parley does, where a geography's
// line follows the great circle, up to hundreds of metres away over a
// segment of 100 km.
const classifyQuery = `
SELECT r.id,
  (SELECT coalesce(array_agg(z.id ORDER BY z.id), '{}') FROM parley_zones z
    WHERE z.kind <> 'contact-line' AND (
      (z.radius_m = 0 AND ST_Intersects(z.geom, r.geom)) OR
      (z.radius_m > 0 AND ST_DWithin(z.geom::geography, r.geom::geography, z.radius_m)))) AS zones,
  p.id AS protected,
  greatest(0, p.d - p.radius_m) / 1000 AS protected_km,
  ST_Distance(l.geog, r.geom::geography) / 1000 AS line_km
FROM parley_reports r
CROSS JOIN LATERAL (SELECT id, radius_m, d FROM (
    SELECT z.id, z.radius_m, ST_Distance(z.geom::geography, r.geom::geography) AS d FROM parley_zones z
    WHERE z.kind = 'protected-object' ORDER BY z.geom::geography <-> r.geom::geography LIMIT 8) near
  ORDER BY greatest(0, d - radius_m), id LIMIT 1) p
CROSS JOIN (SELECT ST_Segmentize(geom, 0.01)::geography AS geog FROM parley_zones WHERE kind = 'contact-line') l`

// TestClassificationAgainstPostGIS classifies 2,000 generated reports with
// parley and with PostGIS and compares, report by report: the zones that
// contain it, and the distances to the nearest protected object and to
// the line of contact. They may differ only where a report lies within
// 100 m of a boundary (the two measure a sphere a little differently),
// and the nearest object only where two are within 1% of each other.
func TestClassificationAgainstPostGIS(t *testing.T) {
	c := connect(t)
	ctx := context.Background()
	zs := zones()
	reports := monitor.Generate(monitor.GenConfig{Reports: 2000, Line: line, Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), EventsPerDay: 900, Seed: 3})
	load(t, c, zs, reports)
	ids := make([]string, len(zs))
	for i := range zs {
		ids[i] = strconv.Itoa(i)
	}
	placed, err := monitor.Place(ids, zs)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := c.Query(ctx, classifyQuery+" ORDER BY r.id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	compared, near := 0, 0
	for rows.Next() {
		var id, protected int
		var inZones []int32
		var protectedKm, lineKm float64
		if err := rows.Scan(&id, &inZones, &protected, &protectedKm, &lineKm); err != nil {
			t.Fatal(err)
		}
		rep := &reports[id].Report
		cl := monitor.Classify(placed, rep)
		var got []int32
		for _, z := range cl.Zones {
			n, _ := strconv.Atoi(z)
			got = append(got, int32(n))
		}
		slices.Sort(got)
		p, _ := rep.Point()
		if !slices.Equal(got, inZones) {
			// A disagreement is allowed only on a boundary.
			for _, z := range symmetricDifference(got, inZones) {
				if d := boundaryDistance(zs[z], p); d > 100 {
					t.Errorf("report %d at %v: parley places it in zones %v, PostGIS in %v; zone %d's boundary is %.0f m away", id, p, got, inZones, z, d)
				}
			}
			near++
		}
		if math.Abs(cl.LineKm-lineKm) > 0.1+0.005*lineKm {
			t.Errorf("report %d: %.3f km from the line by parley, %.3f by PostGIS", id, cl.LineKm, lineKm)
		}
		if math.Abs(cl.ProtectedKm-protectedKm) > 0.1+0.01*protectedKm {
			t.Errorf("report %d: nearest protected object %s at %.3f km by parley, %d at %.3f km by PostGIS", id, cl.Protected, cl.ProtectedKm, protected, protectedKm)
		}
		compared++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if compared != len(reports) {
		t.Fatalf("PostGIS classified %d reports of %d", compared, len(reports))
	}
	t.Logf("%d reports compared with PostGIS; %d differ in their zones, each within 100 m of a boundary", compared, near)
}

func symmetricDifference(a, b []int32) []int {
	var out []int
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, int(x))
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, int(x))
		}
	}
	return out
}

// boundaryDistance is how far p is from the edge of zone z, in metres.
func boundaryDistance(z *monitor.Zone, p geo.Point) float64 {
	g, _ := z.Parsed()
	if len(g.Points) > 0 {
		return math.Abs(g.DistanceFrom(p) - z.RadiusKm*1000)
	}
	var edges geo.Geometry
	for _, poly := range g.Polygons {
		edges.Lines = append(edges.Lines, poly...)
	}
	return edges.DistanceFrom(p)
}

// BenchmarkAgainstPostGIS classifies and clusters the same generated
// reports (PARLEY_POSTGIS_REPORTS, default 1,000,000) with parley and with
// PostGIS, side by side: parley in memory, PostGIS over tables with GiST
// indexes, its results materialised in the database, as an analyst's
// query would. Loading the tables is not timed. parley's corroboration is
// Corroborate, from the reports, as parley's pages and classify-cluster
// run it. The clustering alone, nine runs of each:
//
//	PARLEY_TEST_POSTGIS=... go test ./monitor/postgis -run '^$' -bench 'AgainstPostGIS/(parley|postgis)-cluster' -benchtime 9x
//
//	scripts/postgis-bench
func BenchmarkAgainstPostGIS(b *testing.B) {
	c := connect(b)
	ctx := context.Background()
	n := 1_000_000
	if v := os.Getenv("PARLEY_POSTGIS_REPORTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	zs := zones()
	reports := monitor.Generate(monitor.GenConfig{Reports: n, Line: line, Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), EventsPerDay: 900, Seed: 1})
	load(b, c, zs, reports)
	ids := make([]string, len(zs))
	for i := range zs {
		ids[i] = strconv.Itoa(i)
	}
	// The median of the runs (-benchtime Nx) of each, and the fastest:
	// these machines are shared, and a run slowed by a neighbour says
	// nothing of either side.
	var took = map[string][]time.Duration{}
	run := func(name string, fn func()) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				start := time.Now()
				fn()
				took[name] = append(took[name], time.Since(start))
			}
			slices.Sort(took[name])
			b.ReportMetric(float64(median(took[name]).Nanoseconds())/float64(len(reports)), "ns/report")
		})
	}
	run("parley-classify", func() {
		placed, err := monitor.Place(ids, zs)
		if err != nil {
			b.Fatal(err)
		}
		for i := range reports {
			monitor.Classify(placed, &reports[i].Report)
		}
	})
	run("postgis-classify", func() {
		if _, err := c.Exec(ctx, "DROP TABLE IF EXISTS parley_classified"); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Exec(ctx, "CREATE UNLOGGED TABLE parley_classified AS "+classifyQuery); err != nil {
			b.Fatal(err)
		}
	})
	rs := make([]*monitor.Report, len(reports))
	for i := range reports {
		rs[i] = &reports[i].Report
	}
	run("parley-cluster", func() {
		monitor.Corroborate(rs, monitor.DefaultClusterConfig, monitor.Links{})
	})
	// ST_ClusterDBSCAN bucketed by weapon and hour, in a metric
	// projection, its eps the distance scaled to these latitudes.
	run("postgis-cluster", func() {
		if _, err := c.Exec(ctx, "DROP TABLE IF EXISTS parley_clustered"); err != nil {
			b.Fatal(err)
		}
		eps := monitor.DefaultClusterConfig.Distance / math.Cos(48.5*math.Pi/180)
		q := fmt.Sprintf(`CREATE UNLOGGED TABLE parley_clustered AS SELECT id, ST_ClusterDBSCAN(ST_Transform(geom, 3857), eps => %g, minpoints => 1)
			OVER (PARTITION BY weapon, date_trunc('hour', at)) AS cluster FROM parley_reports`, eps)
		if _, err := c.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	})
	for _, what := range []string{"classify", "cluster"} {
		p, g := took["parley-"+what], took["postgis-"+what]
		if len(p) > 0 && len(g) > 0 {
			b.Logf("%d reports, %s, median of %d runs: parley %v, PostGIS %v (%.1fx); fastest: parley %v, PostGIS %v (%.1fx)", len(reports), what, len(p),
				median(p).Round(time.Millisecond), median(g).Round(time.Millisecond), float64(median(g))/float64(median(p)),
				p[0].Round(time.Millisecond), g[0].Round(time.Millisecond), float64(g[0])/float64(p[0]))
		}
	}
}

// median is the middle of sorted durations.
func median(d []time.Duration) time.Duration {
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}
