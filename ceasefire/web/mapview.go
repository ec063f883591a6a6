package ceasefireweb

import (
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/fault"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/vocab"
	"github.com/parley-project/parley/web"
)

// mapAssets are the map's front-end parts that npm installs (Leaflet and
// Natural Earth's countries, see map/package.json) and parley's own script:
// the map needs no tile server and no other site, so it works on an
// isolated network.
//
//go:embed map/assets static/map.js static/map.css
var mapAssets embed.FS

// mapReady reports whether npm installed the map's parts before this
// binary was built.
func mapReady() bool {
	_, err := fs.Stat(mapAssets, "map/assets/leaflet.js")
	return err == nil
}

// mapCSP is the map page's policy: the site's, with its own scripts, its
// own data to fetch, and Leaflet's inline styles set from script.
const mapCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// basemapGeoJSON is Natural Earth's countries as GeoJSON, made once from
// the embedded TopoJSON.
var basemapGeoJSON = sync.OnceValues(func() ([]byte, error) {
	topo, err := mapAssets.ReadFile("map/assets/countries-50m.json")
	if err != nil {
		return nil, err
	}
	return TopoToGeoJSON(topo, "countries")
})

func (x *Section) mapAsset(w http.ResponseWriter, r *http.Request, _ *access.Principal) error {
	name := r.PathValue("file")
	var b []byte
	var err error
	ctype := ""
	switch name {
	case "leaflet.js", "leaflet.css", "LICENSE", "LICENSE-world-atlas":
		b, err = mapAssets.ReadFile("map/assets/" + name)
	case "map.js", "map.css":
		b, err = mapAssets.ReadFile("static/" + name)
	case "countries.geojson":
		b, err = basemapGeoJSON()
		ctype = "application/geo+json"
	default:
		return web.ErrNotFound
	}
	if err != nil {
		return web.ErrNotFound
	}
	switch path.Ext(name) {
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	case "":
		ctype = "text/plain; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(b)
	return err
}

// mapView is the map page: the filters' choices.
type mapView struct {
	ID, Title string
	Ready     bool
	Phases    []ceasefire.PhaseState
	Parties   []string
	Weapons   []string
	Statuses  []string
}

// The verification states the map filters on.
var mapStatuses = []string{"violation", "breaks-unverified", "verified", "unverified"}

func (x *Section) mapPage(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	return x.withBoard(r, caller, func(b *Board) error {
		w.Header().Set("Content-Security-Policy", mapCSP)
		v := mapView{ID: b.ID, Title: b.Ceasefire.Title, Ready: mapReady(), Phases: b.States, Parties: b.Ceasefire.Parties,
			Weapons: vocab.WeaponClasses, Statuses: mapStatuses}
		x.site.Render(w, r, caller, http.StatusOK, "ceasefire_map", web.Page{Title: web.T(r, "Map: %s", b.Ceasefire.Title), Nav: "ceasefire", Data: v})
		return nil
	})
}

// mapFilter is what the map shows: incidents in a box, of a time, phase,
// party, weapon and verification state.
type mapFilter struct {
	from, until   time.Time
	phase         int
	party, weapon string
	status        string
	west, south   float64
	east, north   float64
	zoom          int
	hasBox        bool
	// p writes what the map says of the incidents, in the reader's
	// language.
	p *i18n.Printer
}

func parseMapFilter(r *http.Request) (mapFilter, error) {
	q := r.URL.Query()
	f := mapFilter{zoom: 5, p: web.Printer(r)}
	var err error
	if v := q.Get("from"); v != "" {
		if f.from, err = time.Parse(time.DateOnly, v); err != nil {
			return f, fault.New(app.CodeInvalid, "from", "is not a day, YYYY-MM-DD")
		}
	}
	if v := q.Get("until"); v != "" {
		if f.until, err = time.Parse(time.DateOnly, v); err != nil {
			return f, fault.New(app.CodeInvalid, "until", "is not a day, YYYY-MM-DD")
		}
		f.until = f.until.AddDate(0, 0, 1) // the last day is included
	}
	if v := q.Get("phase"); v != "" {
		if f.phase, err = strconv.Atoi(v); err != nil || f.phase < 0 {
			return f, fault.New(app.CodeInvalid, "phase", "is not a phase number")
		}
	}
	f.party, f.weapon, f.status = q.Get("party"), q.Get("weapon"), q.Get("status")
	if f.status != "" && !slices.Contains(mapStatuses, f.status) {
		return f, fault.New(app.CodeInvalid, "status", "is not one of %s", strings.Join(mapStatuses, ", "))
	}
	if f.weapon != "" && !slices.Contains(vocab.WeaponClasses, f.weapon) {
		return f, fault.New(app.CodeInvalid, "weapon", "%q is not a weapon class", f.weapon)
	}
	if v := q.Get("zoom"); v != "" {
		if f.zoom, err = strconv.Atoi(v); err != nil || f.zoom < 0 || f.zoom > maxZoom {
			return f, fault.New(app.CodeInvalid, "zoom", "is not a zoom level from 0 to %d", maxZoom)
		}
	}
	if v := q.Get("bbox"); v != "" {
		var c [4]float64
		parts := strings.Split(v, ",")
		if len(parts) != 4 {
			return f, fault.New(app.CodeInvalid, "bbox", "is not west,south,east,north")
		}
		for i, p := range parts {
			if c[i], err = strconv.ParseFloat(p, 64); err != nil || math.IsNaN(c[i]) {
				return f, fault.New(app.CodeInvalid, "bbox", "is not west,south,east,north in degrees")
			}
		}
		f.west, f.south, f.east, f.north, f.hasBox = c[0], c[1], c[2], c[3], true
	}
	return f, nil
}

// cell is a square of the map's grid at a zoom level, and the incidents
// in it: one marker for many, so that a year of incidents draws as fast
// as a day's.
type cell struct {
	Lat       float64 `json:"lat"`
	Lon       float64 `json:"lon"`
	N         int     `json:"n"`
	Violation int     `json:"violations"`
	// ID and What describe the incident of a cell that holds one; What
	// says how many a cell of more holds, for its tooltip.
	ID   string `json:"id,omitempty"`
	What string `json:"what,omitempty"`
}

type mapData struct {
	// Total counts the incidents the filters keep, placed or not;
	// Unplaced those the monitors did not place.
	Total    int    `json:"total"`
	Unplaced int    `json:"unplaced"`
	Cells    []cell `json:"cells"`
	// Status says how many incidents the filters keep, for the page.
	Status string `json:"status"`
}

// maxZoom is the closest the map zooms in (Leaflet's maxZoom in map.js):
// a cell is then some 300 metres across.
const maxZoom = 14

// maxCells bounds the cells of one answer: a view of the whole world at
// the closest zoom is counted at a coarser one, so that no request makes
// an answer of every incident.
const maxCells = 20000

// aggregate keeps the board's incidents that f selects and counts them
// into the cells of the grid of f's zoom level: cells of about 32 pixels.
func aggregate(b *Board, f mapFilter) mapData {
	west, south, east, north := -180.0, -90.0, 180.0, 90.0
	if f.hasBox {
		west, south, east, north = f.west, f.south, f.east, f.north
	}
	size := 360 / math.Pow(2, float64(f.zoom)) / 8
	for (east-west)/size*(north-south)/size > maxCells {
		size *= 2
	}
	type acc struct {
		lat, lon float64
		c        cell
	}
	cells := map[[2]int]*acc{}
	var d mapData
	for i, j := range b.Judgments {
		in := &b.Incidents[i]
		if !f.from.IsZero() && in.At.Before(f.from) || !f.until.IsZero() && !in.At.Before(f.until) ||
			f.phase > 0 && j.Phase != f.phase || f.weapon != "" && in.Weapon != f.weapon || f.party != "" && j.Party != f.party {
			continue
		}
		verified := in.VerifiedBy(b.At)
		switch f.status {
		case "violation":
			if !j.Violation {
				continue
			}
		case "breaks-unverified":
			if len(j.Breaks) == 0 || verified {
				continue
			}
		case "verified":
			if !verified {
				continue
			}
		case "unverified":
			if verified {
				continue
			}
		}
		d.Total++
		if in.Where == nil {
			d.Unplaced++
			continue
		}
		p := *in.Where
		if f.hasBox && (p.Lat < f.south || p.Lat > f.north || p.Lon < f.west || p.Lon > f.east) {
			continue
		}
		k := [2]int{int(math.Floor(p.Lat / size)), int(math.Floor(p.Lon / size))}
		a := cells[k]
		if a == nil {
			a = &acc{}
			cells[k] = a
		}
		a.lat += p.Lat
		a.lon += p.Lon
		a.c.N++
		if j.Violation {
			a.c.Violation++
		}
		if a.c.N == 1 {
			a.c.ID = in.ID
			a.c.What = f.p.T("%s against %s, %s", f.p.Word(in.Weapon), f.p.Word(in.Target), utc(f.p, in.At))
			if len(j.Breaks) > 0 {
				a.c.What += f.p.T("; breaks %s of phase %d", strings.Join(j.Breaks, ", "), j.Phase)
			}
		} else {
			a.c.ID, a.c.What = "", ""
		}
	}
	d.Cells = make([]cell, 0, len(cells))
	for _, a := range cells {
		a.c.Lat, a.c.Lon = a.lat/float64(a.c.N), a.lon/float64(a.c.N)
		if a.c.N > 1 {
			a.c.What = f.p.T("%d incidents", a.c.N)
			if a.c.Violation > 0 {
				a.c.What += ", " + f.p.T("%d violations", a.c.Violation)
			}
			a.c.What += ": " + f.p.T("click to zoom in")
		}
		d.Cells = append(d.Cells, a.c)
	}
	d.Status = f.p.T("%d incidents match", d.Total)
	if d.Unplaced > 0 {
		d.Status += ", " + f.p.T("%d of them not placed by the monitors", d.Unplaced)
	}
	d.Status += "."
	// The largest first, then by place: the same view gives the same
	// answer, whatever order the cells were counted in.
	slices.SortFunc(d.Cells, func(a, b cell) int { return cmp.Or(b.N-a.N, cmp.Compare(a.Lat, b.Lat), cmp.Compare(a.Lon, b.Lon)) })
	return d
}

func (x *Section) mapData(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	f, err := parseMapFilter(r)
	if err != nil {
		// The map's script reads the answer: a refusal in JSON, naming
		// the parameter, which it shows.
		var e *app.Error
		errors.As(err, &e)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		return json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": string(e.Code), "field": e.Field,
			"message": e.Field + " " + web.ErrorText(web.Printer(r), e)}})
	}
	var d mapData
	if err := x.withBoard(r, caller, func(b *Board) error { d = aggregate(b, f); return nil }); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(d)
}

