package scenario

import (
	"fmt"

	"encoding/json"

	"github.com/parley-project/parley/geo"
	"github.com/parley-project/parley/monitor"
)

// ContactLine is the demo's line of contact, drawn coarsely from north to
// south (the side on the left held by the second party), starting along
// the state border north of Kharkiv so that both sides are defined there:
// the demo's zone, and what parley gen reports places its events near.
var ContactLine = []geo.Point{{Lon: 35.0, Lat: 50.45}, {Lon: 36.9, Lat: 50.3}, {Lon: 37.6, Lat: 49.9}, {Lon: 38.0, Lat: 49.0}, {Lon: 37.8, Lat: 48.6}, {Lon: 37.4, Lat: 48.2}, {Lon: 36.6, Lat: 47.8},
	{Lon: 36.0, Lat: 47.55}, {Lon: 35.4, Lat: 47.45}, {Lon: 34.6, Lat: 47.3}, {Lon: 33.4, Lat: 46.8}, {Lon: 32.5, Lat: 46.5}}

// LineParties are the parties holding the sides of ContactLine: the left,
// walking it from its first position, and the right.
var LineParties = [2]string{"ru", "ua"}

// lineString is a line as a GeoJSON geometry.
func lineString(l []geo.Point) string {
	cs := make([][2]float64, len(l))
	for i, p := range l {
		cs[i] = [2]float64{p.Lon, p.Lat}
	}
	b, _ := json.Marshal(map[string]any{"type": "LineString", "coordinates": cs})
	return string(b)
}

// approximate marks the demo's zones: their geometry is drawn coarsely, to
// show classification, and is no map of the front.
const approximate = "Approximate geometry, drawn coarsely for the demo scenario; not a map of the front."

