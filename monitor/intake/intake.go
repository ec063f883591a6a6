// Package intake reads incident reports from the files monitors receive:
// parley's own CSV, NDJSON and GeoJSON, and ACLED's CSV export. It reads a
// file row by row, so that a file of any size streams through in constant
// memory, and checks each row as the server would, so that a bad row is
// reported with its line (or feature) and field before anything is sent.
// The CLI's import and the monitoring page's upload both read through it.
package intake

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/fault"
	"github.com/parley-project/parley/monitor"
)

// The formats.
const (
	CSV     = "csv"
	NDJSON  = "ndjson"
	GeoJSON = "geojson"
	ACLED   = "acled"
)

// Formats lists them.
var Formats = []string{CSV, NDJSON, GeoJSON, ACLED}

// FormatOf guesses a file's format from its name: .csv is parley's CSV
// unless its header is ACLED's (ReadAny decides that), .ndjson and .jsonl
// NDJSON, .geojson and .json GeoJSON.
func FormatOf(name string) (string, error) {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".csv"):
		return CSV, nil
	case strings.HasSuffix(n, ".ndjson"), strings.HasSuffix(n, ".jsonl"):
		return NDJSON, nil
	case strings.HasSuffix(n, ".geojson"), strings.HasSuffix(n, ".json"):
		return GeoJSON, nil
	}
	return "", fault.New(fault.Invalid, "", "%s: can't tell the format from the name; name it .csv, .ndjson or .geojson, or say which (%s)", name, strings.Join(Formats, ", "))
}

// Row is one row of a file: a report checked as the server checks it, or
// the problem that refuses it.
type Row struct {
	// Line is the row's line in the file (its feature's index, from 0, in
	// GeoJSON).
	Line   int
	Report *monitor.Report
	Err    error
}

// Where names the row for people: "line 12", or "feature 3".
func (r Row) Where(format string) string {
	if format == GeoJSON {
		return "feature " + strconv.Itoa(r.Line)
	}
	return "line " + strconv.Itoa(r.Line)
}

// Read reads a file of format, calling emit with each row in order; it
// stops at emit's first error, or at a problem with the file as a whole
// (an unreadable header, a file that is not GeoJSON), which it returns. A
// CSV file whose header is ACLED's is read as ACLED.
func Read(format string, r io.Reader, emit func(Row) error) error {
	switch format {
	case CSV, ACLED:
		return readCSV(r, emit)
	case NDJSON:
		return readNDJSON(r, emit)
	case GeoJSON:
		return readGeoJSON(r, emit)
	}
	return fault.New(fault.Invalid, "", "unknown format %q; one of %s", format, strings.Join(Formats, ", "))
}

// finish checks a report as the server will, and gives it its key: the
// source's own reference if it has one, or a hash of the report as read,
// so that the same report, from this file under any name or from a copy,
// is imported once.
func finish(line int, rep *monitor.Report, err error) Row {
	if err == nil {
		rep.Normalize()
		err = rep.Validate(nil)
	}
	if err != nil {
		return Row{Line: line, Err: err}
	}
	if rep.SourceRef == "" {
		canon, _ := json.Marshal(rep)
		sum := sha256.Sum256(canon)
		rep.SourceRef = "import:" + hex.EncodeToString(sum[:16])
	}
	return Row{Line: line, Report: rep}
}

// The columns of parley's CSV; the required ones first.
var (
	RequiredColumns = []string{"source_type", "source_name", "occurred_at", "time_precision", "place_name", "place_precision", "weapon_class", "target_class"}
	Columns         = append(slices.Clone(RequiredColumns), "source_party", "source_ref", "lat", "lon", "weapon_count", "narrative", "evidence_sha256",
		"killed_civilian", "killed_military", "killed_unknown", "wounded_civilian", "wounded_military", "wounded_unknown")
	// ACLEDColumns are the columns of ACLED's export that a report is made
	// of; others are ignored.
	ACLEDColumns = []string{"event_id_cnty", "event_date", "time_precision", "sub_event_type", "location", "latitude", "longitude",
		"geo_precision", "source", "notes", "fatalities"}
)

// bounded reads on, failing once more than MaxLine bytes (and a buffer's
// worth) have been read since the last mark: one row of CSV or one member
// of GeoJSON is read whole into memory, and a huge one must not be.
type bounded struct {
	r          io.Reader
	read, mark int64
}