// zonesGeoJSON serves the zones the caller may see, for the map: a point
// with a radius as its point and radius, which the map draws as a circle.
func (x *Section) zonesGeoJSON(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	if _, err := x.site.Service().Get(r.Context(), caller, ceasefire.KindCeasefire, r.PathValue("id")); err != nil {
		return err
	}
	es, err := x.site.Service().All(r.Context(), caller, ceasefire.ZoneKind, "")
	if err != nil {
		return err
	}
	out := newFeatures()
	for _, e := range es {
		var z struct {
			Name           string  `json:"name"`
			ZoneType       string  `json:"zone_type"`
			Geometry       string  `json:"geometry"`
			RadiusKm       float64 `json:"radius_km"`
			ProtectedClass string  `json:"protected_class"`
		}
		if json.Unmarshal(e.Body, &z) != nil || !json.Valid([]byte(z.Geometry)) {
			continue
		}
		out.add(json.RawMessage(z.Geometry),
			map[string]any{"id": e.ID, "name": z.Name, "zone_type": z.ZoneType, "radius_km": z.RadiusKm, "protected_class": z.ProtectedClass})
	}
	w.Header().Set("Content-Type", "application/geo+json")
	return json.NewEncoder(w).Encode(out)
}

// TopoToGeoJSON turns the TopoJSON object name (Natural Earth's countries,
// as world-atlas ships them: quantized, delta-encoded arcs) into a GeoJSON
// FeatureCollection of its polygons, with each feature's name, positions
// rounded to about a hundred metres.
func TopoToGeoJSON(topo []byte, name string) ([]byte, error) {
	var t struct {
		Transform *struct {
			Scale     [2]float64 `json:"scale"`
			Translate [2]float64 `json:"translate"`
		} `json:"transform"`
		Arcs    [][][2]float64 `json:"arcs"`
		Objects map[string]struct {
			Geometries []struct {
				Type       string          `json:"type"`
				Arcs       json.RawMessage `json:"arcs"`
				Properties map[string]any  `json:"properties"`
			} `json:"geometries"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(topo, &t); err != nil {
		return nil, fmt.Errorf("couldn't read the TopoJSON: %w", err)
	}
	obj, ok := t.Objects[name]
	if !ok {
		return nil, fmt.Errorf("the TopoJSON has no object %q", name)
	}
	// Decode every arc once into positions.
	arcs := make([][][2]float64, len(t.Arcs))
	for i, a := range t.Arcs {
		var x, y float64
		out := make([][2]float64, len(a))
		for j, p := range a {
			if t.Transform != nil {
				x, y = x+p[0], y+p[1]
				out[j] = [2]float64{round3(x*t.Transform.Scale[0] + t.Transform.Translate[0]), round3(y*t.Transform.Scale[1] + t.Transform.Translate[1])}
			} else {
				out[j] = p
			}
		}
		arcs[i] = out
	}
	ring := func(ids []int) ([][2]float64, error) {
		var out [][2]float64
		for k, id := range ids {
			rev := id < 0
			if rev {
				id = ^id
			}
			if id >= len(arcs) {
				return nil, fmt.Errorf("arc %d does not exist", id)
			}
			a := slices.Clone(arcs[id])
			if rev {
				slices.Reverse(a)
			}
			if k > 0 && len(a) > 0 {
				a = a[1:] // the first position is the last of the arc before
			}
			out = append(out, a...)
		}
		return out, nil
	}
	fc := newFeatures()
	for _, g := range obj.Geometries {
		var polys [][][]int
		switch g.Type {
		case "Polygon":
			var p [][]int
			if err := json.Unmarshal(g.Arcs, &p); err != nil {
				return nil, err
			}
			polys = [][][]int{p}
		case "MultiPolygon":
			if err := json.Unmarshal(g.Arcs, &polys); err != nil {
				return nil, err
			}
		default:
			continue
		}
		var coords [][][][2]float64
		for _, p := range polys {
			var rings [][][2]float64
			for _, ids := range p {
				r, err := ring(ids)
				if err != nil {
					return nil, err
				}
				rings = append(rings, r)
			}
			coords = append(coords, rings)
		}
		fc.add(map[string]any{"type": "MultiPolygon", "coordinates": coords}, map[string]any{"name": g.Properties["name"]})
	}
	return json.Marshal(fc)
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// boards keeps the board the map read last for each viewer and ceasefire,
// and brings it up to date at each request with what was committed since
// (Board.Refresh): the map asks for its incidents at every move, the
// ceasefire's page at every view, and reading a year of them from the
// store each time would make both crawl.
type boards struct {
	mu sync.Mutex
	m  map[string]*cachedBoard
}

type cachedBoard struct {
	mu sync.Mutex
	b  *Board
}

// maxBoardAge bounds how long a board goes unjudged when nothing is
// committed: judgments and conditions move with the clock as well.
// maxBoardLife bounds how long a board is brought up to date before it is
// read anew.
const (
	maxBoardAge  = time.Minute
	maxBoardLife = 15 * time.Minute
)

// withBoard calls fn with the caller's board of the ceasefire the request
// names, up to date.
func (x *Section) withBoard(r *http.Request, caller *access.Principal, fn func(*Board) error) error {
	ctx, svc, id := r.Context(), x.site.Service(), r.PathValue("id")
	if strings.ContainsRune(id, '/') {
		return web.ErrNotFound // no id holds one, and the cache's keys do
	}
	// What a caller may read depends on its viewer alone (its party and
	// its part in the process): every caller of one viewer shares a board.
	v := access.Anonymous
	if caller != nil {
		v = access.ViewerOf(*caller)
	}
	key := fmt.Sprintf("%+v/%s", v, id)
	x.cache.mu.Lock()
	c := x.cache.m[key]
	if c == nil {
		if x.cache.m == nil || len(x.cache.m) >= 64 {
			x.cache.m = map[string]*cachedBoard{}
		}
		c = &cachedBoard{}
		x.cache.m[key] = c
	}
	x.cache.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	err := func() error {
		if c.b != nil {
			seq, err := svc.LastSeq(ctx)
			if err != nil {
				return err
			}
			if seq == c.b.seq && now.Sub(c.b.At) < maxBoardAge {
				return nil
			}
			// A record the viewer may no longer read (an audience narrowed)
			// is not among the changes it is told of: the board is read
			// anew now and then, so that such a record leaves it too.
			if now.Sub(c.b.loaded) < maxBoardLife {
				if ok, err := c.b.Refresh(ctx, svc, caller, now); ok || err != nil {
					return err
				}
			}
		}
		b, err := Load(ctx, svc, caller, id, now)
		c.b = b
		return err
	}()
	if err != nil {
		c.b = nil
		if errors.Is(err, store.ErrNotFound) {
			return web.ErrNotFound
		}
		return err
	}
	return fn(c.b)
}

// features is a GeoJSON FeatureCollection, as the map and the reports
// serve them.
type features struct {
	Type     string    `json:"type"`
	Features []feature `json:"features"`
}

type feature struct {
	Type       string         `json:"type"`
	Geometry   any            `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

func newFeatures() *features { return &features{Type: "FeatureCollection", Features: []feature{}} }

func (f *features) add(geometry any, properties map[string]any) {
	f.Features = append(f.Features, feature{Type: "Feature", Geometry: geometry, Properties: properties})
}