// monitoring commits the demo's zones and the reports of the night of 23 to
// 24 January 2026 as the sources BRIEF.md names gave them, recorded by the
// mediator's monitors.
func (l *loader) monitoring() {
	zone := func(key string, z monitor.Zone) {
		if z.Note == "" {
			z.Note = approximate
		}
		l.create("us-monitor", key, monitor.KindZone, z, nil)
	}
	zone("z-line", monitor.Zone{Name: "Line of contact", ZoneType: monitor.ZoneContactLine, LeftParty: LineParties[0], RightParty: LineParties[1],
		Geometry: lineString(ContactLine)})
	zone("z-znpp", monitor.Zone{Name: "Zaporizhzhia Nuclear Power Plant", ZoneType: monitor.ZoneExclusion, RadiusKm: 30,
		Geometry: `{"type":"Point","coordinates":[34.5853,47.5069]}`, Note: "Europe's largest nuclear plant, six units; the exclusion radius is the demo's."})
	zone("z-znpp-object", monitor.Zone{Name: "Zaporizhzhia Nuclear Power Plant (the plant)", ZoneType: monitor.ZoneProtected, ProtectedClass: "nuclear",
		Geometry: `{"type":"Point","coordinates":[34.5853,47.5069]}`, Note: "The plant itself, as a protected object."})
	zone("z-kyiv", monitor.Zone{Name: "Kyiv", ZoneType: monitor.ZoneRegion,
		Geometry: `{"type":"Polygon","coordinates":[[[30.24,50.21],[30.83,50.21],[30.83,50.59],[30.24,50.59],[30.24,50.21]]]}`})
	zone("z-kharkiv", monitor.Zone{Name: "Kharkiv oblast", ZoneType: monitor.ZoneRegion,
		Geometry: `{"type":"Polygon","coordinates":[[[34.9,48.9],[38.1,48.9],[38.1,50.45],[34.9,50.45],[34.9,48.9]]]}`})
	zone("z-belgorod", monitor.Zone{Name: "Belgorod oblast", ZoneType: monitor.ZoneRegion,
		Geometry: `{"type":"Polygon","coordinates":[[[35.3,50.46],[39.0,50.46],[39.0,51.4],[35.3,51.4],[35.3,50.46]]]}`})

	report := func(r monitor.Report) string { return l.create("us-monitor", "", monitor.KindReport, r, nil) }
	lat, lon := func(v float64) *float64 { return &v }, func(v float64) *float64 { return &v }
	const night = "2026-01-24T00:00:00+02:00"
	drones := report(monitor.Report{SourceType: monitor.SourceParty, SourceName: "Volodymyr Zelenskyy, President of Ukraine", SourceParty: "ua",
		OccurredAt: night, TimePrecision: "night-of", PlaceName: "Kyiv and other cities", PlacePrecision: "region",
		WeaponClass: "attack-drone", WeaponCount: 370, TargetClass: "residential",
		Narrative: "Russia fired 370 attack drones and 21 missiles of various types at Kyiv and other cities overnight; residential areas and energy infrastructure were hit (news report B)."})
	missiles := report(monitor.Report{SourceType: monitor.SourceParty, SourceName: "Volodymyr Zelenskyy, President of Ukraine", SourceParty: "ua",
		OccurredAt: night, TimePrecision: "night-of", PlaceName: "Kyiv and other cities", PlacePrecision: "region",
		WeaponClass: "missile", WeaponCount: 21, TargetClass: "energy",
		Narrative: "21 missiles of various types, with the 370 attack drones of the same night (news report B)."})
	kyiv := report(monitor.Report{SourceType: monitor.SourceParty, SourceName: "Tymur Tkachenko, head of the Kyiv City Military Administration", SourceParty: "ua",
		OccurredAt: night, TimePrecision: "night-of", PlaceName: "Kyiv", PlacePrecision: "settlement", Lat: lat(50.4501), Lon: lon(30.5234),
		WeaponClass: "attack-drone", TargetClass: "residential",
		Casualties: []monitor.Casualty{{Kind: "killed", Group: "unknown", Low: 1}, {Kind: "wounded", Group: "unknown", Low: 4}},
		Narrative:  "One killed and four wounded by drone attacks in Kyiv (news report C)."})
	kharkiv := report(monitor.Report{SourceType: monitor.SourceParty, SourceName: "Oleh Syniehubov, head of the Kharkiv regional administration", SourceParty: "ua",
		OccurredAt: night, TimePrecision: "night-of", PlaceName: "Kharkiv", PlacePrecision: "settlement", Lat: lat(49.9935), Lon: lon(36.2304),
		WeaponClass: "unknown", TargetClass: "unknown",
		Casualties: []monitor.Casualty{{Kind: "wounded", Group: "unknown", Low: 27}},
		Narrative:  "27 wounded in Kharkiv (news report C)."})
	belgorod := report(monitor.Report{SourceType: monitor.SourceOpen, SourceName: "Russian state media",
		OccurredAt: "2026-01-24T00:00:00+03:00", TimePrecision: "day", PlaceName: "Belgorod", PlacePrecision: "settlement", Lat: lat(50.5997), Lon: lon(36.5873),
		WeaponClass: "unknown", TargetClass: "unknown",
		Narrative: "Attacks targeting Belgorod (Russia) on 24 January (news report D)."})
	// A monitor's judgement, which corroboration keeps: the drone attack on
	// Kyiv is part of the night's attack the president reported.
	l.create("us-monitor", "", monitor.KindLinkage, monitor.Linkage{Action: monitor.LinkTogether, Reports: []string{drones, kyiv},
		Reason: illustrative + " The drone attack on Kyiv is part of the night's attack on Kyiv and other cities."}, nil)

	// The monitors hold the reports to be four incidents, and open the
	// verification of each with its allegation. The demo goes no further:
	// BRIEF.md records no inquiry, finding or attribution, and the demo
	// invents none.
	incident := func(in monitor.Incident) {
		id := l.create("us-monitor", "", monitor.KindIncident, in, nil)
		l.signed("us-monitor", "", monitor.KindStep, monitor.Step{IncidentID: id, PartyID: "us", Stage: monitor.StageAllegation,
			Summary: "Recorded from the reports named, as their sources gave them."})
	}
	incident(monitor.Incident{Title: "Drone attack on Kyiv, night of 23 to 24 January 2026", Reports: []string{drones, kyiv},
		OccurredAt: night, PlaceName: "Kyiv", Lat: lat(50.4501), Lon: lon(30.5234), WeaponClass: "attack-drone", TargetClass: "residential"})
	incident(monitor.Incident{Title: "Missile attack, night of 23 to 24 January 2026", Reports: []string{missiles},
		OccurredAt: night, PlaceName: "Kyiv and other cities", WeaponClass: "missile", TargetClass: "energy"})
	incident(monitor.Incident{Title: "Strike on Kharkiv, night of 23 to 24 January 2026", Reports: []string{kharkiv},
		OccurredAt: night, PlaceName: "Kharkiv", Lat: lat(49.9935), Lon: lon(36.2304), WeaponClass: "unknown", TargetClass: "unknown"})
	incident(monitor.Incident{Title: "Attacks targeting Belgorod, 24 January 2026", Reports: []string{belgorod},
		OccurredAt: "2026-01-24T00:00:00+03:00", PlaceName: "Belgorod", Lat: lat(50.5997), Lon: lon(36.5873), WeaponClass: "unknown", TargetClass: "unknown"})
}

// article keeps, for the monitors to read into candidate reports on
// Monitoring → Read a news article, the night's casualty figures as news
// report C gave them. Its wording is the demo's, from the figures BRIEF.md
// cites; nothing is filed from it: that is the monitor's to do.
func (l *loader) article() {
	if l.errs != nil {
		return
	}
	text := []byte("Russian drone attacks overnight killed one person and wounded four in Kyiv, the head of the Kyiv City Military Administration, Tymur Tkachenko, said on Saturday.\n\n" +
		"In Kharkiv, 27 people were wounded, regional governor Oleh Syniehubov said.\n\n" +
		"The trilateral talks in Abu Dhabi continued on Saturday, officials said.\n")
	b, err := l.svc.PutFile(l.ctx, l.as["us-monitor"], "text/plain; charset=utf-8", text)
	if err != nil {
		l.errs = fmt.Errorf("scenario article: %w", err)
		return
	}
	l.create("us-monitor", "article-c", monitor.KindArticle, monitor.Article{Outlet: reportC.Name, Published: string(reportC.Published), Language: "en",
		Evidence: []monitor.Evidence{{SHA256: b.SHA256, Name: reportC.Name, MediaType: "text/plain; charset=utf-8"}}}, nil)
}
