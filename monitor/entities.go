package monitor

import (
	"math"
	"slices"
	"strconv"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/geo"
	"github.com/parley-project/parley/vocab"
)

// ZoneType is what a zone is for.
type ZoneType string

// The zone types.
const (
	ZoneContactLine ZoneType = "contact-line"
	ZoneBuffer      ZoneType = "buffer"
	ZoneExclusion   ZoneType = "exclusion"
	ZoneProtected   ZoneType = "protected-object"
	ZoneRegion      ZoneType = "region"
)

// ZoneTypes lists them; ZoneTypeLabels names them.
var (
	ZoneTypes      = []ZoneType{ZoneContactLine, ZoneBuffer, ZoneExclusion, ZoneProtected, ZoneRegion}
	ZoneTypeLabels = map[ZoneType]string{ZoneContactLine: "line of contact", ZoneBuffer: "buffer zone", ZoneExclusion: "exclusion zone",
		ZoneProtected: "protected object", ZoneRegion: "region"}
)

// ProtectedClass is what a protected object is.
type ProtectedClass string

// ProtectedClasses lists them.
var ProtectedClasses = []ProtectedClass{"energy", "nuclear", "medical", "education", "water", "other"}

// Zone is an area, a line or a point (with a radius) that reports are
// classified against.
type Zone struct {
	Name           string         `json:"name"`
	ZoneType       ZoneType       `json:"zone_type"`
	Geometry       string         `json:"geometry"`
	RadiusKm       float64        `json:"radius_km,omitempty"`
	ProtectedClass ProtectedClass `json:"protected_class,omitempty"`
	LeftParty      string         `json:"left_party,omitempty"`
	RightParty     string         `json:"right_party,omitempty"`
	PartyID        string         `json:"party_id,omitempty"`
	Note           string         `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (z *Zone) Normalize() {
	parley.Trim(&z.Name, &z.Geometry, &z.LeftParty, &z.RightParty, &z.PartyID, &z.Note)
}

// References implements parley.Entity.
func (z *Zone) References() []parley.Reference {
	return []parley.Reference{{Field: "left_party", Kind: PartyKind, ID: z.LeftParty},
		{Field: "right_party", Kind: PartyKind, ID: z.RightParty}, {Field: "party_id", Kind: PartyKind, ID: z.PartyID}}
}

// Validate implements parley.Entity.
func (z *Zone) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("name", z.Name), parley.OneOf("zone_type", z.ZoneType, ZoneTypes),
		parley.Required("geometry", z.Geometry), parley.TextLimit("note", z.Note)); err != nil {
		return err
	}
	g, err := geo.ParseGeometry([]byte(z.Geometry))
	if err != nil {
		return parley.Errorf("geometry", "%v", err)
	}
	if z.RadiusKm < 0 || math.IsNaN(z.RadiusKm) {
		return parley.Errorf("radius_km", "%g is not a distance", z.RadiusKm)
	}
	switch {
	case z.ZoneType == ZoneContactLine && len(g.Lines) == 0:
		return parley.Errorf("geometry", "the line of contact is a LineString or a MultiLineString, not a %s", g.Type)
	case z.ZoneType == ZoneContactLine && (z.LeftParty == "" || z.RightParty == ""):
		return parley.Errorf("left_party", "is required, with right_party: which party holds each side of the line")
	case z.ZoneType != ZoneContactLine && len(g.Lines) > 0:
		return parley.Errorf("geometry", "a %s is an area or a point, not a line", ZoneTypeLabels[z.ZoneType])
	case len(g.Points) > 0 && z.RadiusKm == 0 && z.ZoneType != ZoneProtected:
		return parley.Errorf("radius_km", "is required for a %s given as a point: the zone is the disc around it", ZoneTypeLabels[z.ZoneType])
	case z.ZoneType == ZoneProtected && z.ProtectedClass == "":
		return parley.Errorf("protected_class", "is required for a protected object")
	case z.ProtectedClass != "":
		return parley.OneOf("protected_class", z.ProtectedClass, ProtectedClasses)
	}
	return nil
}

// Parsed returns the zone's geometry, checked by Validate when the zone
// was committed, and so read without checking its rings again.
func (z *Zone) Parsed() (geo.Geometry, error) { return geo.ReadGeometry([]byte(z.Geometry)) }

// Contains reports whether a point lies in the zone: in its polygon, or
// within its radius of its point.
func (z *Zone) Contains(g geo.Geometry, p geo.Point) bool {
	return g.Reach(p, z.RadiusKm) == 0
}

// SourceType is the channel a report came by.
type SourceType string

// The source types.
const (
	SourceParty   SourceType = "party"
	SourcePatrol  SourceType = "monitor-patrol"
	SourceSensor  SourceType = "sensor"
	SourceOpen    SourceType = "open-source"
	SourceUnknown SourceType = "unknown"
)

// The enumerations of a report, after the event data conventions (ACLED,
// UCDP): how precise its time and place are, and classes of weapon and
// target.
var (
	SourceTypes     = []SourceType{SourceParty, SourcePatrol, SourceSensor, SourceOpen, SourceUnknown}
	TimePrecisions  = []string{"exact", "hour", "day", "night-of", "month"}
	PlacePrecisions = []string{"coordinates", "settlement", "region"}
	WeaponClasses   = vocab.WeaponClasses
	TargetClasses   = vocab.TargetClasses
	CasualtyKinds   = []string{"killed", "wounded"}
	CasualtyGroups  = []string{"civilian", "military", "unknown"}
)

// Casualty is one figure as reported: killed or wounded, of one group,
// with a range when the source gives one.
type Casualty struct {
	Kind  string `json:"kind"`
	Group string `json:"group"`
	Low   int    `json:"low"`
	High  int    `json:"high,omitempty"`
}

// Evidence is a file that backs a report, by its SHA-256.
type Evidence = parley.Evidence

// Report is one source's report of one strike or event.
type Report struct {
	SourceType     SourceType `json:"source_type"`
	SourceName     string     `json:"source_name"`
	SourceParty    string     `json:"source_party,omitempty"`
	OccurredAt     string     `json:"occurred_at"`
	TimePrecision  string     `json:"time_precision"`
	PlaceName      string     `json:"place_name"`
	PlacePrecision string     `json:"place_precision"`
	Lat            *float64   `json:"lat,omitempty"`
	Lon            *float64   `json:"lon,omitempty"`
	WeaponClass    string     `json:"weapon_class"`
	WeaponCount    int        `json:"weapon_count,omitempty"`
	TargetClass    string     `json:"target_class"`
	Casualties     []Casualty `json:"casualties,omitempty"`
	Narrative      string     `json:"narrative,omitempty"`
	SourceRef      string     `json:"source_ref,omitempty"`
	Evidence       []Evidence `json:"evidence,omitempty"`
}

// Normalize implements parley.Entity.
func (r *Report) Normalize() {
	parley.Trim(&r.SourceName, &r.SourceParty, &r.OccurredAt, &r.PlaceName, &r.Narrative, &r.SourceRef)
	for i := range r.Casualties {
		if r.Casualties[i].High == 0 {
			r.Casualties[i].High = r.Casualties[i].Low
		}
	}
}

// References implements parley.Entity.
func (r *Report) References() []parley.Reference {
	refs := []parley.Reference{{Field: "source_party", Kind: PartyKind, ID: r.SourceParty}}
	if id, _, ok := articleRef(r.SourceRef); ok {
		refs = append(refs, parley.Reference{Field: "source_ref", Kind: KindArticle, ID: id})
	}
	return refs
}

// Validate implements parley.Entity.
func (r *Report) Validate(res parley.Resolved) error {
	if err := parley.First(parley.OneOf("source_type", r.SourceType, SourceTypes), parley.Required("source_name", r.SourceName),
		parley.Required("occurred_at", r.OccurredAt), parley.OneOf("time_precision", r.TimePrecision, TimePrecisions),
		parley.Required("place_name", r.PlaceName), parley.OneOf("place_precision", r.PlacePrecision, PlacePrecisions),
		parley.OneOf("weapon_class", r.WeaponClass, WeaponClasses), parley.OneOf("target_class", r.TargetClass, TargetClasses),
		parley.TextLimit("narrative", r.Narrative)); err != nil {
		return err
	}
	if r.SourceType == SourceParty && r.SourceParty == "" {
		return parley.Errorf("source_party", "is required for a party's report: which party reports it")
	}
	if _, err := parley.ParseTime(r.OccurredAt); err != nil {
		return parley.Errorf("occurred_at", "%v", err)
	}
	if err := checkPoint(r.Lat, r.Lon, r.PlacePrecision != "region"); err != nil {
		return err
	}
	if r.WeaponCount < 0 {
		return parley.Errorf("weapon_count", "is %d; a count is 0 or more", r.WeaponCount)
	}
	for i, c := range r.Casualties {
		f := "casualties[" + strconv.Itoa(i) + "]"
		if err := parley.First(parley.OneOf(f+".kind", c.Kind, CasualtyKinds), parley.OneOf(f+".group", c.Group, CasualtyGroups)); err != nil {
			return err
		}
		if c.Low < 0 || c.High < c.Low {
			return parley.Errorf(f+".high", "the range %d to %d is not a count from low to high", c.Low, c.High)
		}
	}
	if err := parley.CheckEvidence(r.Evidence); err != nil {
		return err
	}
	return r.fromArticle(res)
}

// checkPoint checks a place given as lat and lon: both or neither, and
// required if need.
func checkPoint(lat, lon *float64, need bool) error {
	if (lat == nil) != (lon == nil) {
		return parley.Errorf("lon", "goes with lat: give both or neither")
	}
	if lat == nil {
		if need {
			return parley.Errorf("lat", "is required, with lon, unless the place precision is region")
		}
		return nil
	}
	if err := geo.CheckPoint(*lon, *lat); err != nil {
		return parley.Errorf("lat", "with lon: %v", err)
	}
	return nil
}

// Point returns where the report places the event, if it gives
// coordinates.
func (r *Report) Point() (geo.Point, bool) { return pointOf(r.Lat, r.Lon) }

func pointOf(lat, lon *float64) (geo.Point, bool) {
	if lat == nil || lon == nil {
		return geo.Point{}, false
	}
	return geo.Point{Lon: *lon, Lat: *lat}, true
}

// The linkage actions: a monitor merges reports into one incident, or
// splits them apart.
const (
	LinkTogether = "together"
	LinkApart    = "apart"
)

// LinkActions lists them; LinkActionLabels names them.
var (
	LinkActions      = []string{LinkTogether, LinkApart}
	LinkActionLabels = map[string]string{LinkTogether: "one incident (merge)", LinkApart: "separate incidents (split)"}
)

// Linkage is a monitor's decision that some reports are one incident, or
// that no two of them are: corroboration keeps it afterwards.
type Linkage struct {
	Action  string   `json:"action"`
	Reports []string `json:"reports"`
	Reason  string   `json:"reason"`
}

// Normalize implements parley.Entity.
func (l *Linkage) Normalize() {
	parley.Trim(&l.Reason)
	l.Reports = uniqueIDs(l.Reports)
}

// References implements parley.Entity.
func (l *Linkage) References() []parley.Reference { return reportRefs(l.Reports) }

// Validate implements parley.Entity.
func (l *Linkage) Validate(parley.Resolved) error {
	if err := parley.First(parley.OneOf("action", l.Action, LinkActions), parley.Required("reason", l.Reason), parley.TextLimit("reason", l.Reason)); err != nil {
		return err
	}
	if len(l.Reports) < 2 {
		return parley.Errorf("reports", "names %d reports; a linkage is about two at least", len(l.Reports))
	}
	return nil
}

// LinksOf turns linkages into the links of Corroborate, over reports whose
// ids are ids (in the same order as the reports): a linkage naming a
// report not among them is applied to those that are. Merges that share a
// report make one group; where a merge and a split name the same two
// reports, the merge holds.
func LinksOf(linkages []*Linkage, ids []string) Links {
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	// Union-find over the reports merged together.
	parent := map[int]int{}
	var find func(int) int
	find = func(i int) int {
		if p, ok := parent[i]; ok && p != i {
			parent[i] = find(p)
			return parent[i]
		}
		return i
	}
	var l Links
	for _, lk := range linkages {
		var m []int
		for _, r := range lk.Reports {
			if i, ok := at[r]; ok {
				m = append(m, i)
			}
		}
		switch {
		case len(m) < 2:
		case lk.Action == LinkTogether:
			for _, i := range m {
				if _, ok := parent[i]; !ok {
					parent[i] = i
				}
			}
			for _, i := range m[1:] {
				parent[find(i)] = find(m[0])
			}
		case lk.Action == LinkApart:
			for a := range m {
				for b := a + 1; b < len(m); b++ {
					l.Apart = append(l.Apart, [2]int{m[a], m[b]})
				}
			}
		}
	}
	groups := map[int][]int{}
	var roots []int
	for i := range parent {
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], i)
	}
	slices.Sort(roots)
	for _, r := range roots {
		g := groups[r]
		slices.Sort(g)
		l.Together = append(l.Together, g)
	}
	return l
}
