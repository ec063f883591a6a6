// Package monitor is the domain of monitoring and verification by the
// mediator: the zones incidents are judged in (the line of contact, buffer
// and exclusion zones, protected objects, regions), the reports of strikes
// that come in from the parties, the monitors' patrols, sensors and open
// sources, each classified against the zones (Classify), and their
// corroboration into incidents (Cluster, Corroborate), which monitors'
// merges and splits (Linkage) override.
//
// The incidents the monitors hold reports to be (Incident) are verified step
// by step, each step signed by the monitor who took it (Step), with the
// teams' reports kept from the parties (Finding); access denied to the
// monitors is recorded as well (AccessDenial). Like every domain it does
// no I/O, and names no party.
package monitor

import (
	"slices"

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
func (Domain) Kinds() []parley.Kind { return append(slices.Clip(kinds), articleKind) }

// The kind names.
const (
	KindZone     = "monitor.zone"
	KindReport   = "monitor.report"
	KindLinkage  = "monitor.linkage"
	KindIncident = "monitor.incident"
	KindStep     = "monitor.verification-step"
	KindFinding  = "monitor.finding"
	KindDenial   = "monitor.access-denial"
)

// PartyKind is the kind of the parties of the process, by name: the talks
// domain keeps them. The monitoring does not import that domain; the
// registry checks at start-up that the kind is registered.
const PartyKind = "talks.party"

// MaxGeometry bounds a zone's GeoJSON: a line of contact of thousands of
// positions, within what one write may carry.
const MaxGeometry = 200000

var (
	parties    = record.Audience{Scope: record.Parties}
	everyParty = func(parley.Entity, string) record.Audience { return parties }
	monitors   = []access.Role{access.RoleMonitor, access.RoleMediator}
)

func ref(name, label, kind string, help string) parley.Field {
	return parley.Field{Name: name, Label: label, Type: parley.Ref, Ref: kind, Help: help}
}

func required(f parley.Field) parley.Field { f.Required = true; return f }

// The fields reports, incidents and access denials share.
var (
	latField      = parley.Field{Name: "lat", Label: "Latitude", Type: parley.Number, Help: "Decimal degrees, north positive; with the longitude, unless only the region is known."}
	lonField      = parley.Field{Name: "lon", Label: "Longitude", Type: parley.Number, Help: "Decimal degrees, east positive."}
	weaponField   = parley.Field{Name: "weapon_class", Label: "Weapon", Type: parley.Enum, Required: true, Enum: parley.Options(WeaponClasses, nil)}
	targetField   = parley.Field{Name: "target_class", Label: "Target", Type: parley.Enum, Required: true, Enum: parley.Options(TargetClasses, nil)}
	evidenceField = parley.EvidenceField
	reportsField  = parley.Field{Name: "reports", Type: parley.List, Required: true, Elem: &parley.Field{Type: parley.Ref, Ref: KindReport}}
)

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
			latField, lonField, weaponField,
			{Name: "weapon_count", Label: "How many", Type: parley.Int, Help: "As reported: 370 attack drones, 21 missiles."},
			targetField,
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
			evidenceField,
		},
		HeadlineField: "place_name", StatusField: "weapon_class", TimeField: "occurred_at",
		// source_ref is indexed, for the check that a source's report is
		// committed once; the other filters have few values each, and
		// indexing them would cost a bulk ingest three rows a report.
		IndexFields: []string{"source_ref"}, FilterFields: []string{"target_class", "source_type", "source_party"},
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMonitor, access.RoleMediator}, Batched: true},
	{Name: KindLinkage, Collection: "incident-linkages", Title: "incident linkage", New: func() parley.Entity { return new(Linkage) },
		Fields: []parley.Field{
			{Name: "action", Type: parley.Enum, Required: true, Enum: parley.Options(LinkActions, LinkActionLabels),
				Help: "Together: the reports are one incident, whatever the thresholds say. Apart: no two of them are one incident."},
			reportsField,
			{Name: "reason", Type: parley.Text, Required: true},
		},
		HeadlineField: "action", StatusField: "action",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: monitors},
	{Name: KindIncident, Collection: "incidents", Title: "incident", New: func() parley.Entity { return new(Incident) },
		Fields: []parley.Field{
			{Name: "title", Type: parley.String, Required: true},
			reportsField,
			{Name: "occurred_at", Label: "When", Type: parley.Time, Required: true, Help: "The monitors' reading of its reports, with its offset."},
			{Name: "place_name", Label: "Place", Type: parley.String, Required: true},
			latField, lonField, weaponField, targetField,
			{Name: "note", Type: parley.Text},
		},
		HeadlineField: "title", StatusField: "weapon_class", TimeField: "occurred_at", IndexFields: []string{"target_class", "reports"},
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: monitors, Mutable: true},
	{Name: KindStep, Collection: "verification-steps", Title: "verification step", New: func() parley.Entity { return new(Step) },
		Fields: []parley.Field{
			required(ref("incident_id", "Incident", KindIncident, "The incident, as it reads now, whose verification takes this step.")),
			required(ref("party_id", "Monitors of", PartyKind, "The party of the monitors who take the step: the signer's own.")),
			{Name: "stage", Type: parley.Enum, Required: true, Enum: parley.Options(Stages, StageLabels),
				Help: "Allegation, then preliminary inquiry, then investigation if warranted, then verified or not verified; a finding may be reopened by a new investigation."},
			{Name: "summary", Type: parley.Text, Help: "What the parties may read of this step."},
			{Name: "team", Type: parley.String, Help: "For an investigation: the team that investigates."},
			{Name: "attribution", Type: parley.Enum, Enum: parley.Options(Attributions, AttributionLabels), Help: "For a verified incident."},
			ref("attributed_party", "Attributed to", PartyKind, "For an incident attributed or largely attributed: the party."),
		},
		ParentField: "incident_id", OwnerField: "party_id", HeadlineField: "stage", StatusField: "stage",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: []access.Role{access.RoleMonitor}, Signed: true},
	{Name: KindFinding, Collection: "findings", Title: "team's report", New: func() parley.Entity { return new(Finding) },
		Fields: []parley.Field{
			required(ref("incident_id", "Incident", KindIncident, "")),
			{Name: "stage", Type: parley.Enum, Required: true, Enum: parley.Options([]Stage{StageInquiry, StageInvestigate}, StageLabels),
				Help: "The inquiry or investigation the team reports on."},
			{Name: "team", Type: parley.String, Required: true},
			{Name: "text", Type: parley.Text, Required: true, Help: "What the team found and how."},
			evidenceField,
			{Name: "shared_with_parties", Label: "Shared with the parties", Type: parley.Bool,
				Help: "Every party reads the report; otherwise only the monitors' party and the mediator do."},
		},
		ParentField: "incident_id", HeadlineField: "team", StatusField: "stage",
		DefaultAudience: parties, AudienceOf: findingAudience, WriteRoles: monitors},
	{Name: KindDenial, Collection: "access-denials", Title: "access denial", New: func() parley.Entity { return new(AccessDenial) },
		Fields: []parley.Field{
			{Name: "occurred_at", Label: "When", Type: parley.Time, Required: true},
			{Name: "place_name", Label: "Place", Type: parley.String, Required: true},
			latField, lonField,
			required(ref("denied_by", "Denied by", PartyKind, "The party whose personnel refused access.")),
			{Name: "patrol", Type: parley.String, Required: true, Help: "The patrol or team refused."},
			{Name: "prevented", Type: parley.Text, Required: true, Help: "What the refusal prevented: a patrol's route, an inquiry, a visit to a site."},
			ref("incident_id", "Incident", KindIncident, "The incident whose inquiry it prevented, if any."),
			{Name: "narrative", Type: parley.Text},
		},
		HeadlineField: "place_name", StatusField: "denied_by", TimeField: "occurred_at",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: monitors},
}
