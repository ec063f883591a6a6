// Package monitor is the domain of monitoring and verification by the
// mediator: the zones incidents are judged in (the line of contact, buffer
// and exclusion zones, protected objects, regions), the reports of strikes
// that come in from the parties, the monitors' patrols, sensors and open
// sources, each classified against the zones (Classify), and their
// corroboration into incidents (Cluster, Corroborate), which monitors'
// merges and splits (Linkage) override.
//
// Incidents as records, the verification workflow and access denials are
// still to come. Like every domain it does no I/O, and names no party.
package monitor

import (
	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
)

// Domain declares the monitoring to the kernel.
type Domain struct{}

// Name implements parley.Domain.
func (Domain) Name() string { return "monitor" }

// Roles implements parley.Domain: the kernel's monitor role writes reports;
// the monitors record what reaches them from every channel, the parties'
// own reports among them.
func (Domain) Roles() []access.Role { return nil }

// Kinds implements parley.Domain.
func (Domain) Kinds() []parley.Kind { return kinds }

// The kind names.
const (
	KindZone    = "monitor.zone"
	KindReport  = "monitor.report"
	KindLinkage = "monitor.linkage"
)

// PartyKind is the kind of the parties of the process, by name: the talks
// domain keeps them. The monitoring does not import that domain; the
// registry checks at start-up that the kind is registered.
const PartyKind = "talks.party"

// MaxGeometry bounds a zone's GeoJSON: a line of contact of thousands of
// positions, within what one write may carry.
const MaxGeometry = 200000

var parties = record.Audience{Scope: record.Parties}

func ref(name, label, kind string, help string) parley.Field {
	return parley.Field{Name: name, Label: label, Type: parley.Ref, Ref: kind, Help: help}
}

var kinds = []parley.Kind{
	{Name: KindZone, Collection: "zones", Title: "zone", New: func() parley.Entity { return new(Zone) },
		Fields: []parley.Field{
			{Name: "name", Type: parley.String, Required: true},
			{Name: "zone_type", Label: "Type", Type: parley.Enum, Required: true, Enum: parley.Options(ZoneTypes, ZoneTypeLabels)},
			{Name: "geometry", Type: parley.Text, Required: true, Max: MaxGeometry,
				Help: "A GeoJSON geometry: a line (LineString) for the line of contact, a polygon, or a point with a radius."},
			{Name: "radius_km", Label: "Radius (km)", Type: parley.Number, Help: "For a point: the zone is the disc of this radius around it."},
			{Name: "protected_class", Label: "Protected object", Type: parley.Enum, Enum: parley.Options(ProtectedClasses, nil),
				Help: "For a protected object: what it is."},
			ref("left_party", "Held on the left by", PartyKind, "For the line of contact: the party holding the side on the left, walking the line from its first position to its last."),
			ref("right_party", "Held on the right by", PartyKind, "For the line of contact: the party holding the side on the right."),
			ref("party_id", "Side of", PartyKind, "For a buffer zone: the party whose side it is on."),
			{Name: "note", Type: parley.Text},
		},
		HeadlineField: "name", StatusField: "zone_type",
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator, access.RoleMonitor}, Mutable: true},
	{Name: KindReport, Collection: "incident-reports", Title: "incident report", New: func() parley.Entity { return new(Report) },
		Fields: []parley.Field{
			{Name: "source_type", Label: "Source type", Type: parley.Enum, Required: true, Enum: parley.Options(SourceTypes, nil)},
			{Name: "source_name", Label: "Source", Type: parley.String, Required: true, Help: "Who reports it: an official, a patrol, a sensor, an outlet."},
			ref("source_party", "Source's party", PartyKind, "For a party's report: the party."),
			{Name: "occurred_at", Label: "When", Type: parley.Time, Required: true, Help: "With its offset; as precise as the precision says."},
			{Name: "time_precision", Label: "Time precision", Type: parley.Enum, Required: true, Enum: parley.Options(TimePrecisions, nil)},
			{Name: "place_name", Label: "Place", Type: parley.String, Required: true},
			{Name: "place_precision", Label: "Place precision", Type: parley.Enum, Required: true, Enum: parley.Options(PlacePrecisions, nil)},
			{Name: "lat", Label: "Latitude", Type: parley.Number, Help: "Decimal degrees, north positive; with the longitude, unless only the region is known."},
			{Name: "lon", Label: "Longitude", Type: parley.Number, Help: "Decimal degrees, east positive."},
			{Name: "weapon_class", Label: "Weapon", Type: parley.Enum, Required: true, Enum: parley.Options(WeaponClasses, nil)},
			{Name: "weapon_count", Label: "How many", Type: parley.Int, Help: "As reported: 370 attack drones, 21 missiles."},
			{Name: "target_class", Label: "Target", Type: parley.Enum, Required: true, Enum: parley.Options(TargetClasses, nil)},
			{Name: "casualties", Type: parley.List, Help: "As reported: each a count of killed or wounded of one group, with a low and a high when a range is given.",
				Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
					{Name: "kind", Type: parley.Enum, Required: true, Enum: parley.Options(CasualtyKinds, nil)},
					{Name: "group", Type: parley.Enum, Required: true, Enum: parley.Options(CasualtyGroups, nil)},
					{Name: "low", Type: parley.Int, Required: true},
					{Name: "high", Type: parley.Int, Help: "The high end of a range; the same as low when one figure is given."},
				}}},
			{Name: "narrative", Type: parley.Text},
			{Name: "source_ref", Label: "Source reference", Type: parley.String, Max: 200,
				Help: "The source's own reference for the report, or the import's key of the row it came from: a file imported again adds nothing."},
			{Name: "evidence", Type: parley.List, Help: "Files that back the report, by their SHA-256: the committed report proves them unaltered later.",
				Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
					{Name: "sha256", Label: "SHA-256", Type: parley.String, Required: true, Max: 64},
					{Name: "name", Type: parley.String},
					{Name: "media_type", Label: "Media type", Type: parley.String},
				}}},
		},
		HeadlineField: "place_name", StatusField: "weapon_class", TimeField: "occurred_at",
		IndexFields:     []string{"target_class", "source_type", "source_party", "source_ref"},
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMonitor, access.RoleMediator}},
	{Name: KindLinkage, Collection: "incident-linkages", Title: "incident linkage", New: func() parley.Entity { return new(Linkage) },
		Fields: []parley.Field{
			{Name: "action", Type: parley.Enum, Required: true, Enum: parley.Options(LinkActions, LinkActionLabels),
				Help: "Together: the reports are one incident, whatever the thresholds say. Apart: no two of them are one incident."},
			{Name: "reports", Type: parley.List, Required: true, Elem: &parley.Field{Type: parley.Ref, Ref: KindReport}},
			{Name: "reason", Type: parley.Text, Required: true},
		},
		HeadlineField: "action", StatusField: "action",
		DefaultAudience: parties, AudienceOf: func(parley.Entity, string) record.Audience { return parties },
		WriteRoles: []access.Role{access.RoleMonitor, access.RoleMediator}},
}