// errHuge is the error a bounded reader fails with.
var errHuge = fault.New(fault.Invalid, "", "a row or feature over %d bytes; a report is far shorter", MaxLine)

// wrap makes e wrap err, so that errors.Is and errors.As see err through
// e (a row or a member over MaxLine is errHuge).
func wrap(e *fault.Error, err error) error {
	e.Err = err
	return e
}

func (b *bounded) Read(p []byte) (int, error) {
	if b.read-b.mark > MaxLine+1<<16 {
		return 0, errHuge
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

// since marks where a row or feature begins.
func (b *bounded) since() { b.mark = b.read }

func readCSV(r io.Reader, emit func(Row) error) error {
	br := &bounded{r: r}
	cr := csv.NewReader(bufio.NewReaderSize(br, 1<<16))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fault.New(fault.Invalid, "", "line 1: no header: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	_, acled := col["event_id_cnty"]
	want, of := RequiredColumns, reportOf
	if acled {
		want, of = ACLEDColumns, acledReportOf
	} else {
		for h := range col {
			if !slices.Contains(Columns, h) {
				return fault.New(fault.Invalid, "", "line 1: column %q is not one of %s", h, strings.Join(Columns, ", "))
			}
		}
	}
	for _, c := range want {
		if _, ok := col[c]; !ok {
			return fault.New(fault.Invalid, "", "line 1: the required column %q is missing", c)
		}
	}
	last := 1 // the line of the last row read: the header's
	for {
		br.since()
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		} else if errors.Is(err, errHuge) {
			// No field of the row was read whole, so it has no position:
			// it starts on the line after the last row read.
			return wrap(fault.New(fault.Invalid, "", "line %d: a row or feature over %d bytes; a report is far shorter", last+1, MaxLine), errHuge)
		}
		var row Row
		if err != nil {
			// A row csv could not read names its line in its error; the
			// reader's position is of no field then.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line, err = pe.StartLine, pe.Err
			}
			row = Row{Line: line, Err: err}
		} else {
			line, _ := cr.FieldPos(0)
			last = line
			get := func(c string) string {
				if i, ok := col[c]; ok && i < len(rec) {
					return strings.TrimSpace(rec[i])
				}
				return ""
			}
			rep, err := of(get)
			row = finish(line, &rep, err)
		}
		if err := emit(row); err != nil {
			return err
		}
	}
}

// reportOf reads a row of parley's CSV; a number that is not one is an
// error naming its column.
func reportOf(get func(string) string) (monitor.Report, error) {
	r := monitor.Report{SourceType: monitor.SourceType(get("source_type")), SourceName: get("source_name"), SourceParty: get("source_party"),
		SourceRef: get("source_ref"), OccurredAt: get("occurred_at"), TimePrecision: get("time_precision"), PlaceName: get("place_name"),
		PlacePrecision: get("place_precision"), WeaponClass: get("weapon_class"), TargetClass: get("target_class"), Narrative: get("narrative")}
	if err := coordinates(get, "lat", "lon", &r); err != nil {
		return r, err
	}
	if v := get("weapon_count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return r, parley.Errorf("weapon_count", "%q is not a whole number", v)
		}
		r.WeaponCount = n
	}
	for _, kind := range monitor.CasualtyKinds {
		for _, group := range monitor.CasualtyGroups {
			name := kind + "_" + group
			v := get(name)
			if v == "" {
				continue
			}
			lo, hi, isRange := strings.Cut(v, "-")
			low, err := strconv.Atoi(strings.TrimSpace(lo))
			high := low
			if err == nil && isRange {
				high, err = strconv.Atoi(strings.TrimSpace(hi))
			}
			if err != nil {
				return r, parley.Errorf(name, "%q is not a count or a range such as 25-27", v)
			}
			r.Casualties = append(r.Casualties, monitor.Casualty{Kind: kind, Group: group, Low: low, High: high})
		}
	}
	if v := get("evidence_sha256"); v != "" {
		r.Evidence = []monitor.Evidence{{SHA256: strings.ToLower(v)}}
	}
	return r, nil
}

// coordinates reads a row's latitude and longitude columns into r.
func coordinates(get func(string) string, lat, lon string, r *monitor.Report) error {
	for _, c := range []struct {
		name string
		to   **float64
	}{{lat, &r.Lat}, {lon, &r.Lon}} {
		if v := get(c.name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return parley.Errorf(c.name, "%q is not a number", v)
			}
			*c.to = &f
		}
	}
	return nil
}

