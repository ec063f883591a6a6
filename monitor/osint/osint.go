// Package osint proposes candidate incident reports from a news article,
// for a monitor to check, correct and file as monitor.Report entries.
//
// A monitor pastes or uploads an article (plain text or HTML, with its
// outlet, address and date); Extract reads it and returns, for each
// strike or attack it reports, what was used (weapon classes and stated
// counts), where (places resolved against a gazetteer of Ukraine and the
// Russian oblasts on its border, ambiguous names flagged), when (resolved
// against the article's date), the casualties as stated and who said so,
// each with the sentences it came from; and the statements of officials,
// so that where two articles disagree both versions are kept with their
// source.
//
// It is rule-based and deterministic: English patterns and word lists, no
// model and no network. Its first rule is that nothing is invented: a
// figure the text does not state is absent (nil, empty), never guessed,
// and a weapon that is only feared ("warned of drones") is not a weapon
// used. Meetings, talks and political statements are not incidents.
// What it returns are candidates: a person decides.
package osint

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Article is what a monitor uploads.
type Article struct {
	Outlet, URL string
	// Published is the article's date, in UTC; day precision is enough.
	// Zero when unknown: then only dates written with their year resolve.
	Published time.Time
	Body      []byte // as uploaded
	HTML      bool   // Body is an HTML page, not plain text
}

// Result is what Extract found in one article.
type Result struct {
	// Digest is the hex SHA-256 of the body exactly as given: the
	// evidence a report filed from it cites.
	Digest string `json:"digest"`
	// Text is the plain text the extractor read; every sentence cited
	// is a verbatim substring of it.
	Text             string      `json:"text"`
	IsIncidentReport bool        `json:"is_incident_report"`
	Candidates       []Candidate `json:"candidates,omitempty"`
	Statements       []Statement `json:"statements,omitempty"`
}

// Candidate is one strike or attack the article reports, as a proposal
// for a monitor.Report.
type Candidate struct {
	// WeaponClasses are values of vocab.WeaponClasses, as stated; empty
	// when the text does not say ("a strike").
	WeaponClasses []string `json:"weapon_classes,omitempty"`
	// Counts are the stated numbers of weapons by class, e.g.
	// "attack-drone": 12; absent when not stated.
	Counts map[string]int `json:"counts,omitempty"`
	// Target is a vocab.TargetClasses value, "unknown" when not stated.
	Target string  `json:"target"`
	Places []Place `json:"places,omitempty"`
	When   When    `json:"when"`
	// Killed and Wounded are the figures as stated, the latest when the
	// article revises one; nil when not stated, 0 only for an explicit
	// "no one was injured" or "no casualties".
	Killed  *int `json:"killed,omitempty"`
	Wounded *int `json:"wounded,omitempty"`
	// Official is who the article says reported it, nil when no one is
	// named.
	Official *Official `json:"official,omitempty"`
	// Sentences are the sentences of Result.Text it came from, verbatim.
	Sentences []string `json:"sentences,omitempty"`
}

// Place kinds.
const (
	KindSettlement = "settlement"
	KindOblast     = "oblast"
	KindDistrict   = "district"  // a raion, or a district of a city
	KindCommunity  = "community" // a hromada
	KindCountry    = "country"
)

// Place is a place an incident names, resolved against the gazetteer
// where it can be.
type Place struct {
	// Name is the gazetteer's English name, or the name as written when
	// the gazetteer lacks it (then GeonameID is 0).
	Name string `json:"name"`
	// Text is the name as the article writes it.
	Text string `json:"text"`
	Kind string `json:"kind"`
	// Oblast is the English name of the first-level division, Admin1 its
	// GeoNames code (UA.07); from the context when the place itself is
	// not in the gazetteer; empty when unknown.
	Oblast  string `json:"oblast"`
	Admin1  string `json:"admin1"`
	Country string `json:"country"` // ISO 3166 code
	// Lat and Lon are the settlement's (for a district or community, of
	// the settlement it is named after); zero when unresolved.
	Lat        float64 `json:"lat"`
	Lon        float64 `json:"lon"`
	Population int     `json:"population"`
	GeonameID  int     `json:"geoname_id"`
	// Ambiguous reports that settlements in different oblasts bear the
	// name and the text does not settle which one is meant (it names no
	// oblast, and no resolved place nearby decides it): the one chosen is
	// the most populous, and a person should check it.
	Ambiguous bool `json:"ambiguous"`
	// Alternatives is how many other settlements bear the name; non-zero
	// means the name alone is ambiguous, even where the text settles it.
	Alternatives int `json:"alternatives"`
	// Sentence is the first sentence that names it.
	Sentence string `json:"sentence"`
}

// When is when an incident happened.
type When struct {
	Expression string `json:"expression"` // as written: "overnight", "on Saturday"
	// Date is YYYY-MM-DD, resolved against the publication date, or ""
	// when the text leaves it unclear.
	Date string `json:"date"`
	// Precision is "day" or "night-of" (the night that ended on Date), as
	// monitor.TimePrecisions names them; "" without a Date.
	Precision string `json:"precision"`
}

// Official is a named source: a person with their office, or an
// institution (then Office is empty).
type Official struct {
	Name   string `json:"name"`
	Office string `json:"office"`
}

// Statement is something an official said, as quoted.
type Statement struct {
	Who      string `json:"who"`
	Office   string `json:"office"`
	Said     string `json:"said"`     // the quoted words
	Sentence string `json:"sentence"` // the sentence it is in, verbatim
}

// Errors Extract returns for a body it cannot read.
var (
	ErrEmpty   = errors.New("osint: the article has no text")
	ErrNotText = errors.New("osint: the article is not UTF-8 text")
	ErrTooLong = errors.New("osint: the article is too long")
)

// MaxText bounds the text of an article read: a long news report is some
// 30 KB of text; its page's HTML may be many times that.
const MaxText = 256 << 10

// Extract reads an article and proposes candidate incidents and
// statements. With a nil gazetteer it uses Default.
func Extract(a Article, g *Gazetteer) (Result, error) {
	sum := sha256.Sum256(a.Body)
	res := Result{Digest: hex.EncodeToString(sum[:])}
	if len(a.Body) == 0 {
		return res, ErrEmpty
	}
	if g == nil {
		var err error
		if g, err = Default(); err != nil {
			return res, err
		}
	}
	text, err := plainText(a.Body)
	if err != nil {
		return res, err
	}
	if a.HTML {
		if text, err = htmlText([]byte(text)); err != nil {
			return res, fmt.Errorf("osint: reading the HTML: %w", err)
		}
	}
	if len(text) > MaxText {
		return res, fmt.Errorf("%w: its text is %d bytes; at most %d are read", ErrTooLong, len(text), MaxText)
	}
	res.Text = text
	if len([]rune(text)) < 3 || len(sentences(text)) == 0 {
		return res, ErrEmpty
	}
	var pub time.Time
	if !a.Published.IsZero() {
		y, m, d := a.Published.UTC().Date()
		pub = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	x := newExtraction(text, pub, g)
	res.Candidates = x.candidates()
	res.Statements = x.statements()
	res.IsIncidentReport = len(res.Candidates) > 0
	return res, nil
}