// ACLED's sub-event types that name a weapon; the others are "unknown",
// with the type kept in the narrative.
var acledWeapons = map[string]string{
	"Shelling/artillery/missile attack": "artillery",
	"Remote explosive/landmine/IED":     "mine",
	"Armed clash":                       "small-arms",
}

// acledReportOf reads a row of ACLED's export: an open-source report under
// ACLED's own event id, its time and place precision codes translated
// (time 1 is a day, 2 a week and 3 a month, both read as the month; place
// 1 and 2 are a settlement, 3 a region), its fatalities as killed of
// unknown group.
func acledReportOf(get func(string) string) (monitor.Report, error) {
	sub := get("sub_event_type")
	r := monitor.Report{SourceType: monitor.SourceOpen, SourceName: get("source"), SourceRef: "acled:" + get("event_id_cnty"),
		PlaceName: get("location"), WeaponClass: "unknown", TargetClass: "unknown",
		Narrative: strings.TrimSpace(get("notes") + " (ACLED: " + sub + ")")}
	if get("event_id_cnty") == "" {
		return r, parley.Errorf("event_id_cnty", "is required: ACLED's id of the event")
	}
	if w, ok := acledWeapons[sub]; ok {
		r.WeaponClass = w
	}
	d := get("event_date")
	day, err := time.Parse("2006-01-02", d)
	if err != nil {
		if day, err = time.Parse("2 January 2006", d); err != nil {
			return r, parley.Errorf("event_date", "%q is not a date (2026-01-24, or 24 January 2026)", d)
		}
	}
	r.OccurredAt = day.Format("2006-01-02")
	switch get("time_precision") {
	case "1":
		r.TimePrecision = "day"
	case "2", "3":
		r.TimePrecision = "month"
	default:
		return r, parley.Errorf("time_precision", "%q is not one of ACLED's codes 1, 2, 3", get("time_precision"))
	}
	switch get("geo_precision") {
	case "1", "2":
		r.PlacePrecision = "settlement"
	case "3":
		r.PlacePrecision = "region"
	default:
		return r, parley.Errorf("geo_precision", "%q is not one of ACLED's codes 1, 2, 3", get("geo_precision"))
	}
	if err := coordinates(get, "latitude", "longitude", &r); err != nil {
		return r, err
	}
	if v := get("fatalities"); v != "" && v != "0" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return r, parley.Errorf("fatalities", "%q is not a whole number", v)
		}
		r.Casualties = []monitor.Casualty{{Kind: "killed", Group: "unknown", Low: n, High: n}}
	}
	return r, nil
}

// decodeReport reads one report's JSON, strictly: a field that is not a
// report's is an error naming it.
func decodeReport(b []byte) (monitor.Report, error) {
	var r monitor.Report
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	err := d.Decode(&r)
	return r, err
}

// MaxLine bounds a line of NDJSON, or a feature of GeoJSON: a report is a
// few kilobytes, and a longer one is refused by its line, not read.
const MaxLine = 1 << 20

func readNDJSON(r io.Reader, emit func(Row) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for line := 1; ; line++ {
		b, long, err := readLine(br)
		if err == io.EOF && len(b) == 0 && !long {
			return nil
		} else if err != nil && err != io.EOF {
			return wrap(fault.New(fault.Invalid, "", "line %d: couldn't read the file: %v", line, err), err)
		}
		var row Row
		switch b = bytes.TrimSpace(b); {
		case long:
			row = Row{Line: line, Err: fault.New(fault.Invalid, "", "the line is over %d bytes; a report is far shorter", MaxLine)}
		case len(b) == 0:
			continue
		default:
			rep, err := decodeReport(exported(b))
			row = finish(line, &rep, err)
		}
		if err := emit(row); err != nil {
			return err
		}
	}
}

// readLine reads one line, without its end; of a line over MaxLine it
// reads the rest and says it was long.
func readLine(br *bufio.Reader) (line []byte, long bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > MaxLine {
			long, line = true, nil
		} else if !long {
			line = append(line, chunk...)
		}
		if err != bufio.ErrBufferFull {
			return line, long, err
		}
	}
}

// exported returns the report of what parley's own exports write (an
// object with the report under "report", beside its id, record and
// audience), or b as it is: parley reads back what it exports.
func exported(b []byte) []byte {
	if !bytes.Contains(b, []byte(`"report"`)) {
		return b // a report as it is: read once, not twice
	}
	var x struct {
		Report json.RawMessage `json:"report"`
	}
	if json.Unmarshal(b, &x) == nil && len(x.Report) > 0 && x.Report[0] == '{' {
		return x.Report
	}
	return b
}

// readGeoJSON reads a FeatureCollection of reports: each feature's
// properties a report's fields, its geometry a Point (or null, for a
// report placed by region only). It streams the features.
func readGeoJSON(r io.Reader, emit func(Row) error) error {
	br := &bounded{r: r}
	d := json.NewDecoder(bufio.NewReaderSize(br, 1<<16))
	notFC := fault.New(fault.Invalid, "", "not a GeoJSON FeatureCollection with its features")
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return notFC
	}
	sawType := false
	for d.More() {
		br.since()
		t, err := d.Token()
		if err != nil {
			return notFC
		}
		switch t {
		case "type":
			var typ string
			if err := d.Decode(&typ); err != nil || typ != "FeatureCollection" {
				return fault.New(fault.Invalid, "", "the file is a GeoJSON %q, not a FeatureCollection", typ)
			}
			sawType = true
		case "features":
			if t, err := d.Token(); err != nil || t != json.Delim('[') {
				return notFC
			}
			for i := 0; d.More(); i++ {
				br.since()
				var raw json.RawMessage
				if err := d.Decode(&raw); err != nil {
					return fault.New(fault.Invalid, "", "feature %d: %v", i, err)
				}
				var f struct {
					Type       string          `json:"type"`
					Geometry   *geometry       `json:"geometry"`
					Properties json.RawMessage `json:"properties"`
				}
				row := Row{Line: i}
				if len(raw) > MaxLine {
					row.Err = fault.New(fault.Invalid, "", "the feature is over %d bytes; a report is far shorter", MaxLine)
				} else if err := json.Unmarshal(raw, &f); err != nil {
					row.Err = err
				} else {
					row = feature(i, f.Type, f.Geometry, f.Properties)
				}
				if err := emit(row); err != nil {
					return err
				}
			}
			if _, err := d.Token(); err != nil {
				return notFC
			}
		default:
			var skip json.RawMessage
			if err := d.Decode(&skip); errors.Is(err, errHuge) {
				return wrap(fault.New(fault.Invalid, "", "the member %q: a row or feature over %d bytes; a report is far shorter", t, MaxLine), errHuge)
			} else if err != nil {
				return notFC
			}
		}
	}
	if !sawType {
		return notFC
	}
	return nil
}

// geometry is a feature's geometry, its coordinates read once its type
// says what they are.
type geometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

func feature(i int, typ string, g *geometry, props json.RawMessage) Row {
	if typ != "Feature" {
		return Row{Line: i, Err: parley.Errorf("type", "is %q, not Feature", typ)}
	}
	if len(props) == 0 || string(props) == "null" {
		return Row{Line: i, Err: parley.Errorf("properties", "a report's fields are required")}
	}
	rep, err := decodeReport(exported(props))
	if err == nil && g != nil {
		var c []float64
		if g.Type != "Point" {
			err = parley.Errorf("geometry", "a report is placed by a Point, not a %s", g.Type)
		} else if json.Unmarshal(g.Coordinates, &c) != nil || len(c) < 2 {
			err = parley.Errorf("geometry", "a Point's coordinates are [longitude, latitude]")
		} else if (rep.Lat != nil || rep.Lon != nil) && (rep.Lat == nil || rep.Lon == nil || *rep.Lon != c[0] || *rep.Lat != c[1]) {
			err = parley.Errorf("lat", "the properties place the report elsewhere than the geometry; give the place once")
		} else {
			rep.Lon, rep.Lat = &c[0], &c[1]
		}
	}
	return finish(i, &rep, err)
}

// ReadAll reads a whole file: its good rows and its refused ones, in order.
func ReadAll(format string, r io.Reader) (good, refused []Row, err error) {
	err = Read(format, r, func(row Row) error {
		if row.Err != nil {
			refused = append(refused, row)
		} else {
			good = append(good, row)
		}
		return nil
	})
	return good, refused, err
}
